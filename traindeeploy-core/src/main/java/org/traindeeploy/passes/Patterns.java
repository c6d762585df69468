package org.traindeeploy.passes;

import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ir.Op;

/** Small matchers for rewrite patterns. */
final class Patterns {
    private Patterns() {}

    /** The node producing {@code v} if its op is of class {@code c}, else null. */
    static Node producedBy(Value v, Class<? extends Op> c) {
        if (v == null || v.producer() == null) return null;
        return c.isInstance(v.producer().op()) ? v.producer() : null;
    }

    /** Whether {@code v} is a constant whose every element is within 1e-4 (relative) of {@code x}. */
    static boolean isScalarConst(Value v, double x) {
        if (v == null || !v.isConstant() || !v.type().dtype().isFloat() && v.type().size() != 1) return false;
        for (int i = 0; i < v.data().size(); i++) {
            double d = v.data().getDouble(i);
            if (Math.abs(d - x) > 1e-4 * Math.max(1, Math.abs(x))) return false;
        }
        return v.data().size() >= 1;
    }

    /** The one node that reads {@code v}, or null when there are zero or several readers. */
    static Node soleUser(Map<Value, List<Node>> users, Value v) {
        List<Node> u = users.get(v);
        return u != null && u.size() == 1 ? u.get(0) : null;
    }

    /** The other input of a binary node, given one of them; null if {@code v} is not an input. */
    static Value other(Node n, Value v) {
        if (n.input(0) == v) return n.input(1);
        if (n.input(1) == v) return n.input(0);
        return null;
    }
}
