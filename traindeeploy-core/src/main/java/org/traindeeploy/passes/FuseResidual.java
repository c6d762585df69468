package org.traindeeploy.passes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Add;
import org.traindeeploy.ops.Linear;

/**
 * Folds the addition of a tensor into the Linear that produces the other operand, so that the sum
 * is written by the Linear kernel instead of a separate pass over both tensors:
 * <pre>
 * Add(R, Linear(x, W, b))   ->  Linear(x, W, b, R)     R of the Linear's output shape, the Linear read only there
 * </pre>
 * This is what LoRA adds (base + adapter) and what gradient sums of a tensor read by two layers
 * look like. {@code replaced} is told which new node took the place of which Add; {@code keep}
 * decides, with the fusion applied, whether to keep it (e.g. only when the memory peak does not rise).
 */
public record FuseResidual(BiConsumer<Node, Node> replaced, java.util.function.Predicate<Graph> keep, Judge judge) implements Pass {
    public FuseResidual() { this((a, b) -> { }, g -> true); }

    public FuseResidual(BiConsumer<Node, Node> replaced, java.util.function.Predicate<Graph> keep) { this(replaced, keep, null); }


    /**
     * Judges single fusions without looking at the whole graph (e.g. by their effect on lifetimes over
     * a fixed order). With a judge the pass leaves the graph in its order with each kept fusion's
     * node at its Add's place.
     */
    public interface Judge {
        /** Whether to fold {@code lin} into {@code add}, whose other input is {@code residual}; the graph is unchanged yet. */
        boolean keep(Node lin, Node add, Value residual);

        /** The fusion accepted last was applied: {@code fused} took {@code add}'s place. */
        void fused(Node add, Node fused);
    }

    @Override public String name() { return "fuse-residual"; }

    @Override public String summary() { return "Add(R, Linear(...)) -> Linear(..., residual R)"; }

    /** Whether some Add of {@code g} has a fusion to try (without a judge or a change to the graph). */
    public static boolean hasCandidate(Graph g) {
        for (Node n : g.nodes()) if (n.op() instanceof Add && candidate(g, n) != null) return true;
        return false;
    }

    /** One fusion: the Add, the Linear feeding it, and which input of the Add that Linear's output is. */
    private record Fusion(Node add, Node lin, int linSide) {}

    /**
     * All fusions are tried as one batch, judged once by {@code keep}; a refused batch is undone and
     * split in halves, each tried the same way, down to single fusions. When {@code keep} accepts
     * everything (the usual case) the pass costs one judgement instead of one per Add.
     */
    @Override
    public boolean run(Graph g) {
        List<Node> adds = new ArrayList<>();
        for (Node n : g.nodes()) if (n.op() instanceof Add) adds.add(n);
        boolean changed = judge == null ? apply(g, adds) : applyJudged(g, adds);
        g.removeDeadCode();
        return changed;
    }

    /**
     * Fusions judged one by one by {@code judge}, then the result once by {@code keep} (the judge may
     * look at a fixed order that the step's scheduler changes later). If {@code keep} refuses, the
     * judged fusions are undone and found again by halving as without a judge.
     */
    private boolean applyJudged(Graph g, List<Node> adds) {
        List<Node> order = new ArrayList<>(g.nodes());
        Map<Node, Node> fusedFor = new java.util.IdentityHashMap<>();
        List<Fusion> batch = new ArrayList<>();
        List<Node> fused = new ArrayList<>();
        List<Value> sums = new ArrayList<>();
        for (Node add : adds) {
            if (!g.contains(add)) continue;
            Fusion f = candidate(g, add);
            if (f == null) continue;
            Value residual = f.add().input(1 - f.linSide());
            if (!judge.keep(f.lin(), f.add(), residual)) continue;
            sums.add(f.add().output(0));
            g.removeNode(f.lin());
            Value y = Rewrite.replace(g, f.add(), f.lin().name(), f.lin().op(), f.lin().input(0), f.lin().input(1), f.lin().input(2), residual);
            fusedFor.put(f.add(), y.producer());
            judge.fused(f.add(), y.producer());
            batch.add(f);
            fused.add(y.producer());
        }
        if (batch.isEmpty()) return false;
        g.reorder(Rewrite.substituted(g, order, fusedFor));
        return keptOrSplit(g, batch, fused, sums, order);
    }

    /** Undoes applied fusions, latest first (a later fusion may read an earlier one's output): the Linears and Adds come back as they were. */
    private static void undo(Graph g, List<Fusion> batch, List<Node> fused, List<Value> sums) {
        for (int i = batch.size() - 1; i >= 0; i--) {
            Node f = fused.get(i);
            Value y = f.output(0);
            g.removeNode(f);
            g.restore(batch.get(i).lin());
            g.restore(batch.get(i).add());
            g.replaceAllUses(y, sums.get(i));
        }
    }

    private boolean apply(Graph g, List<Node> adds) {
        List<Fusion> batch = new ArrayList<>();
        for (Node add : adds) {
            if (!g.contains(add)) continue;
            Fusion f = candidate(g, add);
            if (f != null) batch.add(f);
        }
        if (batch.isEmpty()) return false;
        List<Node> before = new ArrayList<>(g.nodes());
        List<Node> fused = new ArrayList<>();
        List<Value> sums = new ArrayList<>();
        for (Fusion f : batch) {
            Value residual = f.add().input(1 - f.linSide()); // read now: an earlier fusion of the batch may have replaced it
            sums.add(f.add().output(0));
            g.removeNode(f.lin());
            Value y = Rewrite.replace(g, f.add(), f.lin().name(), f.lin().op(), f.lin().input(0), f.lin().input(1), f.lin().input(2), residual);
            fused.add(y.producer());
        }
        g.sortTopologically();
        return keptOrSplit(g, batch, fused, sums, before);
    }

    /** Keeps the applied batch when the criterion holds; else undoes it, restores {@code order} and tries each half. */
    private boolean keptOrSplit(Graph g, List<Fusion> batch, List<Node> fused, List<Value> sums, List<Node> order) {
        if (keep.test(g)) {
            for (int i = 0; i < batch.size(); i++) replaced.accept(batch.get(i).add(), fused.get(i));
            return true;
        }
        undo(g, batch, fused, sums);
        g.reorder(order);
        if (batch.size() == 1) return false;
        List<Node> left = new ArrayList<>();
        for (Fusion f : batch) left.add(f.add());
        int half = left.size() / 2;
        boolean a = apply(g, left.subList(0, half));
        boolean b = apply(g, left.subList(half, left.size()));
        return a || b;
    }

    /** The fusion rooted at {@code add}, or null when it has none. */
    private static Fusion candidate(Graph g, Node add) {
        int side = 1;
        Node lin = fusable(g, add, add.input(1));
        if (lin == null) {
            side = 0;
            lin = fusable(g, add, add.input(0));
        }
        Value residual = add.input(1 - side);
        if (lin == null || residual == null || !residual.type().equals(add.output(0).type()) || residual == lin.output(0)) return null;
        return new Fusion(add, lin, side);
    }

    /** The Linear producing {@code v} when only {@code add} reads it and it has no residual yet; else null. */
    private static Node fusable(Graph g, Node add, Value v) {
        if (v == null || v.producer() == null || !(v.producer().op() instanceof Linear)) return null;
        Node lin = v.producer();
        if (lin.input(3) != null || g.isUsedOutsideNodes(v) || !Arrays.asList(add).equals(g.readers(v))) return null;
        if (add.input(0) == add.input(1)) return null;
        return lin;
    }
}
