package org.traindeeploy.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Add;
import org.traindeeploy.ops.Div;
import org.traindeeploy.ops.Erf;
import org.traindeeploy.ops.Gelu;
import org.traindeeploy.ops.Mul;

/**
 * Fuses the erf form of GELU into one op:
 * <pre>
 * e = Erf(x / √2)  (or Erf(x · 1/√2));  a = e + 1
 * (x · a) · 0.5  |  x · (a · 0.5)  |  (x · 0.5) · a    ->  Gelu(x)
 * </pre>
 */
public record FuseGelu() implements Pass {
    @Override public String name() { return "fuse-gelu"; }

    @Override public String summary() { return "x * 0.5 * (1 + erf(x / sqrt 2)) -> Gelu"; }

    @Override
    public boolean run(Graph g) {
        boolean changed = false;
        for (Node erf : new ArrayList<>(g.nodes())) {
            if (!(erf.op() instanceof Erf) || !g.contains(erf)) continue;
            Map<Value, List<Node>> users = g.users();
            Value x = scaledInput(erf.input(0));
            if (x == null) continue;
            Node add = Patterns.soleUser(users, erf.output(0));
            if (add == null || !(add.op() instanceof Add) || !Patterns.isScalarConst(Patterns.other(add, erf.output(0)), 1.0)) continue;
            Node root = matchProduct(users, add.output(0), x);
            if (root == null) continue;
            Rewrite.replace(g, root, erf.name().isEmpty() ? "Gelu" : erf.name().replace("Erf", "Gelu"), new Gelu(false), x);
            changed = true;
        }
        g.removeDeadCode();
        return changed;
    }

    /** x when v = x / √2 or x · (1/√2), else null. */
    private static Value scaledInput(Value v) {
        Node d = Patterns.producedBy(v, Div.class);
        if (d != null && Patterns.isScalarConst(d.input(1), Math.sqrt(2))) return d.input(0);
        Node m = Patterns.producedBy(v, Mul.class);
        if (m != null) {
            if (Patterns.isScalarConst(m.input(1), Math.sqrt(0.5))) return m.input(0);
            if (Patterns.isScalarConst(m.input(0), Math.sqrt(0.5))) return m.input(1);
        }
        return null;
    }

    /** The final Mul of one of the three product orders of x, a and 0.5, or null. */
    private static Node matchProduct(Map<Value, List<Node>> users, Value a, Value x) {
        Node m1 = Patterns.soleUser(users, a);
        if (m1 == null || !(m1.op() instanceof Mul)) return null;
        Value o = Patterns.other(m1, a);
        if (o == x) { // (x · a) · 0.5
            Node m2 = Patterns.soleUser(users, m1.output(0));
            if (m2 != null && m2.op() instanceof Mul && Patterns.isScalarConst(Patterns.other(m2, m1.output(0)), 0.5)) return m2;
            return null;
        }
        if (Patterns.isScalarConst(o, 0.5)) { // x · (a · 0.5)
            Node m2 = Patterns.soleUser(users, m1.output(0));
            if (m2 != null && m2.op() instanceof Mul && Patterns.other(m2, m1.output(0)) == x) return m2;
            return null;
        }
        Node h = Patterns.producedBy(o, Mul.class); // (x · 0.5) · a
        if (h != null && Patterns.other(h, x) != null && Patterns.isScalarConst(Patterns.other(h, x), 0.5)) return m1;
        return null;
    }
}
