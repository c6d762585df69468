package org.traindeeploy.memory;

/**
 * The placed buffers as rectangles over time × offset, answering "the lowest aligned offset where
 * {@code size} bytes are free over steps [start, end]" in O(log T) occupied-range sets instead of a
 * walk over every placed buffer (the greedy planner's quadratic cost with many long-lived buffers).
 *
 * <p>A segment tree over the steps: a buffer is stored, as its occupied byte range, in the
 * {@code cover} set of each canonical node of its lifetime (nodes it covers whole, O(log T) of them)
 * and in the {@code sub} set of every node on the way down to them. The buffers alive at some step of
 * a query [a, b] are exactly the {@code cover} sets of the nodes the query's walk passes through plus
 * the {@code sub} sets of the query's own canonical nodes: a buffer alive at step t of the query is
 * stored in the canonical node β of its own decomposition containing t, and the query's canonical
 * node q containing t lies on the same root-to-leaf path; if β is q or above it, the walk passes β
 * (it meets the query), and if β is below q, the buffer is in q's {@code sub}. Each set keeps its
 * ranges merged (disjoint, sorted), so a stack of adjacent buffers is one range.
 *
 * <p>The lowest free offset: start at the lowest aligned candidate c; for each set, the highest
 * merged range starting below c + size, if it ends above c, conflicts and c jumps to its aligned
 * end (no offset in between can be free of it); repeat until no set conflicts. This is the same
 * offset the first-fit scan of all placed buffers in offset order finds.
 */
final class LifetimeIndex {
    private final int leaves;
    private final RangePool pool = new RangePool(); // every set's ranges; a set is a root in cover or sub (-1: empty)
    private final int[] cover;
    private final int[] sub;
    private int[] found = new int[64]; // the sets of the current query
    private int nFound;

    /** An index over steps [0, lastStep]. */
    LifetimeIndex(int lastStep) {
        this.leaves = Math.max(1, lastStep + 1);
        this.cover = new int[4 * leaves];
        this.sub = new int[4 * leaves];
        java.util.Arrays.fill(cover, -1);
        java.util.Arrays.fill(sub, -1);
    }

    /** Marks bytes [from, to) occupied over steps [start, end]. */
    void add(int start, int end, long from, long to) { add(1, 0, leaves - 1, start, end, from, to); }

    private void add(int node, int lo, int hi, int start, int end, long from, long to) {
        if (end < lo || hi < start) return;
        sub[node] = pool.add(sub[node], from, to);
        if (start <= lo && hi <= end) {
            cover[node] = pool.add(cover[node], from, to);
            return;
        }
        int mid = (lo + hi) >>> 1;
        add(2 * node, lo, mid, start, end, from, to);
        add(2 * node + 1, mid + 1, hi, start, end, from, to);
    }

    /** The lowest offset ≥ {@code base}, a multiple of {@code align}, where {@code size} bytes are free over steps [start, end]. */
    long lowestFree(int start, int end, long size, long base, int align) {
        nFound = 0;
        collect(1, 0, leaves - 1, start, end);
        long c = MemoryPlanner.roundUp(base, align);
        boolean moved = true;
        while (moved) {
            moved = false;
            for (int k = 0; k < nFound; k++) {
                long blockEnd = pool.conflictEnd(found[k], c, size);
                if (blockEnd >= 0) {
                    c = MemoryPlanner.roundUp(blockEnd, align);
                    moved = true;
                }
            }
        }
        return c;
    }

    private void collect(int node, int lo, int hi, int start, int end) {
        if (end < lo || hi < start || sub[node] < 0) return;
        if (start <= lo && hi <= end) {
            found(sub[node]);
            return;
        }
        if (cover[node] >= 0) found(cover[node]);
        int mid = (lo + hi) >>> 1;
        collect(2 * node, lo, mid, start, end);
        collect(2 * node + 1, mid + 1, hi, start, end);
    }

    private void found(int set) {
        if (nFound == found.length) found = java.util.Arrays.copyOf(found, 2 * nFound);
        found[nFound++] = set;
    }
}
