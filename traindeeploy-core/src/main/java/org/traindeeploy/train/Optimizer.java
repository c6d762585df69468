package org.traindeeploy.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Add;
import org.traindeeploy.ops.AdamUpdate;
import org.traindeeploy.ops.Equal;
import org.traindeeploy.ops.SgdUpdate;
import org.traindeeploy.ops.Where;

/**
 * Appends the optimizer update of every trainable tensor, with its state (momentum, Adam moments,
 * step count) as persistent tensors. With gradient accumulation over K micro-batches, each step
 * adds its gradient to an accumulator and the update takes effect only on every K-th step:
 * <pre>
 * acc′ = acc + g;  c′ = c + 1;  apply = (c′ == K)
 * θ′ = apply ? update(θ, acc′) : θ;  acc″ = apply ? 0 : acc′;  c″ = apply ? 0 : c′
 * </pre>
 */
public final class Optimizer {
    private Optimizer() {}

    public static void apply(Graph g, Map<Value, Value> grads, OptimizerSpec spec, int accumulate) {
        if (accumulate < 1) throw new org.traindeeploy.ir.CompileException("--accumulate " + accumulate + " must be at least 1");
        if (grads.isEmpty()) return;
        var dtype = grads.keySet().iterator().next().type().dtype();
        Value applyNow = null;
        if (accumulate > 1) {
            Value count = g.addState("accumulate.count", Tensor.scalar(dtype, 0));
            Value c1 = g.add("accumulate/count", new Add(), count, g.constant("one", Tensor.scalar(dtype, 1)));
            applyNow = g.add("accumulate/apply", new Equal(), c1, g.constant("accumulate.k", Tensor.scalar(dtype, accumulate)));
            g.setStateUpdate(count, g.add("accumulate/reset_count", new Where(), applyNow, g.constant("zero", Tensor.scalar(dtype, 0)), c1));
        }
        Value step1 = null;
        if (spec.type() == OptimizerSpec.Type.ADAM) {
            Value step = g.addState("adam.step", Tensor.scalar(dtype, 0));
            step1 = g.add("adam/step", new Add(), step, g.constant("one", Tensor.scalar(dtype, 1)));
            g.setStateUpdate(step, select(g, applyNow, step1, step, "adam/step"));
        }
        for (Map.Entry<Value, Value> e : grads.entrySet()) {
            Value p = e.getKey();
            Value grad = e.getValue();
            if (applyNow != null) {
                Value acc = g.addState(p.name() + ".grad_acc", Tensor.zeros(p.type()));
                grad = g.add(p.name() + "/accumulate", new Add(), acc, grad);
                Value zero = g.constant("zero", Tensor.scalar(dtype, 0));
                g.setStateUpdate(acc, g.add(p.name() + "/reset_acc", new Where(), applyNow, zero, grad));
            }
            List<Value> state = new ArrayList<>();
            List<Value> outs;
            if (spec.type() == OptimizerSpec.Type.SGD) {
                SgdUpdate op = new SgdUpdate(spec.lr(), spec.momentum(), spec.weightDecay(), spec.nesterov());
                List<Value> in = new ArrayList<>(List.of(p, grad));
                if (op.hasVelocity()) {
                    Value v = g.addState(p.name() + ".momentum", Tensor.zeros(p.type()));
                    in.add(v);
                    state.add(v);
                }
                outs = g.addNode(p.name() + "/sgd", op, in, List.of(p.name() + ".next"));
            } else {
                Value m = g.addState(p.name() + ".adam_m", Tensor.zeros(p.type()));
                Value v = g.addState(p.name() + ".adam_v", Tensor.zeros(p.type()));
                state.add(m);
                state.add(v);
                AdamUpdate op = new AdamUpdate(spec.lr(), spec.beta1(), spec.beta2(), spec.eps(), spec.weightDecay());
                outs = g.addNode(p.name() + "/adam", op, List.of(p, grad, m, v, step1), List.of(p.name() + ".next"));
            }
            g.setStateUpdate(p, select(g, applyNow, outs.get(0), p, p.name() + "/apply"));
            for (int i = 0; i < state.size(); i++) {
                g.setStateUpdate(state.get(i), select(g, applyNow, outs.get(i + 1), state.get(i), state.get(i).name() + "/apply"));
            }
        }
    }

    private static Value select(Graph g, Value cond, Value updated, Value old, String name) {
        return cond == null ? updated : g.add(g.uniqueName(name), new Where(), cond, updated, old);
    }
}
