package org.traindeeploy.interp;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.Value;

/**
 * The reference engine: evaluates a graph node by node with each op's {@code evaluate}, rounding
 * FLOAT results to float32 after every op (DOUBLE graphs stay in float64, for gradient checks).
 * State tensors persist in the interpreter across {@link #run} calls and take their updates at the
 * end of each run.
 */
public final class Interpreter {
    private final Graph graph;
    private final Map<Value, Tensor> state = new IdentityHashMap<>();
    private final Map<Value, Tensor> lastEnv = new IdentityHashMap<>();

    public Interpreter(Graph graph) {
        this.graph = graph;
        for (Value s : graph.states()) state.put(s, s.data().copy());
    }

    /** Replace a state tensor's current value (e.g. with weights trained elsewhere). */
    public void setState(Value s, Tensor t) {
        if (!state.containsKey(s)) throw new IllegalArgumentException(s + " is not a state of this graph");
        if (!t.type().equals(s.type())) throw new CompileException("state '" + s.name() + "' is " + s.type() + ", got " + t.type());
        state.put(s, t);
    }

    /** Current value of a state tensor. */
    public Tensor state(Value s) { return state.get(s); }

    /** The value a node output had in the last run (for debugging and gradient read-back). */
    public Tensor lastValue(Value v) { return lastEnv.get(v); }

    /**
     * Run one step: inputs by graph-input name; returns outputs by output name. States take their
     * updated values afterwards.
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        Map<Value, Tensor> env = lastEnv;
        env.clear();
        for (Value in : graph.inputs()) {
            Tensor t = inputs.get(in.name());
            if (t == null) throw new CompileException("no tensor given for input '" + in.name() + "'");
            if (!t.type().equals(in.type())) throw new CompileException("input '" + in.name() + "' is " + t.type() + ", the graph expects " + in.type());
            env.put(in, t);
        }
        for (Value v : graph.values()) {
            if (v.isConstant()) env.put(v, v.data());
        }
        env.putAll(state);
        for (Node n : graph.nodes()) {
            List<Tensor> args = new ArrayList<>();
            for (Value v : n.inputs()) args.add(v == null ? null : env.get(v));
            List<Tensor> out;
            try {
                out = n.op().evaluate(args);
            } catch (CompileException e) {
                throw CompileException.atNode(n, e.getMessage());
            }
            for (int i = 0; i < out.size(); i++) {
                Tensor t = out.get(i).roundToType();
                if (!t.type().equals(n.output(i).type())) {
                    throw new IllegalStateException(n + " produced " + t.type() + " for " + n.output(i).type());
                }
                env.put(n.output(i), t);
            }
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (int i = 0; i < graph.outputs().size(); i++) result.put(graph.outputNames().get(i), env.get(graph.outputs().get(i)));
        Map<Value, Tensor> next = new IdentityHashMap<>();
        graph.stateUpdates().forEach((s, v) -> next.put(s, env.get(v)));
        state.putAll(next);
        return result;
    }
}
