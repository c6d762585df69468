package org.traindeeploy.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.traindeeploy.testing.T;

/**
 * The indexed placement finds exactly the offsets of the first-fit scan it replaced (the scan is
 * kept here as the reference), and a long chain's nested lifetimes place without a scan per buffer.
 */
class LifetimeIndexTest {
    /** The former placement: walk every placed buffer in offset order, first gap that fits. */
    static long[] scanPlacement(List<Buffer> bufs, long base, int align) {
        List<Buffer> order = new ArrayList<>(bufs);
        order.sort(Comparator.comparingLong(Buffer::size).reversed().thenComparingInt(Buffer::start).thenComparingInt(Buffer::id));
        long[] off = new long[bufs.size()];
        List<Buffer> placed = new ArrayList<>();
        for (Buffer b : order) {
            int a = Math.max(align, MemoryPlanner.elementAlign(b));
            long c = MemoryPlanner.roundUp(base, a);
            placed.sort(Comparator.comparingLong((Buffer p) -> off[p.id()]).thenComparingInt(Buffer::id));
            for (Buffer p : placed) {
                if (!p.overlapsInTime(b)) continue;
                if (c + b.size() <= off[p.id()]) break;
                c = Math.max(c, MemoryPlanner.roundUp(off[p.id()] + MemoryPlanner.roundUp(p.size(), align), a));
            }
            off[b.id()] = c;
            placed.add(b);
        }
        return off;
    }

    static List<Buffer> random(long seed, int n, int steps, int maxSize) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Buffer> bufs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int a = r.nextInt(steps);
            int len = r.nextInt(4) == 0 ? r.nextInt(Math.max(1, steps - a)) : r.nextInt(Math.max(1, Math.min(5, steps - a)));
            // Few distinct sizes, as in real graphs: many ties, merged stacks, gaps that just fit.
            long size = r.nextBoolean() ? 64L << r.nextInt(4) : 1 + r.nextInt(maxSize);
            bufs.add(new Buffer(i, List.of(T.dummyValue("v" + i)), size, a, a + len, false));
        }
        return bufs;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void sameOffsetsAsTheFirstFitScan(long seed) {
        List<Buffer> bufs = random(seed, 400, 1 + (int) (seed * 13 % 120), 3000);
        long[] expected = scanPlacement(bufs, 16, 8);
        long peak = MemoryPlanner.placeByLifetime(bufs, "L2", 16, 8);
        long top = 0;
        for (Buffer b : bufs) {
            assertEquals(expected[b.id()], b.offset(), "buffer " + b.id() + " of seed " + seed);
            top = Math.max(top, b.offset() + MemoryPlanner.roundUp(b.size(), 8) - 16);
        }
        assertEquals(top, peak);
        MemoryPlannerTest.assertNoOverlapIn(bufs);
    }

    /**
     * A chain with its backward pass: value i lives from step i to step 2n − i, all nested, so at
     * the middle every buffer is alive. The placement stacks them at the lower bound, and the index
     * holds each stack as one merged range (no set grows with the number of buffers below it).
     */
    @Test
    void nestedLifetimesStackAtTheLowerBound() {
        int n = 20_000;
        List<Buffer> bufs = new ArrayList<>();
        for (int i = 0; i < n; i++) bufs.add(new Buffer(i, List.of(T.dummyValue("v" + i)), 32, i, 2 * n - i, false));
        long peak = MemoryPlanner.placeByLifetime(bufs, "L2", 0, 4);
        assertEquals(MemoryPlanner.lowerBound(bufs, 2 * n, 4), peak);
        assertEquals(32L * n, peak);
        for (Buffer b : bufs) assertEquals(32L * b.id(), b.offset());
    }

    @Test
    void rangesMergeAndReportTheHighestConflict() {
        ByteRanges r = new ByteRanges();
        r.add(0, 16);
        r.add(32, 48);
        r.add(16, 32); // joins both
        r.add(100, 108);
        assertEquals(48, r.conflictEnd(0, 8));
        assertEquals(-1, r.conflictEnd(48, 52));
        assertEquals(108, r.conflictEnd(48, 53));
        assertTrue(r.conflictEnd(108, 1_000) < 0);
    }

    /**
     * The pooled sets answer as the boxed {@code TreeMap} version they replaced (kept here as the
     * reference): many sets in one pool, ranges that overlap, touch, swallow others or stand apart.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void pooledSetsAnswerAsTreeMaps(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        RangePool pool = new RangePool();
        int sets = 1 + r.nextInt(6);
        int[] roots = new int[sets];
        java.util.Arrays.fill(roots, -1);
        List<java.util.TreeMap<Long, Long>> ref = new ArrayList<>();
        for (int k = 0; k < sets; k++) ref.add(new java.util.TreeMap<>());
        for (int i = 0; i < 3000; i++) {
            int k = r.nextInt(sets);
            long from = r.nextInt(2000);
            long to = from + 1 + r.nextInt(r.nextInt(8) == 0 ? 400 : 24);
            if (r.nextInt(3) > 0) {
                roots[k] = pool.add(roots[k], from, to);
                treeAdd(ref.get(k), from, to);
            }
            long c = r.nextInt(2100);
            long size = 1 + r.nextInt(64);
            java.util.Map.Entry<Long, Long> e = ref.get(k).lowerEntry(c + size);
            assertEquals(e != null && e.getValue() > c ? e.getValue() : -1, pool.conflictEnd(roots[k], c, size), "seed " + seed + " step " + i);
            assertEquals(e != null && e.getValue() > c, pool.overlaps(roots[k], c, c + size));
        }
        ByteRanges b = new ByteRanges();
        for (long[] x : new long[][] {{5, 9}, {9, 12}, {20, 30}, {0, 2}}) b.add(x[0], x[1]);
        assertEquals(12, b.conflictEnd(4, 2));
        b.clear();
        assertEquals(-1, b.conflictEnd(4, 2));
    }

    /** The former {@code ByteRanges.add}. */
    private static void treeAdd(java.util.TreeMap<Long, Long> byStart, long from, long to) {
        java.util.Map.Entry<Long, Long> below = byStart.floorEntry(from);
        if (below != null && below.getValue() >= from) {
            from = below.getKey();
            to = Math.max(to, below.getValue());
            byStart.remove(below.getKey());
        }
        java.util.Map.Entry<Long, Long> next;
        while ((next = byStart.ceilingEntry(from)) != null && next.getKey() <= to) {
            to = Math.max(to, next.getValue());
            byStart.remove(next.getKey());
        }
        byStart.put(from, to);
    }
}
