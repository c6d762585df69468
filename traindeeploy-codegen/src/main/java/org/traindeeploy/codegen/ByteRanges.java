package org.traindeeploy.codegen;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of byte ranges [from, to), kept merged: whether a range overlaps the set costs O(log n), so
 * placing barriers over a long run of independent kernels (a thousand optimizer updates in a row)
 * is not quadratic in the run's length.
 */
final class ByteRanges {
    private final TreeMap<Long, Long> byStart = new TreeMap<>();

    void clear() { byStart.clear(); }

    void add(long from, long to) {
        Map.Entry<Long, Long> below = byStart.floorEntry(from);
        if (below != null && below.getValue() >= from) {
            from = below.getKey();
            to = Math.max(to, below.getValue());
            byStart.remove(below.getKey());
        }
        Map.Entry<Long, Long> next;
        while ((next = byStart.ceilingEntry(from)) != null && next.getKey() <= to) {
            to = Math.max(to, next.getValue());
            byStart.remove(next.getKey());
        }
        byStart.put(from, to);
    }

    void addAll(List<long[]> ranges) { for (long[] r : ranges) add(r[0], r[1]); }

    /** Whether [from, to) shares a byte with the set. */
    boolean overlaps(long from, long to) {
        Map.Entry<Long, Long> e = byStart.lowerEntry(to);
        return e != null && e.getValue() > from;
    }

    /** Whether one of {@code ranges} shares a byte with the set. */
    boolean overlapsAny(List<long[]> ranges) {
        for (long[] r : ranges) if (overlaps(r[0], r[1])) return true;
        return false;
    }
}
