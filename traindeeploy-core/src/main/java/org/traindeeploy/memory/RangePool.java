package org.traindeeploy.memory;

import java.util.Arrays;

/**
 * Sets of disjoint byte ranges [from, to), kept merged and ordered by start, whose entries share one
 * pool of primitive arrays: a set is the root of a treap (−1 for the empty set) that the caller keeps.
 * Adding a range and finding the range starting below an offset cost O(log n) expected, without
 * boxing a key or allocating per entry (the memory planner's lifetime index keeps O(log T) sets per
 * buffer; as {@code TreeMap<Long, Long>}s those were most of a large graph's allocation).
 */
final class RangePool {
    private long[] from = new long[16];
    private long[] to = new long[16];
    private int[] left = new int[16];
    private int[] right = new int[16];
    private int[] prio = new int[16];
    private int used;
    private int free = -1; // released entries, chained through right[]
    private int seed = 0x2545F491;
    // The two halves of the last split.
    private int lo;
    private int hi;

    /** Drops every set (roots the caller kept become invalid). */
    void clear() {
        used = 0;
        free = -1;
    }

    /** Adds [f, t) to the set rooted at {@code root}, merged with the ranges it overlaps or touches; returns the new root. */
    int add(int root, long f, long t) {
        split(root, f);
        int below = lo;
        int above = hi;
        if (below >= 0) {
            int last = rightmost(below);
            if (to[last] >= f) { // touches the range starting below f: one range
                f = from[last];
                t = Math.max(t, to[last]);
                below = removeRightmost(below);
            }
        }
        split(above, t + 1); // ranges starting in [f, t] are covered by or merge into [f, t)
        int merged = lo;
        above = hi;
        if (merged >= 0) {
            t = Math.max(t, to[rightmost(merged)]);
            release(merged);
        }
        return merge(merge(below, entry(f, t)), above);
    }

    /** The entry with the largest start below {@code x} in the set, or −1. */
    private int lower(int root, long x) {
        int best = -1;
        for (int n = root; n >= 0; ) {
            if (from[n] < x) {
                best = n;
                n = right[n];
            } else {
                n = left[n];
            }
        }
        return best;
    }

    /** Whether [f, t) shares a byte with the set. */
    boolean overlaps(int root, long f, long t) {
        int e = lower(root, t);
        return e >= 0 && to[e] > f;
    }

    /** The end of the range that [c, c + size) would overlap (the highest such), or −1. */
    long conflictEnd(int root, long c, long size) {
        int e = lower(root, c + size);
        return e >= 0 && to[e] > c ? to[e] : -1;
    }

    private int entry(long f, long t) {
        int n;
        if (free >= 0) {
            n = free;
            free = right[n];
        } else {
            if (used == from.length) {
                int c = 2 * used;
                from = Arrays.copyOf(from, c);
                to = Arrays.copyOf(to, c);
                left = Arrays.copyOf(left, c);
                right = Arrays.copyOf(right, c);
                prio = Arrays.copyOf(prio, c);
            }
            n = used++;
        }
        from[n] = f;
        to[n] = t;
        left[n] = -1;
        right[n] = -1;
        seed ^= seed << 13; // xorshift: priorities independent of the keys
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        prio[n] = seed;
        return n;
    }

    /** Splits the set rooted at {@code n} into {@link #lo} (starts below {@code key}) and {@link #hi} (the rest). */
    private void split(int n, long key) {
        if (n < 0) {
            lo = -1;
            hi = -1;
        } else if (from[n] < key) {
            split(right[n], key);
            right[n] = lo;
            lo = n;
        } else {
            split(left[n], key);
            left[n] = hi;
            hi = n;
        }
    }

    /** Joins two sets, every start in {@code a} below every start in {@code b}. */
    private int merge(int a, int b) {
        if (a < 0) return b;
        if (b < 0) return a;
        if (prio[a] > prio[b]) {
            right[a] = merge(right[a], b);
            return a;
        }
        left[b] = merge(a, left[b]);
        return b;
    }

    private int rightmost(int n) {
        while (right[n] >= 0) n = right[n];
        return n;
    }

    private int removeRightmost(int n) {
        if (right[n] < 0) {
            int l = left[n];
            left[n] = -1;
            release(n);
            return l;
        }
        right[n] = removeRightmost(right[n]);
        return n;
    }

    /** Returns the entries of the set rooted at {@code n} to the pool. */
    private void release(int n) {
        if (n < 0) return;
        release(left[n]);
        int r = right[n];
        right[n] = free;
        free = n;
        release(r);
    }
}
