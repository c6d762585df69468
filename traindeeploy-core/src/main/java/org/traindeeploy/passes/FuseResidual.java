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
public record FuseResidual(BiConsumer<Node, Node> replaced, java.util.function.Predicate<Graph> keep) implements Pass {
    public FuseResidual() { this((a, b) -> { }, g -> true); }

    @Override public String name() { return "fuse-residual"; }

    @Override public String summary() { return "Add(R, Linear(...)) -> Linear(..., residual R)"; }

    @Override
    public boolean run(Graph g) {
        boolean changed = false;
        for (Node add : new ArrayList<>(g.nodes())) {
            if (!(add.op() instanceof Add) || !g.nodes().contains(add)) continue;
            Map<Value, List<Node>> users = g.users();
            Node lin = fusable(g, users, add, add.input(1));
            Value residual = add.input(0);
            if (lin == null) {
                lin = fusable(g, users, add, add.input(0));
                residual = add.input(1);
            }
            if (lin == null || residual == null || !residual.type().equals(add.output(0).type()) || residual == lin.output(0)) continue;
            Value x = lin.input(0);
            Value w = lin.input(1);
            Value b = lin.input(2);
            List<Node> before = new ArrayList<>(g.nodes());
            Value sum = add.output(0);
            g.removeNode(lin);
            Value y = Rewrite.replace(g, add, lin.name(), lin.op(), x, w, b, residual);
            g.sortTopologically();
            if (keep.test(g)) {
                replaced.accept(add, y.producer());
                changed = true;
            } else {
                // Undo: put the Linear and the Add back as they were.
                Node fused = y.producer();
                g.removeNode(fused);
                g.restore(lin);
                g.restore(add);
                g.replaceAllUses(y, sum);
                g.reorder(before);
            }
        }
        g.removeDeadCode();
        return changed;
    }

    /** The Linear producing {@code v} when only {@code add} reads it and it has no residual yet; else null. */
    private static Node fusable(Graph g, Map<Value, List<Node>> users, Node add, Value v) {
        if (v == null || v.producer() == null || !(v.producer().op() instanceof Linear)) return null;
        Node lin = v.producer();
        if (lin.input(3) != null || g.isUsedOutsideNodes(v) || !Arrays.asList(add).equals(users.getOrDefault(v, List.of()))) return null;
        if (add.input(0) == add.input(1)) return null;
        return lin;
    }
}
