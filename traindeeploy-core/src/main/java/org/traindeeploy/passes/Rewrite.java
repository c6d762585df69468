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
