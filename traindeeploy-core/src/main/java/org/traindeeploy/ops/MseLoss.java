package org.traindeeploy.ops;

import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * Mean squared error of predictions P [N, C] against the one-hot vectors of integer labels y [N]:
 * L = (1/(N·C)) Σ (P − onehot(y))². dP = MseLossGrad(dL, P, y) = dL·2(P − onehot(y))/(N·C).
 */
public record MseLoss() implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        SoftmaxCrossEntropy.check(inputs, opType());
        return List.of(TensorType.of(inputs.get(0).type().dtype()));
    }

    /** P − onehot(y). */
    static double[] residual(Tensor pt, Tensor labels) {
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
    public org.traindeeploy.tiling.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return org.traindeeploy.tiling.TileContract.whole(in, out);
    }
}
