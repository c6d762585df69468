package org.traindeeploy.passes;

import java.util.ArrayList;
import java.util.Arrays;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ops.Reshape;
import org.traindeeploy.ops.Transpose;

/**
 * Local algebraic clean-ups:
 * <pre>
 * Reshape(x) to x's own shape        -> x
 * Reshape(Reshape(x, s1), s2)        -> Reshape(x, s2)
 * Transpose(x, identity)             -> x
 * Transpose(Transpose(x, p), q)      -> Transpose(x, p∘q)
 * </pre>
 */
public record Simplify() implements Pass {
    @Override public String name() { return "simplify"; }

    @Override public String summary() { return "drop no-op reshapes/transposes and merge chains of them"; }

    @Override
    public boolean run(Graph g) {
        boolean any = false;
        while (sweep(g)) any = true;
        return any;
    }

    /** One pass over the nodes; a rewrite can expose another (a merged chain that is the identity). */
    private static boolean sweep(Graph g) {
        boolean changed = false;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (n.op() instanceof Reshape r) {
                if (Arrays.equals(r.shape(), n.input(0).type().shape()) && !g.isUsedOutsideNodes(n.output(0))) {
                    g.replaceAllUses(n.output(0), n.input(0));
                    changed = true;
                } else if (n.input(0).producer() != null && n.input(0).producer().op() instanceof Reshape) {
                    Rewrite.replace(g, n, n.name(), r, n.input(0).producer().input(0));
                    changed = true;
                }
            } else if (n.op() instanceof Transpose t) {
                int[] p = t.perm();
                boolean identity = true;
                for (int i = 0; i < p.length; i++) identity &= p[i] == i;
                if (identity && !g.isUsedOutsideNodes(n.output(0))) {
                    g.replaceAllUses(n.output(0), n.input(0));
                    changed = true;
                } else if (n.input(0).producer() != null && n.input(0).producer().op() instanceof Transpose inner) {
                    int[] q = new int[p.length];
                    for (int i = 0; i < p.length; i++) q[i] = inner.perm()[p[i]];
                    Rewrite.replace(g, n, n.name(), new Transpose(q), n.input(0).producer().input(0));
                    changed = true;
                }
            }
        }
        g.removeDeadCode();
        g.sortTopologically();
        return changed;
    }
}
