package org.traindeeploy.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.target.Target;

/**
 * Where the buffers of a step go when L2 cannot hold them all: L2 or L3, chosen by cost.
 *
 * <p>{@link MemoryPlanner} calls this when the dynamic arena alone exceeds the L2 budget and the
 * target has an L3. Every buffer that may leave L2 is a candidate: activations kept for the backward
 * pass, gradients, optimizer state and weights (not the step's inputs, the logits, the loss or values
 * the caller keeps to the end of the step, which the C API reads with plain loads). Moving one to L3
 * adds the bytes its writers and readers move to the L3↔L1 link's cost (its bandwidth and setup, from
 * the target file) in place of the L2↔L1 link's; it frees its size in L2 at every step it is alive.
 * The planner moves, one at a time, the candidate with the fewest added cycles per byte freed at the
 * steps still over the budget (a static buffer frees its bytes at every step), until the lower bound
 * of L2 fits; then it places the L2 buffers by lifetime ({@link MemoryPlanner#placeByLifetime}) and,
 * if the placement is above the bound, lowers the target by the overshoot and goes on. L3 holds the
 * moved static buffers first, then the moved dynamic ones, which share bytes by lifetime as in L2.
 *
 * <p>Recomputation is the other lever: an activation read early (in the forward) and again much later
 * (in the backward), produced by a pure node, can be computed again just before the later reader
 * from a segment's input that is alive there anyway (the segment: the node and, back from it, up to
 * {@link #MAX_SEGMENT} producers of inputs that are not). That frees its bytes over the gap between
 * the two readers for the segment's estimated cycles (the tiler's price of each node on the target,
 * with its calibrated cost model). Each such activation is offered to the greedy choice twice, as a move
 * to L3 and as a recomputation, and the cheaper per byte freed at the steps over the budget wins. When
 * the choice recomputes some, their copies ({@code <node>/recompute}, via
 * {@link org.traindeeploy.passes.Recomputation#copyFor}) are put just before the later reader and the
 * choice runs again on the changed step (at most {@link #MAX_ROUNDS} times).
 */
public final class LevelChoice {
    private LevelChoice() {}

    /**
     * What the choice did, for the report: buffers and bytes moved to L3 (static: weights and state;
     * dynamic: activations and gradients, as the peak of their L3 arena), the estimated bytes they add
     * to the L3↔L1 link per step and the cycles that adds, and the largest moved buffers with why.
     */
    public record Summary(int buffersInL3, long staticL3Bytes, long dynamicL3Bytes, long dynamicL3Sum, long addedL3Traffic, long addedCycles,
                          List<String> largest, int recomputed, long recomputeCycles, List<String> recomputedWhy) {
        public static final Summary NONE = new Summary(0, 0, 0, 0, 0, 0, List.of(), 0, 0, List.of());
    }

    /** Rounds of recomputation the choice may make (each one changes the step and plans it again). */
    static final int MAX_ROUNDS = 4;

    /** Nodes at most in one recomputed segment. */
    static final int MAX_SEGMENT = 4;

    /**
     * Recomputing {@code node} for its readers {@code late} (a copy placed before {@code before}) frees
     * its buffer over steps [lo, hi] for {@code cycles} estimated cycles.
     */
    record Redo(Node node, List<Node> segment, List<Node> late, Node before, int lo, int hi, double cycles, long macs) {}

    /** What the earlier rounds recomputed: count, estimated cycles, the reasons. */
    private record Done(int count, double cycles, List<String> why) {}

    /** Plan {@code live} on {@code target} with L2 / L3 chosen by cost (see the class comment). */
    static MemoryPlan plan(Graph g, Liveness live, Target target, Set<Value> keep) {
        return plan(g, live, target, keep, 0, new Done(0, 0, List.of()));
    }

    private static MemoryPlan plan(Graph g, Liveness live, Target target, Set<Value> keep, int round, Done done) {
        String main = "L2";
        Target.MemoryLevel l2 = target.level(main);
        Target.MemoryLevel l3 = target.level("L3");
        int align = l2.alignment();
        long budget = l2.planBytes();
        String of = l2.reservedBytes() > 0 ? " (" + l2.sizeBytes() + " bytes less " + l2.reservedBytes() + " reserved for code, read-only data and stacks)" : "";
        int steps = live.steps();
        Map<Buffer, long[]> access = accesses(g, live);
        Set<Buffer> pinned = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Buffer b : live.buffers()) {
            for (Value v : b.values()) {
                // The C API reads these with plain loads (network_train_step, network_infer); kept gradients are copied out of L3 by network_grad.
                if (v.kind() == Value.Kind.INPUT || g.outputs().contains(v)) pinned.add(b);
            }
        }
        Target.DmaLink near = target.link("L2", "L1");
        Target.DmaLink far = target.link("L3", "L2");
        double nearBw = near == null ? 8 : near.bytesPerCycle();
        double farBw = far == null ? 1 : far.bytesPerCycle();
        long nearSetup = near == null ? 0 : near.setupCycles();
        long farSetup = far == null ? 0 : far.setupCycles();
        List<Buffer> all = new ArrayList<>();
        for (Buffer b : live.buffers()) if (b.size() > 0) all.add(b);
        Map<Buffer, Double> cost = new IdentityHashMap<>();
        for (Buffer b : all) {
            long[] a = access.getOrDefault(b, new long[2]);
            long traffic = a[0] * b.size();
            cost.put(b, traffic / farBw - traffic / nearBw + a[1] * (double) (farSetup - nearSetup));
        }
        // Bytes of L2 alive at each step: the dynamic buffers over their lifetimes, the static ones throughout.
        long[] profile = new long[steps + 1];
        for (Buffer b : all) add(profile, b, MemoryPlanner.roundUp(b.size(), align), steps);
        Set<Buffer> moved = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Buffer, Redo> redo = round < MAX_ROUNDS ? recomputeOptions(g, live, target, pinned, keep) : Map.of();
        Map<Buffer, Redo> redone = new java.util.LinkedHashMap<>();
        long target2 = budget;
        List<Buffer> inL2 = new ArrayList<>();
        List<Buffer> staticL2 = new ArrayList<>();
        long arena;
        long staticBytes;
        while (true) {
            while (max(profile) > target2) {
                long[] over = new long[steps + 2]; // prefix count of the steps over the target
                for (int s = 0; s <= steps; s++) over[s + 1] = over[s] + (profile[s] > target2 ? 1 : 0);
                Buffer best = null;
                Redo bestRedo = null;
                double bestScore = Double.MAX_VALUE;
                for (Buffer b : all) {
                    if (moved.contains(b) || pinned.contains(b) || redone.containsKey(b)) continue;
                    int lo = b.isStatic() ? 0 : b.start();
                    int hi = b.isStatic() ? steps : Math.min(b.end(), steps);
                    long k = over[hi + 1] - over[lo];
                    if (k == 0) continue;
                    double score = Math.max(cost.get(b), 0) / ((double) b.size() * k);
                    if (score < bestScore || score == bestScore && best != null && b.size() > best.size()) {
                        best = b;
                        bestRedo = null;
                        bestScore = score;
                    }
                    Redo r = target2 == budget ? redo.get(b) : null; // recomputation frees the bytes between its two readers only
                    long kr = r == null ? 0 : over[r.hi() + 1] - over[r.lo()];
                    if (kr == 0) continue;
                    double rs = r.cycles() / ((double) b.size() * kr);
                    if (rs < bestScore) {
                        best = b;
                        bestRedo = r;
                        bestScore = rs;
                    }
                }
                if (bestRedo != null) {
                    redone.put(best, bestRedo);
                    for (int s = bestRedo.lo(); s <= bestRedo.hi(); s++) profile[s] -= MemoryPlanner.roundUp(best.size(), align);
                    continue;
                }
                if (best == null) {
                    long need = 0;
                    for (Buffer b : all) if (pinned.contains(b)) need += b.size();
                    throw new CompileException("the training step does not fit " + main + " even with its activations, gradients and weights in L3: the "
                            + "buffers that must stay in " + main + " (inputs, logits, loss: " + need + " bytes) and the rest need "
                            + max(profile) + " bytes at the peak, the target has " + budget + of + " (raise --l2 or lower the batch size)");
                }
                moved.add(best);
                add(profile, best, -MemoryPlanner.roundUp(best.size(), align), steps);
            }
            if (!redone.isEmpty()) {
                // Recompute the chosen activations, then choose again on the changed step.
                List<String> why = new ArrayList<>(done.why());
                double cyc = done.cycles();
                for (Map.Entry<Buffer, Redo> e : redone.entrySet()) {
                    Buffer b = e.getKey();
                    Redo r = e.getValue();
                    cyc += r.cycles();
                    why.add(String.format(java.util.Locale.ROOT, "%s (activation, %d B, free over %d of %d steps: recomputed, %d MACs, +%d cycles; through L3 +%d cycles)",
                            b.values().get(0).name(), b.size(), r.hi() - r.lo() + 1, steps + 1, r.macs(), Math.round(r.cycles()), Math.round(Math.max(0, cost.get(b)))));
                }
                apply(g, redone.values());
                Liveness again = Liveness.of(g, keep);
                return plan(g, again, target, keep, round + 1, new Done(done.count() + redone.size(), cyc, why));
            }
            inL2.clear();
            staticL2.clear();
            for (Buffer b : all) if (!moved.contains(b)) (b.isStatic() ? staticL2 : inL2).add(b);
            arena = MemoryPlanner.placeByLifetime(inL2, main, 0, align);
            staticBytes = 0;
            for (Buffer b : staticL2) staticBytes += MemoryPlanner.roundUp(b.size(), align) + MemoryPlanner.elementAlign(b);
            long overshoot = MemoryPlanner.roundUp(arena, align) + staticBytes - budget;
            if (overshoot <= 0) break;
            target2 -= Math.max(overshoot, align);
            if (target2 <= 0) {
                throw new CompileException("the training step does not fit " + main + ": even with buffers in L3 its placement needs " + (arena + staticBytes)
                        + " bytes, the target has " + budget + of + " (raise --l2 or lower the batch size)");
            }
        }
        long lowerBound = MemoryPlanner.lowerBound(inL2, steps, align);
        long off = MemoryPlanner.roundUp(arena, align);
        staticL2.sort(Comparator.comparingLong(Buffer::size).reversed().thenComparingInt(Buffer::id));
        for (Buffer b : staticL2) {
            off = MemoryPlanner.roundUp(off, Math.max(align, MemoryPlanner.elementAlign(b)));
            b.place(main, off);
            off += MemoryPlanner.roundUp(b.size(), align);
        }
        if (off > budget) throw new CompileException("the step needs " + off + " bytes of " + main + " (arena, weights and state), the target has " + budget + of);
        // L3: the moved static buffers, then the moved dynamic ones sharing bytes by lifetime.
        int a3 = l3.alignment();
        long l3Static = 0;
        List<Buffer> dyn3 = new ArrayList<>();
        List<Buffer> stat3 = new ArrayList<>();
        for (Buffer b : all) if (moved.contains(b)) (b.isStatic() ? stat3 : dyn3).add(b);
        stat3.sort(Comparator.comparingLong(Buffer::size).reversed().thenComparingInt(Buffer::id));
        for (Buffer b : stat3) {
            l3Static = MemoryPlanner.roundUp(l3Static, Math.max(a3, MemoryPlanner.elementAlign(b)));
            b.place("L3", l3Static);
            l3Static += MemoryPlanner.roundUp(b.size(), a3);
        }
        long base = MemoryPlanner.roundUp(l3Static, 16);
        long dynPeak = dyn3.isEmpty() ? 0 : MemoryPlanner.placeByLifetime(dyn3, "L3", base, a3);
        long l3Used = base + dynPeak;
        if (l3Used > l3.sizeBytes()) {
            throw new CompileException("the training step needs " + l3Used + " bytes of L3 (" + l3Static + " of weights and state, " + dynPeak
                    + " of activations and gradients) beyond the " + budget + " bytes of " + main + ", but the target's L3 has " + l3.sizeBytes());
        }
        long dynSum = 0;
        long traffic = 0;
        double cycles = 0;
        List<Buffer> byCost = new ArrayList<>(dyn3);
        byCost.addAll(stat3);
        for (Buffer b : byCost) {
            if (!b.isStatic()) dynSum += b.size();
            traffic += access.getOrDefault(b, new long[2])[0] * b.size();
            cycles += Math.max(0, cost.get(b));
        }
        byCost.sort(Comparator.comparingLong(Buffer::size).reversed().thenComparingInt(Buffer::id));
        List<String> largest = new ArrayList<>();
        for (Buffer b : byCost.subList(0, Math.min(8, byCost.size()))) {
            long[] a = access.getOrDefault(b, new long[2]);
            largest.add(String.format(java.util.Locale.ROOT, "%s (%s, %d B, alive over %d of %d steps, %d accesses: +%d cycles)", b.values().get(0).name(),
                    b.isStatic() ? "weights/state" : "activation/gradient", b.size(), b.isStatic() ? steps + 1 : b.end() - b.start() + 1, steps + 1, a[1],
                    Math.round(Math.max(0, cost.get(b)))));
        }
        long allStatic = staticBytes + l3Static;
        return new MemoryPlan(live, main, arena, lowerBound, off, l3Used, allStatic,
                new Summary(moved.size(), l3Static, dynPeak, dynSum, traffic, Math.round(cycles), List.copyOf(largest), done.count(), Math.round(done.cycles()),
                        List.copyOf(done.why())));
    }

    /**
     * The activations that may be recomputed instead of kept (see the class comment): per buffer, the
     * largest gap between consecutive readers of a pure node's output after at least one early reader,
     * and the segment that computes it again from values still read at or after the later reader
     * (constants, graph outputs and kept values count as alive).
     */
    static Map<Buffer, Redo> recomputeOptions(Graph g, Liveness live, Target target, Set<Buffer> pinned, Set<Value> keep) {
        List<Node> nodes = g.nodes();
        Map<Node, Integer> pos = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) pos.put(nodes.get(i), i);
        Map<Value, Integer> lastUse = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) for (Value v : nodes.get(i).inputs()) if (v != null) lastUse.put(v, i);
        long l1 = target.hasLevel("L1") ? target.level("L1").sizeBytes() : 0;
        Map<Value, List<Node>> users = g.users();
        Map<Buffer, Redo> out = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (!org.traindeeploy.passes.Recomputation.recomputable(n)) continue;
            Value v = n.output(0);
            Buffer b = live.bufferOf(v);
            if (b == null || b.isStatic() || pinned.contains(b) || b.values().size() != 1 || g.isUsedOutsideNodes(v)) continue;
            List<Node> rs = new ArrayList<>(users.getOrDefault(v, List.of()));
            rs.sort(Comparator.comparingInt(pos::get));
            int prev = i;
            int gapLo = -1;
            int gapHi = -1;
            for (Node u : rs) {
                int at = pos.get(u);
                if (prev > i && at - prev > gapHi - gapLo) {
                    gapLo = prev;
                    gapHi = at;
                }
                prev = at;
            }
            if (gapHi - gapLo < 2) continue; // no step in between
            // The segment: n and, back from it, the producers of inputs not alive at the later reader.
            List<Node> segment = new ArrayList<>();
            java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(List.of(n));
            boolean kept = true;
            while (!todo.isEmpty() && kept) {
                Node s = todo.pop();
                if (segment.contains(s)) continue;
                segment.add(s);
                for (Value u : s.inputs()) {
                    if (u == null || u.kind() == Value.Kind.CONSTANT || g.isUsedOutsideNodes(u) || keep.contains(u) || lastUse.getOrDefault(u, -1) >= gapHi) continue;
                    Node p = u.producer();
                    boolean canCopy = p != null && pos.containsKey(p) && p.outputs().size() == 1
                            && (org.traindeeploy.passes.Recomputation.recomputable(p) || p.op() instanceof org.traindeeploy.ops.Reshape);
                    if (!canCopy || segment.size() + todo.size() >= MAX_SEGMENT) kept = false;
                    else todo.push(p);
                }
            }
            if (!kept) continue;
            segment.sort(Comparator.comparingInt(pos::get));
            List<Node> late = new ArrayList<>();
            for (Node u : rs) if (pos.get(u) >= gapHi) late.add(u);
            long macs = 0;
            double cycles = 0;
            for (Node s : segment) {
                List<org.traindeeploy.ir.TensorType> in = new ArrayList<>();
                for (Value u : s.inputs()) in.add(u == null ? null : u.type());
                List<org.traindeeploy.ir.TensorType> ot = List.of(s.output(0).type());
                macs += s.op().macs(in, ot);
                if (l1 > 0 && org.traindeeploy.tiling.Tiler.isView(s, live::bufferOf)) continue; // a Reshape of a computed value: no code
                cycles += l1 > 0 ? org.traindeeploy.tiling.Tiler.tile(s, l1, target, live::bufferOf).cycles()
                        : (2.0 * s.op().macs(in, ot) + s.op().flops(in, ot)) / target.flopsPerCycle();
            }
            out.put(b, new Redo(n, List.copyOf(segment), late, nodes.get(gapHi), gapLo + 1, gapHi - 1, Math.max(1, cycles), macs));
        }
        return out;
    }

    /** Copies of the chosen nodes, each just before the first reader it serves. */
    private static void apply(Graph g, java.util.Collection<Redo> rs) {
        List<Node> order = new ArrayList<>(g.nodes());
        Map<Node, List<Node>> before = new IdentityHashMap<>();
        for (Redo r : rs) {
            List<Node> cs = org.traindeeploy.passes.Recomputation.copyFor(g, r.segment(), r.late());
            if (!cs.isEmpty()) before.computeIfAbsent(r.before(), k -> new ArrayList<>()).addAll(cs);
        }
        List<Node> out = new ArrayList<>();
        for (Node n : order) {
            out.addAll(before.getOrDefault(n, List.of()));
            out.add(n);
        }
        g.reorder(out);
    }

    /** Per buffer: {bytes-multiples moved (one per write and per read), accesses}: each writer and reader node touches it once. */
    private static Map<Buffer, long[]> accesses(Graph g, Liveness live) {
        Map<Buffer, long[]> m = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            java.util.Set<Buffer> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (Value v : n.inputs()) {
                Buffer b = v == null ? null : live.bufferOf(v);
                if (b != null && seen.add(b)) inc(m, b);
            }
            for (Value v : n.outputs()) {
                Buffer b = live.bufferOf(v);
                if (b != null && seen.add(b)) inc(m, b);
            }
        }
        // A state written by a copy at the end of the step: one more read of its next value and one write.
        g.stateUpdates().forEach((s, next) -> {
            Buffer d = live.bufferOf(s);
            Buffer src = live.bufferOf(next);
            if (d != null && src != null && d != src) {
                inc(m, d);
                inc(m, src);
            }
        });
        return m;
    }

    private static void inc(Map<Buffer, long[]> m, Buffer b) {
        long[] a = m.computeIfAbsent(b, k -> new long[2]);
        a[0]++;
        a[1]++;
    }

    private static void add(long[] profile, Buffer b, long bytes, int steps) {
        int lo = b.isStatic() ? 0 : b.start();
        int hi = b.isStatic() ? steps : Math.min(b.end(), steps);
        for (int s = lo; s <= hi; s++) profile[s] += bytes;
    }

    private static long max(long[] a) {
        long m = 0;
        for (long x : a) m = Math.max(m, x);
        return m;
    }
}
