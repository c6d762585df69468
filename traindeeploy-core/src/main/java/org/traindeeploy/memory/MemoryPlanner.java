package org.traindeeploy.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.target.Target;

/**
 * Static placement of every buffer of the scheduled step: dynamic buffers (activations,
 * gradients, inputs) share one arena per level by lifetime; static ones (weights, optimizer state)
 * sit in their own region. Offsets are chosen greedily by size (largest first, each at the lowest
 * aligned offset free over its whole lifetime), which lands close to the lower bound: the largest
 * sum of sizes of buffers alive at the same step.
 *
 * <p>Level policy: everything starts in L2 (the level above L1; on a one-level target, that
 * level); weights and optimizer state move to L3, largest first, while L2 cannot hold them next to
 * the dynamic arena. L1 holds only the tiles of the running kernel (see the tiler).
 */
public final class MemoryPlanner {
    private MemoryPlanner() {}

    public static MemoryPlan plan(Graph g, Target target) { return plan(g, target, java.util.Set.of()); }

    /** The plan where the values in {@code keep} live to the end of the step (see {@link Liveness#of(Graph, java.util.Set)}). */
    public static MemoryPlan plan(Graph g, Target target, java.util.Set<org.traindeeploy.ir.Value> keep) {
        Liveness live = Liveness.of(g, keep);
        String main = target.hasLevel("L2") ? "L2" : target.levels().get(target.levels().size() - 1).name();
        Target.MemoryLevel mainLevel = target.level(main);
        int align = mainLevel.alignment();
        List<Buffer> dynamic = new ArrayList<>();
        List<Buffer> statics = new ArrayList<>();
        for (Buffer b : live.buffers()) {
            if (b.size() == 0) continue;
            (b.isStatic() ? statics : dynamic).add(b);
        }
        long arena = placeByLifetime(dynamic, main, 0, align);
        // The level less what the device image's code, read-only data and stacks need (reservedBytes in the target file).
        long budget = mainLevel.planBytes();
        String of = mainLevel.reservedBytes() > 0 ? " (" + mainLevel.sizeBytes() + " bytes less " + mainLevel.reservedBytes() + " reserved for code, read-only data and stacks)"
                : "";
        long lowerBound = lowerBound(dynamic, live.steps(), align);
        if (arena > budget && target.hasLevel("L3") && "L2".equals(main)) {
            // Not even the activations and gradients fit: choose by cost which buffers live in L3 (LevelChoice).
            return LevelChoice.plan(g, live, target, keep);
        }
        if (arena > budget) {
            throw new CompileException("the training step needs " + arena + " bytes of " + main + " for activations and gradients, but the target has "
                    + budget + of + " (raise --l2 or lower the batch size)");
        }
        // Static buffers after the arena; overflow to L3 when present.
        statics.sort(Comparator.comparingLong(Buffer::size).reversed().thenComparingInt(Buffer::id));
        long staticBytes = 0;
        for (Buffer b : statics) staticBytes += roundUp(b.size(), align);
        Target.MemoryLevel l3 = target.level("L3");
        List<Buffer> inMain = new ArrayList<>(statics);
        List<Buffer> inL3 = new ArrayList<>();
        while (arena + staticBytes > budget && !inMain.isEmpty() && l3 != null) {
            Buffer b = inMain.remove(0);
            inL3.add(b);
            staticBytes -= roundUp(b.size(), align);
        }
        if (arena + staticBytes > budget) {
            throw new CompileException("weights and optimizer state (" + staticBytes + " bytes) do not fit next to the " + arena + "-byte arena in "
                    + main + " (" + budget + " bytes" + of + "), and the target has no L3");
        }
        long off = roundUp(arena, align);
        for (Buffer b : inMain) {
            off = roundUp(off, Math.max(align, elementAlign(b)));
            b.place(main, off);
            off += roundUp(b.size(), align);
        }
        if (off > budget) {
            throw new CompileException("the step needs " + off + " bytes of " + main + " (arena, weights and state), the target has " + budget + of);
        }
        long l3Used = 0;
        if (!inL3.isEmpty()) {
            for (Buffer b : inL3) {
                l3Used = roundUp(l3Used, Math.max(l3.alignment(), elementAlign(b)));
                b.place("L3", l3Used);
                l3Used += roundUp(b.size(), l3.alignment());
            }
            if (l3Used > l3.sizeBytes()) throw new CompileException("weights need " + l3Used + " bytes of L3, the target has " + l3.sizeBytes());
        }
        return new MemoryPlan(live, main, arena, lowerBound, off, l3Used, staticBytes + l3Used);
    }

    /** The lower bound of the dynamic arena for the graph in its current order (alignment 4). */
    public static long dynamicLowerBound(Graph g) { return Liveness.dynamicLowerBound(g, 4); }

    /**
     * Greedy-by-size placement of buffers with lifetimes; returns the arena size. Each buffer, largest
     * first, goes to the lowest aligned offset whose range no placed buffer alive at the same time
     * occupies. The search asks a {@link LifetimeIndex} (time × offset) instead of walking every
     * placed buffer: O(n log n · log T) for n buffers over T steps on the graphs we see, where a scan
     * is quadratic once many long-lived buffers overlap (a long chain's activations kept for its
     * backward pass).
     */
    static long placeByLifetime(List<Buffer> bufs, String level, long base, int align) {
        List<Buffer> order = new ArrayList<>(bufs);
        order.sort(Comparator.comparingLong(Buffer::size).reversed().thenComparingInt(Buffer::start).thenComparingInt(Buffer::id));
        int lastStep = 0;
        for (Buffer b : order) lastStep = Math.max(lastStep, b.end());
        LifetimeIndex index = new LifetimeIndex(lastStep);
        long peak = 0;
        for (Buffer b : order) {
            int a = Math.max(align, elementAlign(b));
            long at = index.lowestFree(b.start(), b.end(), b.size(), base, a);
            long top = at + roundUp(b.size(), align);
            b.place(level, at);
            index.add(b.start(), b.end(), at, top);
            peak = Math.max(peak, top - base);
        }
        return peak;
    }

    /** The largest total size of buffers alive at one step: no placement can do better. */
    static long lowerBound(List<Buffer> bufs, int steps, int align) {
        long[] delta = new long[steps + 2];
        for (Buffer b : bufs) {
            delta[b.start()] += roundUp(b.size(), align);
            delta[b.end() + 1] -= roundUp(b.size(), align);
        }
        return peakOfDeltas(delta);
    }

    /** The largest prefix sum of per-step size changes: the most bytes alive at one step. */
    static long peakOfDeltas(long[] delta) {
        long cur = 0;
        long best = 0;
        for (long d : delta) {
            cur += d;
            best = Math.max(best, cur);
        }
        return best;
    }

    /** A buffer is aligned at least to its widest element (int64 labels on a 4-byte-aligned level). */
    static int elementAlign(Buffer b) {
        int a = 1;
        for (org.traindeeploy.ir.Value v : b.values()) a = Math.max(a, v.type().dtype().bytes());
        return a;
    }

    public static long roundUp(long v, int align) { return (v + align - 1) / align * align; }
}
