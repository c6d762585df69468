package org.traindeeploy.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import org.traindeeploy.ops.ReduceSum;
import org.traindeeploy.ops.Reshape;

/**
 * Reverse-mode differentiation of a scalar loss with respect to chosen state tensors. Only values
 * that both depend on a trainable tensor and lead to the loss get gradients, so backward work that
 * no trainable tensor needs is never built (input gradients stop at the first trainable layer).
 * Gradients of a value read several times are summed; broadcasting is reduced back by each rule
 * through {@link GradientContext#sumToShape}.
 */
public final class Autodiff {
    private Autodiff() {}

    /** Adds the backward graph to {@code g}; returns d loss / d p for each p of {@code params}, in order. */
    public static Map<Value, Value> differentiate(Graph g, Value loss, List<Value> params) {
        if (loss.type().size() != 1) throw new CompileException("the loss must be a scalar, got " + loss.type());
        Set<Value> needs = relevant(g, loss, params);
        Map<Value, Value> grad = new IdentityHashMap<>();
        grad.put(loss, g.constant("loss_grad_seed", Tensor.scalar(loss.type().dtype(), 1.0).reshape(loss.type().shape())));
        List<Node> forward = new ArrayList<>(g.nodes());
        Collections.reverse(forward);
        for (Node n : forward) {
            if (n.outputs().stream().noneMatch(grad::containsKey)) continue;
            boolean[] want = new boolean[n.inputs().size()];
            boolean any = false;
            for (int i = 0; i < want.length; i++) {
                Value v = n.input(i);
                want[i] = v != null && needs.contains(v);
                any |= want[i];
            }
            if (!any) continue;
            Ctx ctx = new Ctx(g, n, grad, want);
            List<Value> dIn;
            try {
                dIn = n.op().gradient(ctx);
            } catch (CompileException e) {
                throw CompileException.atNode(n, e.getMessage() + "; it lies between a trainable tensor and the loss");
            }
            for (int i = 0; i < want.length; i++) {
                if (!want[i] || i >= dIn.size() || dIn.get(i) == null) continue;
                Value v = n.input(i);
                Value d = dIn.get(i);
                if (!d.type().equals(v.type())) {
                    throw new IllegalStateException("gradient rule of " + n + " gave " + d.type() + " for input %" + v.name() + " of type " + v.type());
                }
                Value prev = grad.get(v);
                grad.put(v, prev == null ? d : g.add(g.uniqueName(v.name() + "/grad_sum"), new org.traindeeploy.ops.Add(), prev, d));
            }
        }
        Map<Value, Value> out = new LinkedHashMap<>();
        for (Value p : params) {
            Value d = grad.get(p);
            if (d == null) throw new CompileException("trainable tensor '" + p.name() + "' does not influence the loss");
            out.put(p, d);
        }
        return out;
    }

    /** Values that depend on a parameter and that the loss depends on. */
    static Set<Value> relevant(Graph g, Value loss, List<Value> params) {
        Set<Value> fromParams = Collections.newSetFromMap(new IdentityHashMap<>());
        fromParams.addAll(params);
        for (Node n : g.nodes()) {
            if (n.inputs().stream().anyMatch(fromParams::contains)) {
                for (Value o : n.outputs()) if (o.type().dtype().isFloat()) fromParams.add(o);
            }
        }
        Set<Value> toLoss = Collections.newSetFromMap(new IdentityHashMap<>());
        toLoss.add(loss);
        List<Node> nodes = new ArrayList<>(g.nodes());
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (n.outputs().stream().anyMatch(toLoss::contains)) {
                for (Value v : n.inputs()) if (v != null) toLoss.add(v);
            }
        }
        fromParams.retainAll(toLoss);
        return fromParams;
    }

    private static final class Ctx implements GradientContext {
        private final Graph g;
        private final Node node;
        private final Map<Value, Value> grad;
        private final boolean[] want;

        Ctx(Graph g, Node node, Map<Value, Value> grad, boolean[] want) {
            this.g = g;
            this.node = node;
            this.grad = grad;
            this.want = want;
        }

        @Override public Node node() { return node; }

        @Override public Value gradOutput(int i) { return grad.get(node.output(i)); }

        @Override public boolean needsGrad(int i) { return i < want.length && want[i]; }

        private String name(Op op) { return g.uniqueName(node.name() + "/grad/" + op.opType()); }

        @Override public Value emit(Op op, Value... inputs) { return g.add(name(op), op, inputs); }

        @Override public List<Value> emitMulti(Op op, Value... inputs) { return g.addNode(name(op), op, Arrays.asList(inputs), null); }

        @Override public Value constant(Tensor t) { return g.constant(node.name() + "/grad/const", t); }

        @Override
        public Value sumToShape(Value d, TensorType target) {
            if (d.type().sameShape(target)) return d;
            int[] ds = d.type().shape();
            int[] ts = target.shape();
            int off = ds.length - ts.length;
            List<Integer> axes = new ArrayList<>();
            for (int i = 0; i < ds.length; i++) {
                if (i < off || (ts[i - off] == 1 && ds[i] != 1)) axes.add(i);
            }
            Value s = axes.isEmpty() ? d : emit(new ReduceSum(axes.stream().mapToInt(Integer::intValue).toArray(), true), d);
            return s.type().sameShape(target) ? s : emit(new Reshape(ts), s);
        }
    }
}
