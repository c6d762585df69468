package org.traindeeploy.passes;

import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ir.Op;

/** Replacing the root of a matched pattern by one new node that keeps the root's output name. */
final class Rewrite {
    private Rewrite() {}

    /**
     * The node order {@code order} after fusions: each node in {@code at} replaced by its fused node,
     * the nodes the fusions removed left out, the rest in place (the order a fusion judge measures).
     */
    static java.util.List<Node> substituted(Graph g, java.util.List<Node> order, java.util.Map<Node, Node> at) {
        java.util.List<Node> now = new java.util.ArrayList<>(order.size());
        for (Node n : order) {
            Node f = at.get(n);
            if (f != null) now.add(f);
            else if (g.contains(n)) now.add(n);
        }
        return now;
    }

    /**
     * Remove {@code root}, add {@code op(inputs)} named {@code nodeName} whose output takes the name of
     * root's output, and redirect root's readers to it. The rest of the pattern is left for dead-code removal.
     */
    static Value replace(Graph g, Node root, String nodeName, Op op, Value... inputs) {
        Value old = root.output(0);
        g.removeNode(root);
        Value fresh = g.addNode(nodeName, op, Arrays.asList(inputs), List.of(old.name())).get(0);
        g.replaceAllUses(old, fresh);
        return fresh;
    }
}
