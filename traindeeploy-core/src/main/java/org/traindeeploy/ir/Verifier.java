package org.traindeeploy.ir;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks that a graph is well formed: nodes in topological order, every input defined before use,
 * every output type equal to what its op infers now, graph outputs and state updates defined.
 * Run by the pass manager after its last pass, or after every pass with
 * {@code -Dtraindeeploy.verify=each}; a failure is a compiler bug, reported with the pass.
 */
public final class Verifier {
    private Verifier() {}

    /** Whether pass managers verify after every pass (a debugging aid: it costs a check of the whole graph per pass). */
    public static boolean afterEveryPass() { return "each".equals(System.getProperty("traindeeploy.verify")); }

    public static void verify(Graph g) {
        Set<Value> defined = new HashSet<>();
        for (Value v : g.values()) if (v.kind() != Value.Kind.NODE) defined.add(v);
        Set<String> names = new HashSet<>();
        for (Node n : g.nodes()) {
            for (Value in : n.inputs()) {
                if (in != null && !defined.contains(in)) {
                    throw new IllegalStateException("node " + n + " reads %" + in.name() + " before it is defined");
                }
            }
            List<TensorType> types;
            try {
                types = n.op().inferTypes(n.inputs());
            } catch (CompileException e) {
                throw new IllegalStateException("node " + n + " no longer type-checks: " + e.getMessage(), e);
            }
            if (types.size() != n.outputs().size()) throw new IllegalStateException("node " + n + " has " + n.outputs().size() + " outputs, op infers " + types.size());
            for (int i = 0; i < types.size(); i++) {
                Value o = n.output(i);
                if (!types.get(i).equals(o.type())) throw new IllegalStateException("node " + n + " output %" + o.name() + " is " + o.type() + " but op infers " + types.get(i));
                if (o.producer() != n) throw new IllegalStateException("%" + o.name() + " does not point back to its node " + n);
                if (!defined.add(o)) throw new IllegalStateException("%" + o.name() + " is defined twice");
                if (!names.add(o.name())) throw new IllegalStateException("name %" + o.name() + " is used twice");
            }
        }
        for (Value o : g.outputs()) if (!defined.contains(o)) throw new IllegalStateException("graph output %" + o.name() + " is not defined");
        g.stateUpdates().forEach((s, v) -> {
            if (!defined.contains(v)) throw new IllegalStateException("update of %" + s.name() + " reads undefined %" + v.name());
        });
    }
}
