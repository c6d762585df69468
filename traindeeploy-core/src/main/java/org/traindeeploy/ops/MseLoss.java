package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * Mean squared error over all elements of predictions P against a target T: the one-hot vectors
 * of integer labels y [N] (P [N, C]), or a floating tensor of P's type (regression targets, or a graph
 * input for reconstruction): L = (1/|P|) Σ (P − T)². dP = MseLossGrad(dL, P, T) = dL·2(P − T)/|P|.
 * T gets no gradient.
 */
public record MseLoss() implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        check(inputs, opType());
        return List.of(TensorType.of(inputs.get(0).type().dtype()));
    }

    /** (P, T): T float of P's type, or integer class labels for P [N, C]. */
    static void check(List<Value> inputs, String op) {
        TensorType p = inputs.get(0).type();
        TensorType t = inputs.get(1).type();
        if (t.dtype().isFloat()) {
            OpSupport.requireFloat(p, op + " predictions");
            if (!t.equals(p)) throw new org.traindeeploy.ir.CompileException(op + " target " + t + " does not match the predictions " + p);
            return;
        }
        SoftmaxCrossEntropy.check(inputs, op);
    }

    /** P − T, T the target or onehot(labels). */
    static double[] residual(Tensor pt, Tensor labels) {
        if (labels.dtype().isFloat()) {
            double[] r = pt.reals().clone();
            double[] t = labels.reals();
            for (int i = 0; i < r.length; i++) r[i] -= t[i];
            return r;
        }
        int n = pt.shape()[0];
        int c = pt.shape()[1];
        double[] r = pt.reals().clone();
        for (int i = 0; i < n; i++) r[i * c + SoftmaxCrossEntropy.label(labels, i, c)] -= 1;
        return r;
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        double[] r = residual(in.get(0), in.get(1));
        double s = 0;
        for (double v : r) s += v * v;
        return List.of(Tensor.scalar(in.get(0).dtype(), s / r.length));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        return Arrays.asList(g.emit(new MseLossGrad(), g.gradOutput(0), g.input(0), g.input(1)), null);
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 3L * in.get(0).size(); }

    @Override public boolean isFoldable() { return false; }

    /** Whole rows (the normalized extent) per tile. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return org.traindeeploy.ir.TileContract.whole(in, out);
    }
}
