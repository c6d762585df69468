package org.traindeeploy.memory;

/**
 * Bytes alive per step of a fixed schedule, as a segment tree: add a size over a range of steps and
 * read the largest total, each in O(log n). Lets a pass judge a local rewrite's effect on the
 * memory lower bound without recomputing every lifetime.
 */
public final class RangeAddMax {
    private final int n;
    private final long[] max;
    private final long[] lazy;

    /** Steps 0..steps, all at 0 bytes. */
    public RangeAddMax(int steps) {
        n = steps + 1;
        max = new long[4 * n];
        lazy = new long[4 * n];
    }

    /** Adds {@code bytes} (may be negative) to every step in [from, to]; an empty range does nothing. */
    public void add(int from, int to, long bytes) {
        from = Math.max(from, 0);
        to = Math.min(to, n - 1);
        if (from > to || bytes == 0) return;
        add(1, 0, n - 1, from, to, bytes);
    }

    private void add(int node, int lo, int hi, int from, int to, long bytes) {
        if (from <= lo && hi <= to) {
            max[node] += bytes;
            lazy[node] += bytes;
            return;
        }
        int mid = (lo + hi) >>> 1;
        if (from <= mid) add(2 * node, lo, mid, from, to, bytes);
        if (to > mid) add(2 * node + 1, mid + 1, hi, from, to, bytes);
        max[node] = lazy[node] + Math.max(max[2 * node], max[2 * node + 1]);
    }

    /** The largest total over all steps. */
    public long max() { return max[1]; }
}
