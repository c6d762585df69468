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
     * its buffer over steps [lo, hi] for {@code cycles} estimated cycles; {@code reads}: per buffer the
     * segment reads from outside itself, {bytes, transfers} its tilings load (again, when that buffer is in L3).
     */
    record Redo(Node node, List<Node> segment, List<Node> late, Node before, int lo, int hi, double cycles, long macs, Map<Buffer, long[]> reads) {}

    /** What the earlier rounds recomputed: count, estimated cycles, the reasons. */
    private record Done(int count, double cycles, List<String> why) {}

    /** Plan {@code live} on {@code target} with L2 / L3 chosen by cost (see the class comment). */
    static MemoryPlan plan(Graph g, Liveness live, Target target, Set<Value> keep) {
        return plan(g, live, target, keep, 0, new Done(0, 0, List.of()), new ArrayList<>());
    }

    /** {@code applied}: what undoes each recomputation round kept so far, in the order applied. */
    private static MemoryPlan plan(Graph g, Liveness live, Target target, Set<Value> keep, int round, Done done, List<Runnable> applied) {
        String main = "L2";
        Target.MemoryLevel l2 = target.level(main);
        Target.MemoryLevel l3 = target.level("L3");
        int align = l2.alignment();
        long budget = l2.planBytes();
        String of = l2.reservedBytes() > 0 ? " (" + l2.sizeBytes() + " bytes less " + l2.reservedBytes() + " reserved for code, read-only data and stacks)" : "";
        int steps = live.steps();
        Map<Buffer, long[]> access = accesses(g, live, target);
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
            double traffic = a[0];
            cost.put(b, traffic / farBw - traffic / nearBw + a[1] * (double) (farSetup - nearSetup));
        }
        // What moving {bytes, transfers} of one buffer's DMA from the L2 link to the L3 one adds.
        java.util.function.ToDoubleFunction<long[]> far3 = a -> a[0] / farBw - a[0] / nearBw + a[1] * (double) (farSetup - nearSetup);
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
                    // A recomputation already chosen that reads b reads it through L3 too.
                    double score = Math.max(cost.get(b) + readsOf(b, redone.values(), far3), 0) / ((double) b.size() * k);
                    if (score < bestScore || score == bestScore && best != null && b.size() > best.size()) {
                        best = b;
                        bestRedo = null;
                        bestScore = score;
                    }
                    Redo r = target2 == budget ? redo.get(b) : null; // recomputation frees the bytes between its two readers only
                    long kr = r == null ? 0 : over[r.hi() + 1] - over[r.lo()];
                    if (kr == 0) continue;
                    double rs = (r.cycles() + readsIn(r, moved, far3)) / ((double) b.size() * kr);
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
            prune(profile, target2, moved, redone, cost, far3, align, steps);
            if (!redone.isEmpty()) {
                // Recompute the chosen activations, then choose again on the changed step; but only if
                // that step costs less than choosing here without recomputing: the copies' outputs (and
                // their segments' intermediates) are alive at the later readers, often the backward's peak,
                // so the next choice may have to move as much to L3 as before, and the recomputation then
                // only adds its cycles.
                MemoryPlan without = plan(g, live, target, keep, MAX_ROUNDS, done, applied);
                List<String> why = new ArrayList<>(done.why());
                double cyc = done.cycles();
                for (Map.Entry<Buffer, Redo> e : redone.entrySet()) {
                    Buffer b = e.getKey();
                    Redo r = e.getValue();
                    cyc += r.cycles();
                    why.add(String.format(java.util.Locale.ROOT, "%s (activation, %d B, free over %d of %d steps: recomputed, %d MACs, +%d cycles; through L3 +%d cycles)",
                            b.values().get(0).name(), b.size(), r.hi() - r.lo() + 1, steps + 1, r.macs(), Math.round(r.cycles()), Math.round(Math.max(0, cost.get(b)))));
                }
                int mark = applied.size();
                applied.add(apply(g, redone.values()));
                Liveness again = Liveness.of(g, keep);
                MemoryPlan with = plan(g, again, target, keep, round + 1, new Done(done.count() + redone.size(), cyc, why), applied);
                if (added(with) < added(without)) return with;
                // Undo this round and the later rounds it kept, latest first.
                while (applied.size() > mark) applied.remove(applied.size() - 1).run();
                return plan(g, live, target, keep, MAX_ROUNDS, done, applied); // places the buffers of live again

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
            traffic += access.getOrDefault(b, new long[2])[0];
            cycles += Math.max(0, cost.get(b));
        }
        byCost.sort(Comparator.comparingLong(Buffer::size).reversed().thenComparingInt(Buffer::id));
        List<String> largest = new ArrayList<>();
        for (Buffer b : byCost.subList(0, Math.min(8, byCost.size()))) {
            long[] a = access.getOrDefault(b, new long[2]);
            largest.add(String.format(java.util.Locale.ROOT, "%s (%s, %d B, alive over %d of %d steps, %d B in %d transfers: +%d cycles)", b.values().get(0).name(),
                    b.isStatic() ? "weights/state" : "activation/gradient", b.size(), b.isStatic() ? steps + 1 : b.end() - b.start() + 1, steps + 1, a[0], a[1],
                    Math.round(Math.max(0, cost.get(b)))));
        }
        long allStatic = staticBytes + l3Static;
        return new MemoryPlan(live, main, arena, lowerBound, off, l3Used, allStatic,
                new Summary(moved.size(), l3Static, dynPeak, dynSum, traffic, Math.round(cycles), List.copyOf(largest), done.count(), Math.round(done.cycles()),
                        List.copyOf(done.why())));
    }

    /**
     * Undoes the picks that later picks made unnecessary, the dearest first: a pick frees bytes at the
     * steps over the target when it is taken, but the picks after it (a weight moved to L3 frees its
     * bytes at every step) may free those steps again, and a pick whose bytes fit back under the target
     * only adds cycles. Without this, the greedy keeps a recomputation (or a move) whose steps a later
     * move covers, and a choice made for a slower L3 could cost more there than the choice made for a
     * faster one (RecomputeChoiceTest).
     */
    private static void prune(long[] profile, long target2, Set<Buffer> moved, Map<Buffer, Redo> redone, Map<Buffer, Double> cost,
                              java.util.function.ToDoubleFunction<long[]> far3, int align, int steps) {
        record Pick(Buffer b, Redo r, double cycles) {}
        List<Pick> picks = new ArrayList<>();
        for (Buffer b : moved) picks.add(new Pick(b, null, Math.max(0, cost.get(b) + readsOf(b, redone.values(), far3))));
        for (Map.Entry<Buffer, Redo> e : redone.entrySet()) picks.add(new Pick(e.getKey(), e.getValue(), e.getValue().cycles() + readsIn(e.getValue(), moved, far3)));
        picks.sort(Comparator.comparingDouble(Pick::cycles).reversed().thenComparingInt(p -> p.b().id()));
        for (Pick p : picks) {
            long bytes = MemoryPlanner.roundUp(p.b().size(), align);
            int lo = p.r() != null ? p.r().lo() : p.b().isStatic() ? 0 : p.b().start();
            int hi = p.r() != null ? p.r().hi() : p.b().isStatic() ? steps : Math.min(p.b().end(), steps);
            boolean fits = true;
            for (int s = lo; s <= hi && fits; s++) fits = profile[s] + bytes <= target2;
            if (!fits) continue;
            for (int s = lo; s <= hi; s++) profile[s] += bytes;
            if (p.r() != null) redone.remove(p.b());
            else moved.remove(p.b());
        }
    }

    /** What the recomputations {@code rs} add by reading {@code b} through L3 instead of L2. */
    private static double readsOf(Buffer b, java.util.Collection<Redo> rs, java.util.function.ToDoubleFunction<long[]> far3) {
        double c = 0;
        for (Redo r : rs) {
            long[] a = r.reads().get(b);
            if (a != null) c += far3.applyAsDouble(a);
        }
        return c;
    }

    /** What recomputation {@code r} adds by reading the buffers of {@code moved} through L3 instead of L2. */
    private static double readsIn(Redo r, Set<Buffer> moved, java.util.function.ToDoubleFunction<long[]> far3) {
        double c = 0;
        for (Map.Entry<Buffer, long[]> e : r.reads().entrySet()) if (moved.contains(e.getKey())) c += far3.applyAsDouble(e.getValue());
        return c;
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
            Map<Buffer, long[]> reads = new IdentityHashMap<>();
            for (Node s : segment) {
                List<org.traindeeploy.ir.TensorType> in = new ArrayList<>();
                for (Value u : s.inputs()) in.add(u == null ? null : u.type());
                List<org.traindeeploy.ir.TensorType> ot = List.of(s.output(0).type());
                macs += s.op().macs(in, ot);
                if (l1 > 0 && org.traindeeploy.tiling.Tiler.isView(s, live::bufferOf)) continue; // a Reshape of a computed value: no code
                if (l1 == 0) {
                    cycles += (2.0 * s.op().macs(in, ot) + s.op().flops(in, ot)) / target.flopsPerCycle();
                    continue;
                }
                org.traindeeploy.tiling.Tiler.Tiling t = org.traindeeploy.tiling.Tiler.tile(s, l1, target, live::bufferOf);
                cycles += t.cycles();
                for (int k = 0; k < t.moved().length; k++) {
                    org.traindeeploy.ir.TileContract.Operand o = t.contract().operands().get(k);
                    if (t.moved()[k] == 0 || o.role() != org.traindeeploy.ir.TileContract.Role.IN) continue;
                    Value u = s.input(o.index());
                    // Through the segment's views (a copied Reshape of an outside value reads that value's buffer).
                    while (u != null && segment.contains(u.producer()) && org.traindeeploy.tiling.Tiler.isView(u.producer(), live::bufferOf)) u = u.producer().input(0);
                    if (u == null || segment.contains(u.producer())) continue; // computed by the copy itself
                    Buffer rb = live.bufferOf(u);
                    if (rb == null) continue;
                    long[] a = reads.computeIfAbsent(rb, x -> new long[2]);
                    a[0] += t.moved()[k];
                    a[1] += t.tiles() / t.period(k);
                }
            }
            out.put(b, new Redo(n, List.copyOf(segment), late, nodes.get(gapHi), gapLo + 1, gapHi - 1, Math.max(1, cycles), macs, reads));
        }
        return out;
    }

    /** The cycles a plan's choice adds to the step: its moves to L3 and its recomputation. */
    private static long added(MemoryPlan p) { return p.levels().addedCycles() + p.levels().recomputeCycles(); }

    /**
     * Copies of the chosen nodes, each just before the first reader it serves; returns what undoes
     * them (the readers read the original values again, the copies removed, the order as it was).
     */
    private static Runnable apply(Graph g, java.util.Collection<Redo> rs) {
        List<Node> order = new ArrayList<>(g.nodes());
        Map<Node, List<Node>> before = new IdentityHashMap<>();
        List<Runnable> undo = new ArrayList<>();
        for (Redo r : rs) {
            Value original = r.segment().get(r.segment().size() - 1).output(0);
            List<Node> cs = org.traindeeploy.passes.Recomputation.copyFor(g, r.segment(), r.late());
            if (cs.isEmpty()) continue;
            before.computeIfAbsent(r.before(), k -> new ArrayList<>()).addAll(cs);
            Value copy = cs.get(cs.size() - 1).output(0);
            undo.add(() -> {
                for (Node u : r.late()) g.replaceUses(u, copy, original);
                for (int i = cs.size() - 1; i >= 0; i--) g.removeNode(cs.get(i));
            });
        }
        List<Node> out = new ArrayList<>();
        for (Node n : order) {
            out.addAll(before.getOrDefault(n, List.of()));
            out.add(n);
        }
        g.reorder(out);
        return () -> {
            for (int i = undo.size() - 1; i >= 0; i--) undo.get(i).run();
            g.reorder(order);
        };
    }

    /**
     * Per buffer: {bytes moved between its level and L1 per step, DMA transfers}. On a target with L1
     * these are what the tilings of its writers and readers move (the tiler's {@code moved} and
     * transfers of each operand in the buffer, as the step report and the generated code count them):
     * an input re-fetched for every tile of a dim it does not use moves once per visit, and a node that
     * reads and writes the buffer in place (an optimizer update) loads it and stores it. Without L1
     * (no tiling) each writer and reader moves the buffer once.
     */
    private static Map<Buffer, long[]> accesses(Graph g, Liveness live, Target target) {
        Map<Buffer, long[]> m = new IdentityHashMap<>();
        long l1 = target.hasLevel("L1") ? target.level("L1").sizeBytes() : 0;
        java.util.function.Function<Value, Object> bufferOf = live::bufferOf;
        for (Node n : g.nodes()) {
            if (l1 > 0) {
                if (org.traindeeploy.tiling.Tiler.isView(n, bufferOf)) continue; // a Reshape sharing its input's buffer: no code
                org.traindeeploy.tiling.Tiler.Tiling t = org.traindeeploy.tiling.Tiler.tile(n, l1, target, bufferOf);
                for (int k = 0; k < t.moved().length; k++) {
                    if (t.moved()[k] == 0) continue;
                    org.traindeeploy.ir.TileContract.Operand o = t.contract().operands().get(k);
                    Value v = o.role() == org.traindeeploy.ir.TileContract.Role.IN ? n.input(o.index()) : n.output(o.index());
                    Buffer b = v == null ? null : live.bufferOf(v);
                    if (b != null) inc(m, b, t.moved()[k], t.tiles() / t.period(k));
                }
                continue;
            }
            java.util.Set<Buffer> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (Value v : n.inputs()) {
                Buffer b = v == null ? null : live.bufferOf(v);
                if (b != null && seen.add(b)) inc(m, b, b.size(), 1);
            }
            for (Value v : n.outputs()) {
                Buffer b = live.bufferOf(v);
                if (b != null && seen.add(b)) inc(m, b, b.size(), 1);
            }
        }
        // A state written by a copy at the end of the step: its next value read once more and the state written once.
        g.stateUpdates().forEach((s, next) -> {
            Buffer d = live.bufferOf(s);
            Buffer src = live.bufferOf(next);
            if (d != null && src != null && d != src) {
                long bytes = s.type().bytes();
                inc(m, d, bytes, 1);
                inc(m, src, bytes, 1);
            }
        });
        return m;
    }

    private static void inc(Map<Buffer, long[]> m, Buffer b, long bytes, long transfers) {
        long[] a = m.computeIfAbsent(b, k -> new long[2]);
        a[0] += bytes;
        a[1] += transfers;
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
