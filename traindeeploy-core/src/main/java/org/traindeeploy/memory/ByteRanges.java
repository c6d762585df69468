package org.traindeeploy.memory;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of byte ranges [from, to), kept merged (disjoint, keyed by start): whether a range overlaps
 * the set costs O(log n). The memory planner's lifetime index keeps one per time segment; the code
 * generator places barriers with two, so a long run of independent kernels (a thousand optimizer
 * updates in a row) is not quadratic in the run's length.
 */
public final class ByteRanges {
    private final TreeMap<Long, Long> byStart = new TreeMap<>();

    public void clear() { byStart.clear(); }

    public void add(long from, long to) {
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

    public void addAll(List<long[]> ranges) { for (long[] r : ranges) add(r[0], r[1]); }

    /** Whether [from, to) shares a byte with the set. */
    public boolean overlaps(long from, long to) {
        Map.Entry<Long, Long> e = byStart.lowerEntry(to);
        return e != null && e.getValue() > from;
    }

    /** Whether one of {@code ranges} shares a byte with the set. */
    public boolean overlapsAny(List<long[]> ranges) {
        for (long[] r : ranges) if (overlaps(r[0], r[1])) return true;
        return false;
    }

    /** The end of the range that [c, c + size) would overlap (the highest such), or −1. */
    public long conflictEnd(long c, long size) {
        Map.Entry<Long, Long> e = byStart.lowerEntry(c + size);
        return e != null && e.getValue() > c ? e.getValue() : -1;
    }
}
