package org.traindeeploy.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Add;
import org.traindeeploy.ops.Div;
import org.traindeeploy.ops.LayerNormalization;
import org.traindeeploy.ops.Mul;
import org.traindeeploy.ops.Pow;
import org.traindeeploy.ops.ReduceMean;
import org.traindeeploy.ops.Sqrt;
import org.traindeeploy.ops.Sub;
import org.traindeeploy.ir.Tensor;

/**
 * Fuses the decomposed layer norm that exporters emit below opset 17:
 * <pre>
 * d = x − ReduceMean(x);  n = d / √(ReduceMean(d²) + ε);  y = n · γ + β
 *     ->  LayerNormalization(x, γ, β)   (axes: the trailing reduced axes; γ = 1 when absent)
 * </pre>
 */
public record FuseLayerNorm() implements Pass {
    @Override public String name() { return "fuse-layernorm"; }

    @Override public String summary() { return "ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div (+Mul, Add) -> LayerNormalization"; }

    @Override
    public boolean run(Graph g) {
        boolean changed = false;
        for (Node div : new ArrayList<>(g.nodes())) {
            if (!(div.op() instanceof Div) || !g.contains(div)) continue;
            Map<Value, List<Node>> users = g.users();
            Node sub = Patterns.producedBy(div.input(0), Sub.class);
            Node sqrt = Patterns.producedBy(div.input(1), Sqrt.class);
            if (sub == null || sqrt == null) continue;
            Value x = sub.input(0);
            Node mean = Patterns.producedBy(sub.input(1), ReduceMean.class);
            if (mean == null || mean.input(0) != x) continue;
            int axis = trailingAxis((ReduceMean) mean.op(), x.type().rank());
            if (axis < 0) continue;
            Node addEps = Patterns.producedBy(sqrt.input(0), Add.class);
            if (addEps == null) continue;
            Value eps = addEps.input(1).isConstant() ? addEps.input(1) : addEps.input(0);
            Value varV = Patterns.other(addEps, eps);
            Node var = Patterns.producedBy(varV, ReduceMean.class);
            if (!eps.isConstant() || eps.type().size() != 1 || var == null || trailingAxis((ReduceMean) var.op(), x.type().rank()) != axis) continue;
            Node pow = Patterns.producedBy(var.input(0), Pow.class);
            Node sq = Patterns.producedBy(var.input(0), Mul.class);
            boolean squares = pow != null && pow.input(0) == sub.output(0) && Patterns.isScalarConst(pow.input(1), 2.0)
                    || sq != null && sq.input(0) == sub.output(0) && sq.input(1) == sub.output(0);
            if (!squares) continue;
            int n = org.traindeeploy.ops.OpSupport.product(x.type().shape(), axis, x.type().rank());
            Node root = div;
            Value gamma = null;
            Value beta = null;
            Node mul = Patterns.soleUser(users, div.output(0));
            if (mul != null && mul.op() instanceof Mul && !g.isUsedOutsideNodes(div.output(0))) {
                Value gm = Patterns.other(mul, div.output(0));
                if (gm.isParameterLike() && gm.type().size() == n && gm.type().rank() <= 1) {
                    gamma = gm;
                    root = mul;
                    Node add = Patterns.soleUser(users, mul.output(0));
                    if (add != null && add.op() instanceof Add && !g.isUsedOutsideNodes(mul.output(0))) {
                        Value bt = Patterns.other(add, mul.output(0));
                        if (bt.isParameterLike() && bt.type().equals(gm.type())) { // LayerNormalization needs β typed as γ
                            beta = bt;
                            root = add;
                        }
                    }
                }
            }
            if (gamma == null) {
                double[] ones = new double[n];
                java.util.Arrays.fill(ones, 1);
                gamma = g.constant(div.name() + "/gamma", Tensor.ofReal(x.type().dtype(), new int[] {n}, ones));
            }
            LayerNormalization ln = new LayerNormalization(axis, eps.data().getDouble(0));
            String name = mean.name().replace("ReduceMean", "LayerNorm");
            if (beta == null) Rewrite.replace(g, root, name, ln, x, gamma);
            else Rewrite.replace(g, root, name, ln, x, gamma, beta);
            changed = true;
        }
        g.removeDeadCode();
        return changed;
    }

    /** The first reduced axis if the op reduces exactly the trailing axes [a, rank) with keepdims; else −1. */
    private static int trailingAxis(ReduceMean r, int rank) {
        if (!r.keepDims() || r.axes().length == 0) return -1;
        int[] a = r.axes().clone();
        for (int i = 0; i < a.length; i++) a[i] = a[i] < 0 ? a[i] + rank : a[i];
        java.util.Arrays.sort(a);
        for (int i = 0; i < a.length; i++) if (a[i] != rank - a.length + i) return -1;
        return a[0];
    }
}
