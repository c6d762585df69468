package org.traindeeploy.passes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Add;
import org.traindeeploy.ops.Linear;
import org.traindeeploy.ops.MatMul;

/**
 * Fuses matrix products with a weight into {@link Linear}, keeping the MatMul node's name (so that
 * node-name globs of training strategies still find it):
 * <pre>
 * MatMul(x, W)            -> Linear(x, W)        W a 2-D weight (constant or state)
 * Add(Linear(x, W), b)    -> Linear(x, W, b)     b a weight of shape [N], the Linear read only there
 * </pre>
 */
public record FuseLinear() implements Pass {
    @Override public String name() { return "fuse-linear"; }

    @Override public String summary() { return "MatMul with a weight (+ Add of a bias) -> Linear"; }

    @Override
    public boolean run(Graph g) {
        boolean changed = false;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (n.op() instanceof MatMul && n.input(1).isParameterLike() && n.input(1).type().rank() == 2) {
                Rewrite.replace(g, n, n.name(), new Linear(false, 1.0), n.input(0), n.input(1));
                changed = true;
            }
        }
        Map<Value, List<Node>> users = g.users();
        for (Node n : new ArrayList<>(g.nodes())) {
            if (!(n.op() instanceof Linear lin) || n.input(2) != null || !g.contains(n)) continue;
            Value y = n.output(0);
            Node add = Patterns.soleUser(users, y);
            if (add == null || !(add.op() instanceof Add) || g.isUsedOutsideNodes(y)) continue;
            Value b = Patterns.other(add, y);
            int outCh = y.type().dim(-1);
            if (b == null || b == y || !b.isParameterLike() || !Arrays.equals(b.type().shape(), new int[] {outCh})) continue;
            Value x = n.input(0);
            Value w = n.input(1);
            g.removeNode(n);
            Rewrite.replace(g, add, n.name(), lin, x, w, b);
            users = g.users();
            changed = true;
        }
        g.removeDeadCode();
        return changed;
    }
}
