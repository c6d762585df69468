package org.traindeeploy.passes;

import org.traindeeploy.ir.TileContract;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Linear;
import org.traindeeploy.ops.LoraLinear;
import org.traindeeploy.ir.TileContract;
import org.traindeeploy.tiling.Tiler;

/**
 * Folds a LoRA adapter into the Linear it adapts, as {@code lora} and {@code fuse-residual} leave it:
 * <pre>
 * y = Linear(x, W, b); t = Linear(x, A, transW); y' = Linear(t, B, transW, s, residual y)
 *     ->  (y', t) = LoraLinear(x, W, b, A, B)
 * </pre>
 * y read only by the last Linear; t keeps its readers (the backward's dB). The fused kernel computes
 * the low-rank term while the x tile is in L1, so x and y no longer cross L2 a second time.
 *
 * <p>A fusion is applied only when the fused node's smallest tile (one row, one output column, K and
 * the rank whole, every streamed box twice) needs at most {@link #MAX_SMALLEST_TILE} bytes of L1:
 * the fused kernel cannot split K as the separate Linears could, and this keeps the tiler's choice at
 * least as wide on any cluster L1 (the front half knows no target; a cluster L1 is 64 KiB or more).
 * {@code keep} judges the applied batch, each fused node at its last product's place in the given
 * order (e.g. the memory lower bound of that order must not rise); a refused batch
 * is undone and split in halves down to single fusions, as in {@link FuseResidual}. {@code replaced}
 * is told which node took the place of which adapter's last Linear.
 */
public record FuseLora(BiConsumer<Node, Node> replaced, Predicate<Graph> keep) implements Pass {
    /** L1 bytes the fused node's smallest tile may need: an eighth of a 64 KiB cluster L1. */
    public static final long MAX_SMALLEST_TILE = 8 * 1024;

    public FuseLora() { this((a, b) -> { }, g -> true); }

    @Override public String name() { return "fuse-lora"; }

    @Override public String summary() { return "Linear(x,W,b) + s·Linear(Linear(x,A),B) -> LoraLinear(x,W,b,A,B) writing y and t = x·Aᵀ"; }

    /** One adapter: the base Linear, the A product, the B product (with the base's output as residual). */
    private record Fusion(Node base, Node a, Node b) {}

    @Override
    public boolean run(Graph g) {
        List<Fusion> batch = new ArrayList<>();
        java.util.Set<Node> taken = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Node n : g.nodes()) {
            Fusion f = candidate(g, n);
            if (f == null || taken.contains(f.a()) || taken.contains(f.base())) continue; // an A product shared by two adapters: fuse one
            taken.add(f.a());
            taken.add(f.base());
            batch.add(f);
        }
        return !batch.isEmpty() && applyOrSplit(g, batch);
    }

    private boolean applyOrSplit(Graph g, List<Fusion> batch) {
        List<Node> order = new ArrayList<>(g.nodes());
        List<Node> fused = new ArrayList<>();
        java.util.Map<Node, Node> at = new java.util.IdentityHashMap<>();
        for (Fusion f : batch) {
            Node n = apply(g, f);
            fused.add(n);
            at.put(f.b(), n);
        }
        // Each fused node at its last product's place (its inputs are ready there and t's other readers come later): the order judged is the given one.
        g.reorder(Rewrite.substituted(g, order, at));
        if (keep.test(g)) {
            for (int i = 0; i < batch.size(); i++) replaced.accept(batch.get(i).b(), fused.get(i));
            return true;
        }
        for (int i = batch.size() - 1; i >= 0; i--) undo(g, batch.get(i), fused.get(i));
        g.reorder(order);
        if (batch.size() == 1) return false;
        int half = batch.size() / 2;
        boolean l = applyOrSplit(g, new ArrayList<>(batch.subList(0, half)));
        boolean r = applyOrSplit(g, new ArrayList<>(batch.subList(half, batch.size())));
        return l || r;
    }

    /** Replaces the three Linears by one LoraLinear whose outputs take y' and t's names and readers. */
    private static Node apply(Graph g, Fusion f) {
        Value y = f.b().output(0);
        Value t = f.a().output(0);
        Linear base = (Linear) f.base().op();
        Linear lb = (Linear) f.b().op();
        g.removeNode(f.b());
        g.removeNode(f.a());
        g.removeNode(f.base());
        List<Value> out = g.addNode(f.base().name(), new LoraLinear(base.transW(), base.alpha(), lb.alpha()),
                Arrays.asList(f.base().input(0), f.base().input(1), f.base().input(2), f.a().input(1), f.b().input(1)), List.of(y.name(), t.name()));
        g.replaceAllUses(y, out.get(0));
        g.replaceAllUses(t, out.get(1));
        return out.get(0).producer();
    }

    private static void undo(Graph g, Fusion f, Node fused) {
        Value y = fused.output(0);
        Value t = fused.output(1);
        g.removeNode(fused);
        g.restore(f.base());
        g.restore(f.a());
        g.restore(f.b());
        g.replaceAllUses(y, f.b().output(0));
        g.replaceAllUses(t, f.a().output(0));
    }

    /** The adapter whose last product is {@code n}, or null when n is not one or the fusion is not allowed. */
    static Fusion candidate(Graph g, Node n) {
        if (!(n.op() instanceof Linear lb) || !lb.transW() || n.input(2) != null || n.input(3) == null) return null;
        Node a = n.input(0).producer();
        Node base = n.input(3).producer();
        if (a == null || base == null || a == base || !(a.op() instanceof Linear la) || !(base.op() instanceof Linear lbase)) return null;
        if (!la.transW() || la.alpha() != 1.0 || a.input(2) != null || a.input(3) != null) return null;
        if (base.input(3) != null || base.input(0) != a.input(0)) return null;
        Value y = base.output(0);
        if (g.isUsedOutsideNodes(y) || !List.of(n).equals(g.readers(y))) return null;
        if (n.input(0) == n.input(3)) return null;
        List<TensorType> in = Arrays.asList(base.input(0).type(), base.input(1).type(), base.input(2) == null ? null : base.input(2).type(),
                a.input(1).type(), n.input(1).type());
        LoraLinear op = new LoraLinear(lbase.transW(), lbase.alpha(), lb.alpha());
        if (!n.input(1).type().dtype().isFloat() || in.get(1).rank() != 2 || in.get(3).rank() != 2 || in.get(4).rank() != 2) return null;
        if (in.get(3).dim(1) != in.get(0).dim(-1) || in.get(4).dim(1) != in.get(3).dim(0)) return null;
        List<TensorType> out = List.of(n.output(0).type(), a.output(0).type());
        if (smallestTile(op.tileContract(in, out)) > MAX_SMALLEST_TILE) return null;
        return new Fusion(base, a, n);
    }

    /** L1 bytes of contract c's smallest tile (every dim 1), every operand region counted twice (double-buffered). */
    static long smallestTile(TileContract c) {
        int[] one = new int[c.dims().size()];
        Arrays.fill(one, 1);
        long b = 0;
        for (TileContract.Operand o : c.operands()) b += 2 * Tiler.roundUp(o.maxBytes(one));
        return b;
    }
}
