package org.traindeeploy.memory;

import java.util.ArrayList;
import java.util.List;

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
    private final ByteRanges[] cover;
    private final ByteRanges[] sub;

    /** An index over steps [0, lastStep]. */
    LifetimeIndex(int lastStep) {
        this.leaves = Math.max(1, lastStep + 1);
        this.cover = new ByteRanges[4 * leaves];
        this.sub = new ByteRanges[4 * leaves];
    }

    /** Marks bytes [from, to) occupied over steps [start, end]. */
    void add(int start, int end, long from, long to) { add(1, 0, leaves - 1, start, end, from, to); }

    private void add(int node, int lo, int hi, int start, int end, long from, long to) {
        if (end < lo || hi < start) return;
        if (sub[node] == null) sub[node] = new ByteRanges();
        sub[node].add(from, to);
        if (start <= lo && hi <= end) {
            if (cover[node] == null) cover[node] = new ByteRanges();
            cover[node].add(from, to);
            return;
        }
        int mid = (lo + hi) >>> 1;
        add(2 * node, lo, mid, start, end, from, to);
        add(2 * node + 1, mid + 1, hi, start, end, from, to);
    }

    /** The lowest offset ≥ {@code base}, a multiple of {@code align}, where {@code size} bytes are free over steps [start, end]. */
    long lowestFree(int start, int end, long size, long base, int align) {
        List<ByteRanges> sets = new ArrayList<>();
        collect(1, 0, leaves - 1, start, end, sets);
        long c = MemoryPlanner.roundUp(base, align);
        boolean moved = true;
        while (moved) {
            moved = false;
            for (ByteRanges r : sets) {
                long blockEnd = r.conflictEnd(c, size);
                if (blockEnd >= 0) {
                    c = MemoryPlanner.roundUp(blockEnd, align);
                    moved = true;
                }
            }
        }
        return c;
    }

    private void collect(int node, int lo, int hi, int start, int end, List<ByteRanges> out) {
        if (end < lo || hi < start || sub[node] == null) return;
        if (start <= lo && hi <= end) {
            out.add(sub[node]);
            return;
        }
        if (cover[node] != null) out.add(cover[node]);
        int mid = (lo + hi) >>> 1;
        collect(2 * node, lo, mid, start, end, out);
        collect(2 * node + 1, mid + 1, hi, start, end, out);
    }
}
