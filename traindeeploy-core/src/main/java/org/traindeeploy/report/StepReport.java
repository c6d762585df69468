package org.traindeeploy.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.memory.Buffer;
import org.traindeeploy.memory.MemoryPlan;
import org.traindeeploy.memory.PlanPass;
import org.traindeeploy.passes.PassManager;
import org.traindeeploy.schedule.SchedulePass;
import org.traindeeploy.target.CostModel;
import org.traindeeploy.target.Target;
import org.traindeeploy.ir.TileContract;
import org.traindeeploy.tiling.Tiler;
import org.traindeeploy.train.TrainingProgram;

/**
 * What one training step costs on a target: trainable elements, work per phase, the memory plan
 * per level against its lower bound, the bytes moved between levels, and an estimated cycle count
 * from the target description (an estimate: the target's clock, throughput and DMA bandwidth are
 * partly assumptions, see docs/targets.md; on a target with a calibrated cost model, docs/cost-model.md).
 * {@code inputElements}: the elements of the step's input (the cost model prices its copy in).
 */
public record StepReport(String target, long trainableElements, int batch,
                         Map<String, Long> macs, Map<String, Long> flops,
                         Memory memory, Map<String, Long> bytesMoved,
                         long estimatedCycles, double estimatedImagesPerSecond, double estimatedFlopsPerCycle,
                         List<Layer> layers, long inputElements, Levels levels) {

    /**
     * Where the step's bytes live and what that costs (docs/memory.md, *Level choice*): {@code strategy}
     * is "L2" (everything in L2), "weights to L3" (the arena fits L2, weights and state moved to L3
     * largest first) or "by cost" ({@link org.traindeeploy.memory.LevelChoice}: activations, gradients,
     * weights and state moved to L3 by added cycles per byte of L2 freed). Bytes in L3: all of them
     * (the planned L3, as td_l3 of the generated C), weights and state, and the peak of the activations
     * and gradients there (their L3 arena; {@code l3DynamicSum} without sharing); the recomputed nodes
     * and their MACs (the {@code recompute} training pass); the bytes the step moves between L3 and L1
     * (as counted by the host simulation) and the choice's estimate of the cycles its moves add; the
     * estimated cycles of the activations the choice recomputes instead of moving them to L3 ({@code
     * recomputeCycles}); the largest buffers moved, and the recomputed ones, with their reason.
     */
    public record Levels(String strategy, long l3Bytes, long l3StaticBytes, long l3DynamicBytes, long l3DynamicSum, int buffersInL3,
                         int recomputedNodes, long recomputedMacs, long l3Traffic, long addedCycles, long recomputeCycles, List<String> moved) {}

    /** Memory per level: dynamic arena peak and its lower bound (L2), static bytes in L2 and L3, the largest L1 tile set. */
    public record Memory(long dynamicPeak, long dynamicLowerBound, long staticL2, long staticL3, long l1Peak, long l1Budget) {}

    /**
     * Per-node cost, for per-layer charts: {@code cycles} as the tiler priced the node's tiling (compute
     * overlapped with its DMA); with a target cost model also the critical-path {@code instructions}
     * it predicts (0 without one) and, on a target with L1, the {@code features} of the tiling it prices (docs/cost-model.md).
     */
    public record Layer(String node, String op, String phase, long macs, long bytesL2L1, long cycles, long tiles, long l1Bytes,
                        long instructions, CostModel.Features features) {}

    /** Schedule the program for memory, plan it, tile every node, and add up the costs. */
    public static StepReport of(TrainingProgram p, Target target) { return of(p, target, plan(p, target)); }

    /**
     * Order the program's nodes for memory and place its buffers: the back half's schedule and plan
     * passes alone, for a report without code (sweep). A caller that also generates code reports on the
     * lowered program's plan instead ({@link #of(TrainingProgram, Target, MemoryPlan)}), planned once.
     */
    public static MemoryPlan plan(TrainingProgram p, Target target) {
        // As the code generator keeps them (compile without --keep-gradients): the logits and the loss live to the end of the step.
        java.util.Set<Value> keep = new java.util.HashSet<>();
        keep.add(p.logits());
        if (p.loss() != null) keep.add(p.loss());
        return new PassManager().add(new SchedulePass()).add(new PlanPass(target, keep)).run(p.graph()).get(PlanPass.PLAN);
    }

    /** The report of a program already scheduled and planned. */
    public static StepReport of(TrainingProgram p, Target target, MemoryPlan plan) {
        Graph g = p.graph();
        Map<String, Long> macs = new LinkedHashMap<>();
        Map<String, Long> flops = new LinkedHashMap<>();
        for (TrainingProgram.Phase ph : TrainingProgram.Phase.values()) {
            macs.put(key(ph), 0L);
            flops.put(key(ph), 0L);
        }
        long l1Budget = target.hasLevel("L1") ? target.level("L1").sizeBytes() : 0;
        long l1Peak = 0;
        long l2l1 = 0;
        long l3l1 = 0;
        long cycles = 0;
        long totalFlops = 0;
        java.util.function.Function<Value, Object> bufferOf = v -> plan.liveness().bufferOf(v);
        List<Node> nodes = g.nodes();
        Tiler.Tiling[] tilings = new Tiler.Tiling[nodes.size()];
        if (l1Budget > 0) {
            // Tiled from the last node back: compile lowers the same plan's nodes from the first on another
            // thread, and the tiler's memo hands each side the other's answers, so the two meet in the middle.
            // A node that cannot be tiled is left for the loop below, which reports the first such node.
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node n = nodes.get(i);
                if (Tiler.isView(n, bufferOf)) continue;
                try {
                    tilings[i] = Tiler.tile(n, l1Budget, target, bufferOf);
                } catch (RuntimeException e) {
                    break;
                }
            }
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            List<TensorType> in = new ArrayList<>();
            for (Value v : n.inputs()) in.add(v == null ? null : v.type());
            List<TensorType> out = n.outputs().stream().map(Value::type).toList();
            long m = n.op().macs(in, out);
            long f = n.op().flops(in, out);
            String ph = key(p.phase(n));
            macs.merge(ph, m, Long::sum);
            flops.merge(ph, f, Long::sum);
            totalFlops += 2 * m + f;
            long nodeCycles = 0;
            long bytes = 0;
            long tiles = 1;
            long l1 = 0;
            long instr = 0;
            CostModel.Features feat = null;
            if (l1Budget > 0 && Tiler.isView(n, bufferOf)) {
                tiles = 0; // a Reshape sharing its input's buffer: no code
            } else if (l1Budget > 0) {
                // The same contract, choice and buffer sharing the code generator uses: these are the bytes its DMA moves.
                Tiler.Tiling t = tilings[i] != null ? tilings[i] : Tiler.tile(n, l1Budget, target, bufferOf);
                l1 = t.l1Bytes();
                l1Peak = Math.max(l1Peak, t.l1Bytes());
                for (int k = 0; k < t.moved().length; k++) {
                    TileContract.Operand o = t.contract().operands().get(k);
                    if (t.moved()[k] == 0) continue;
                    Value v = o.role() == TileContract.Role.IN ? n.input(o.index()) : n.output(o.index());
                    Buffer b = plan.liveness().bufferOf(v);
                    if (b != null && "L3".equals(b.level())) l3l1 += t.moved()[k];
                    else {
                        l2l1 += t.moved()[k];
                        bytes += t.moved()[k];
                    }
                }
                nodeCycles = t.cycles();
                tiles = t.tiles();
                feat = Tiler.features(n, t, target);
                if (target.cost() != null) instr = Math.round(target.cost().instructions(n.op().opType(), feat));
            } else {
                nodeCycles = (long) Math.ceil((2.0 * m + f) / target.flopsPerCycle());
            }
            cycles += nodeCycles;
            layers.add(new Layer(n.name(), n.op().opType(), ph, m, bytes, nodeCycles, tiles, l1, instr, feat));
        }
        CostModel cm = l1Budget > 0 ? target.cost() : null;
        double cpi = target.cyclesPerInstruction() > 0 ? target.cyclesPerInstruction() : 1;
        long inputElements = p.input().type().size();
        if (cm != null) cycles += Math.round(cm.outsideNodes(inputElements) * cpi);
        if (l1Budget > 0) {
            // A state whose next value was computed into another buffer takes it by copies through L1.
            for (Map.Entry<Value, Value> e : g.stateUpdates().entrySet()) {
                Buffer dst = plan.liveness().bufferOf(e.getKey());
                Buffer src = plan.liveness().bufferOf(e.getValue());
                if (dst == null || dst == src) continue;
                long b = e.getKey().type().bytes();
                if (cm != null) cycles += Math.round(cm.stateCopyPerByte() * b * cpi);
                if ("L3".equals(src.level())) l3l1 += b;
                else l2l1 += b;
                if ("L3".equals(dst.level())) l3l1 += b;
                else l2l1 += b;
            }
        }
        Target.DmaLink l3link = target.link("L3", "L2");
        if (l3link != null && l3l1 > 0) cycles += (long) Math.ceil(l3l1 / l3link.bytesPerCycle());
        Map<String, Long> moved = new LinkedHashMap<>();
        if (l1Budget > 0) moved.put("L2<->L1", l2l1);
        if (l1Budget > 0 && target.hasLevel("L3")) moved.put("L3<->L1", l3l1);
        long staticL2 = 0;
        long staticL3 = 0;
        for (Buffer b : plan.buffers()) {
            if (!b.isStatic() || b.size() == 0) continue;
            if ("L3".equals(b.level())) staticL3 += b.size();
            else staticL2 += b.size();
        }
        int recomputed = 0;
        long recomputedMacs = 0;
        for (Layer l : layers) {
            if (!l.node().contains("/recompute")) continue; // the copies the recompute pass made (Recompute names them so)
            recomputed++;
            recomputedMacs += l.macs();
        }
        org.traindeeploy.memory.LevelChoice.Summary ch = plan.levels();
        String strategy = ch.buffersInL3() > 0 || ch.recomputed() > 0 ? "by cost" : plan.l3Bytes() > 0 ? "weights to L3" : "L2";
        List<String> why = new ArrayList<>(ch.largest());
        why.addAll(ch.recomputedWhy());
        Levels levels = new Levels(strategy, plan.l3Bytes(), ch.buffersInL3() > 0 ? ch.staticL3Bytes() : staticL3, ch.dynamicL3Bytes(), ch.dynamicL3Sum(),
                ch.buffersInL3(), recomputed, recomputedMacs, moved.getOrDefault("L3<->L1", 0L), ch.addedCycles(), ch.recomputeCycles(), List.copyOf(why));
        int batch = p.input().type().dim(0);
        double seconds = cycles / target.clockHz();
        return new StepReport(target.name(), p.trainableElements(), batch, macs, flops,
                new Memory(plan.arenaBytes(), plan.lowerBoundBytes(), staticL2, staticL3, l1Peak, l1Budget), moved, cycles,
                seconds > 0 ? batch / seconds : 0, cycles > 0 ? (double) totalFlops / cycles : 0, layers, inputElements, levels);
    }

    private static String key(TrainingProgram.Phase ph) { return ph.name().toLowerCase(Locale.ROOT); }

    /** A few lines for the terminal. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "target %s, batch %d, trainable %,d elements%n", target, batch, trainableElements));
        sb.append(String.format(Locale.ROOT, "  MACs     forward %,d  backward %,d  update %,d%n", macs.get("forward"), macs.get("backward"), macs.get("update")));
        sb.append(String.format(Locale.ROOT, "  memory   dynamic peak %,d B (lower bound %,d B), static L2 %,d B, static L3 %,d B", memory.dynamicPeak(),
                memory.dynamicLowerBound(), memory.staticL2(), memory.staticL3()));
        if (memory.l1Budget() > 0) sb.append(String.format(Locale.ROOT, ", L1 tiles peak %,d of %,d B", memory.l1Peak(), memory.l1Budget()));
        sb.append('\n');
        sb.append(String.format(Locale.ROOT, "  levels   %s: L3 %,d B (weights and state %,d B, activations and gradients %,d B), recomputed %d node(s), %,d MACs%n",
                levels.strategy(), levels.l3Bytes(), levels.l3StaticBytes(), levels.l3DynamicBytes(), levels.recomputedNodes(), levels.recomputedMacs()));
        if (levels.buffersInL3() > 0 || levels.recomputeCycles() > 0) {
            sb.append(String.format(Locale.ROOT, "           chosen by cost: %d buffer(s) to L3 (+%,d cycles estimated), recomputation +%,d cycles estimated%n",
                    levels.buffersInL3(), levels.addedCycles(), levels.recomputeCycles()));
        }
        StringBuilder mv = new StringBuilder();
        bytesMoved.forEach((k, v) -> mv.append(String.format(Locale.ROOT, "  %s %,d B", k, v)));
        sb.append("  moved   ").append(mv.length() == 0 ? " nothing between levels (one memory level)" : mv).append('\n');
        sb.append(String.format(Locale.ROOT, "  estimate %,d cycles per step, %.2f images/s, %.2f FLOP/cycle (estimate from the target description)%n",
                estimatedCycles, estimatedImagesPerSecond, estimatedFlopsPerCycle));
        return sb.toString();
    }
}
