package org.traindeeploy.memory;

import java.util.List;

/**
 * A set of byte ranges [from, to), kept merged (disjoint, keyed by start): whether a range overlaps
 * the set costs O(log n) ({@link RangePool}, no boxing). The memory planner's lifetime index keeps one per time segment; the code
 * generator places barriers with two, so a long run of independent kernels (a thousand optimizer
 * updates in a row) is not quadratic in the run's length.
 */
public final class ByteRanges {
    private final RangePool pool = new RangePool();
    private int root = -1;

    public void clear() {
        pool.clear();
        root = -1;
    }

    public void add(long from, long to) { root = pool.add(root, from, to); }

    public void addAll(List<long[]> ranges) { for (long[] r : ranges) add(r[0], r[1]); }

    /** Whether [from, to) shares a byte with the set. */
    public boolean overlaps(long from, long to) { return pool.overlaps(root, from, to); }

    /** Whether one of {@code ranges} shares a byte with the set. */
    public boolean overlapsAny(List<long[]> ranges) {
        for (long[] r : ranges) if (overlaps(r[0], r[1])) return true;
        return false;
    }

    /** The end of the range that [c, c + size) would overlap (the highest such), or −1. */
    public long conflictEnd(long c, long size) { return pool.conflictEnd(root, c, size); }
}
