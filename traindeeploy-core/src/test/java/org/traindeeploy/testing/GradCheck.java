package org.traindeeploy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Mul;
import org.traindeeploy.ir.Op;
import org.traindeeploy.ops.ReduceSum;
import org.traindeeploy.train.Autodiff;

/**
 * Checks an op's gradient rule against central finite differences in float64: the loss is
 * L = Σ_k Σ r_k ⊙ y_k over the op's outputs with fixed random weights r_k; the analytic gradient
 * comes from the autodiff pass (so the rule runs as it does in training), the numeric one from
 * evaluating the op on perturbed inputs.
 */
public final class GradCheck {
    private GradCheck() {}

    /** Check d L / d inputs[i] for each i in {@code diff}; other inputs are constants. */
    public static void check(Op op, List<Tensor> inputs, int... diff) {
        Graph g = new Graph();
        List<Value> in = new ArrayList<>();
        List<Value> params = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i);
            if (t == null) {
                in.add(null);
                continue;
            }
            boolean d = contains(diff, i);
            Value v = d ? g.addState("x" + i, t) : g.addConstant("x" + i, t);
            if (d) params.add(v);
            in.add(v);
        }
        List<Value> ys = g.addNode("op", op, in, null);
        List<Tensor> weights = new ArrayList<>();
        Value loss = null;
        for (int k = 0; k < ys.size(); k++) {
            Value y = ys.get(k);
            if (!y.type().dtype().isFloat()) {
                weights.add(null);
                continue;
            }
            Tensor r = T.random(DType.DOUBLE, 1000 + k, y.type().shape());
            weights.add(r);
            Value term = g.add("sum" + k, new ReduceSum(new int[0], false), g.add("w" + k, new Mul(), y, g.addConstant("r" + k, r)));
            loss = loss == null ? term : g.add("acc" + k, new org.traindeeploy.ops.Add(), loss, term);
        }
        Map<Value, Value> grads = Autodiff.differentiate(g, loss, params);
        g.addOutput("loss", loss);
        Interpreter interp = new Interpreter(g);
        interp.run(Map.of());
        for (int i : diff) {
            Value p = params.get(indexOf(diff, i));
            Tensor analytic = interp.lastValue(grads.get(p));
            Tensor x = inputs.get(i);
            double h = 1e-6;
            for (int e = 0; e < x.size(); e++) {
                double plus = loss(op, inputs, i, e, h, weights);
                double minus = loss(op, inputs, i, e, -h, weights);
                double numeric = (plus - minus) / (2 * h);
                double a = analytic.getDouble(e);
                assertTrue(Math.abs(a - numeric) <= 1e-6 + 1e-5 * Math.abs(numeric),
                        op.opType() + ": d/d input " + i + " element " + e + ": autodiff " + a + " vs finite difference " + numeric);
            }
            assertEquals(x.size(), analytic.size());
        }
    }

    private static double loss(Op op, List<Tensor> inputs, int which, int elem, double h, List<Tensor> weights) {
        List<Tensor> in = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i);
            if (i == which) {
                t = t.copy();
                t.reals()[elem] += h;
            }
            in.add(t);
        }
        List<Tensor> out = op.evaluate(in);
        double l = 0;
        for (int k = 0; k < out.size(); k++) {
            if (weights.get(k) == null) continue;
            double[] y = out.get(k).reals();
            double[] r = weights.get(k).reals();
            for (int j = 0; j < y.length; j++) l += y[j] * r[j];
        }
        return l;
    }

    /** A float64 tensor of uniform values in [lo, hi), seeded. */
    public static Tensor uniform(long seed, double lo, double hi, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[(int) org.traindeeploy.ir.TensorType.elementCount(shape)];
        for (int i = 0; i < v.length; i++) v[i] = lo + r.nextDouble() * (hi - lo);
        return Tensor.ofReal(DType.DOUBLE, shape, v);
    }

    private static boolean contains(int[] a, int x) {
        for (int v : a) if (v == x) return true;
        return false;
    }

    private static int indexOf(int[] a, int x) {
        for (int i = 0; i < a.length; i++) if (a[i] == x) return i;
        return -1;
    }
}
