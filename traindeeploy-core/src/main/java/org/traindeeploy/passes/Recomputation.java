package org.traindeeploy.passes;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Reshape;

/**
 * Recomputation as a graph rewrite: which nodes a copy recomputes, and the copies themselves. Both
 * levers that recompute use it: the cheap-activation pass ({@code schedule.Recompute}) and the level
 * choice's recomputation by cost ({@code memory.LevelChoice}), which neither depend on each other.
 */
public final class Recomputation {
    private Recomputation() {}

    /**
     * Whether running a copy of {@code n} gives its output again: one float output, a pure op
     * (foldable), not a view (views cost nothing to keep). The cost-driven choice
     * ({@code memory.LevelChoice}) also recomputes nodes with multiply-accumulates.
     */
    public static boolean recomputable(Node n) {
        return n.outputs().size() == 1 && !(n.op() instanceof Reshape) && n.op().isFoldable() && n.output(0).type().dtype().isFloat();
    }

    /**
     * A copy of {@code n} (named {@code <n>/recompute}, which the report counts) that {@code readers}
     * read instead of n's output; null when the copy folded to a constant. The caller places it.
     */
    public static Node copyFor(Graph g, Node n, List<Node> readers) {
        List<Node> copies = copyFor(g, List.of(n), readers);
        return copies.isEmpty() ? null : copies.get(0);
    }

    /**
     * Copies of a segment (nodes in program order, the last one's output the recomputed activation;
     * each reads the copies of the segment's earlier nodes), which {@code readers} read instead of
     * the last node's output; empty when the last copy folded to a constant.
     */
    public static List<Node> copyFor(Graph g, List<Node> segment, List<Node> readers) {
        Map<Value, Value> copied = new IdentityHashMap<>();
        List<Node> copies = new ArrayList<>();
        for (Node n : segment) {
            List<Value> in = new ArrayList<>();
            for (Value v : n.inputs()) in.add(v == null ? null : copied.getOrDefault(v, v));
            Value out = g.addNode(g.uniqueName(n.name() + "/recompute"), n.op(), in, null).get(0);
            copied.put(n.output(0), out);
            if (out.producer() != null) copies.add(out.producer());
        }
        Node last = segment.get(segment.size() - 1);
        Value v = copied.get(last.output(0));
        if (v.producer() == null) return List.of();
        for (Node u : readers) g.replaceUses(u, last.output(0), v);
        return copies;
    }
}
