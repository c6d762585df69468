package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * Cross-entropy of logits Z [N, C] against integer labels y [N], mean over the batch, computed
 * stably: L = (1/N) Σ_n (logΣ_c exp(Z[n,c] − m_n) + m_n − Z[n, y_n]). The output is a scalar.
 * dZ = SoftmaxCrossEntropyGrad(dL, Z, y) = dL·(softmax(Z) − onehot(y))/N.
 */
public record SoftmaxCrossEntropy() implements Op {
    static void check(List<Value> inputs, String op) {
        TensorType z = inputs.get(0).type();
        TensorType y = inputs.get(1).type();
        OpSupport.requireFloat(z, op + " logits");
        if (z.rank() != 2) throw new CompileException(op + " expects logits [N, classes], got " + z);
        if (y.dtype() != DType.INT64 && y.dtype() != DType.INT32) throw new CompileException(op + " labels must be integers, got " + y);
        if (!Arrays.equals(y.shape(), new int[] {z.dim(0)})) throw new CompileException(op + " labels " + y + " do not match logits " + z);
    }

    static int label(Tensor labels, int n, int classes) {
        long c = labels.getLong(n);
        if (c < 0 || c >= classes) throw new CompileException("label " + c + " of sample " + n + " is outside [0, " + classes + ")");
        return (int) c;
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        check(inputs, opType());
        return List.of(TensorType.of(inputs.get(0).type().dtype()));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor zt = in.get(0);
        int n = zt.shape()[0];
        int c = zt.shape()[1];
        double[] z = zt.reals();
        double loss = 0;
        for (int r = 0; r < n; r++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) m = Math.max(m, z[r * c + k]);
            double s = 0;
            for (int k = 0; k < c; k++) s += Math.exp(z[r * c + k] - m);
            loss += Math.log(s) + m - z[r * c + label(in.get(1), r, c)];
        }
        return List.of(Tensor.scalar(zt.dtype(), loss / n));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        return Arrays.asList(g.emit(new SoftmaxCrossEntropyGrad(), g.gradOutput(0), g.input(0), g.input(1)), null);
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 12L * in.get(0).size(); }

    @Override public boolean isFoldable() { return false; }

    /** Whole rows (the normalized extent) per tile. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return org.traindeeploy.ir.TileContract.whole(in, out);
    }
}
