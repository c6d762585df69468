package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * Softmax along {@code axis} (normalized, non-negative). Y = exp(X − max) / Σ exp(X − max).
 * dX = Y ⊙ (dY − Σ_axis(dY ⊙ Y)) (SoftmaxGrad). Opset < 13's flattening form is imported as a
 * Softmax over the last axis when the axis is the last one.
 */
public record Softmax(int axis) implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        TensorType t = inputs.get(0).type();
        OpSupport.requireFloat(t, "Softmax input");
        if (axis >= t.rank()) throw new org.traindeeploy.ir.CompileException("Softmax axis " + axis + " out of range for " + t);
        return List.of(t);
    }

    /** [outer, n, inner] extents of a tensor split around {@code axis}. */
    static int[] split(int[] shape, int axis) {
        return new int[] {OpSupport.product(shape, 0, axis), shape[axis], OpSupport.product(shape, axis + 1, shape.length)};
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        int[] s = split(x.shape(), axis);
        double[] a = x.reals();
        double[] y = new double[a.length];
        for (int o = 0; o < s[0]; o++) {
            for (int i = 0; i < s[2]; i++) {
                int base = o * s[1] * s[2] + i;
                double m = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < s[1]; k++) m = Math.max(m, a[base + k * s[2]]);
                double sum = 0;
                for (int k = 0; k < s[1]; k++) {
                    double e = Math.exp(a[base + k * s[2]] - m);
                    y[base + k * s[2]] = e;
                    sum += e;
                }
                for (int k = 0; k < s[1]; k++) y[base + k * s[2]] /= sum;
            }
        }
        return List.of(OpSupport.realLike(x.type(), y));
    }

    @Override public List<Value> gradient(GradientContext g) { return List.of(g.emit(new SoftmaxGrad(axis), g.gradOutput(0), g.output(0))); }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 12L * out.get(0).size(); }

    /** Whole rows (the normalized extent) per tile. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.rows(OpSupport.product(in.get(0).shape(), 0, axis), OpSupport.product(in.get(0).shape(), axis, in.get(0).rank()), in, out);
    }
}
