package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * Layer normalization over the trailing axes from {@code axis} (normalized, non-negative):
 * μ = mean(X), σ² = mean((X − μ)²), X̂ = (X − μ)/√(σ² + ε), Y = X̂ ⊙ γ + β. Inputs (X, γ, β?), γ and β
 * shaped as the normalized axes. Gradients (LayerNormGrad), with N the normalized size:
 * dβ = Σ_rows dY, dγ = Σ_rows dY ⊙ X̂, dX = (1/σ)(g − mean(g) − X̂ ⊙ mean(g ⊙ X̂)) with g = dY ⊙ γ.
 */
public record LayerNormalization(int axis, double epsilon) implements Op {
    public LayerNormalization {
        if (!(epsilon >= 0)) throw new CompileException("LayerNormalization epsilon " + epsilon + " must be >= 0");
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 3, opType());
        TensorType x = inputs.get(0).type();
        OpSupport.requireFloat(x, "LayerNormalization input");
        if (axis >= x.rank()) throw new CompileException("LayerNormalization axis " + axis + " out of range for " + x);
        int n = OpSupport.product(x.shape(), axis, x.rank());
        for (int i = 1; i < inputs.size(); i++) {
            if (inputs.get(i) != null && inputs.get(i).type().size() != n) {
                throw new CompileException("LayerNormalization " + (i == 1 ? "scale" : "bias") + " " + inputs.get(i).type() + " does not match the " + n + " normalized elements of " + x);
            }
        }
        // γ and β share one type with X's element type: LayerNormGrad gives dγ and dβ γ's type.
        TensorType scale = inputs.get(1).type();
        if (scale.dtype() != x.dtype()) throw new CompileException("LayerNormalization scale " + scale + " is not of the input's type " + x.dtype().text());
        if (inputs.size() > 2 && inputs.get(2) != null && !inputs.get(2).type().equals(scale)) {
            throw new CompileException("LayerNormalization bias " + inputs.get(2).type() + " does not have the scale's type " + scale);
        }
        return List.of(x);
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        int n = OpSupport.product(x.shape(), axis, x.rank());
        int rows = x.size() / Math.max(n, 1);
        double[] a = x.reals();
        double[] gamma = in.get(1).reals();
        double[] beta = in.size() > 2 && in.get(2) != null ? in.get(2).reals() : null;
        double[] y = new double[a.length];
        for (int r = 0; r < rows; r++) {
            double[] st = stats(a, r * n, n, epsilon);
            for (int k = 0; k < n; k++) {
                double xh = (a[r * n + k] - st[0]) * st[1];
                y[r * n + k] = xh * gamma[k] + (beta == null ? 0 : beta[k]);
            }
        }
        return List.of(OpSupport.realLike(x.type(), y));
    }

    /** {mean, 1/√(var + ε)} of a[off .. off+n). */
    static double[] stats(double[] a, int off, int n, double eps) {
        double mean = 0;
        for (int k = 0; k < n; k++) mean += a[off + k];
        mean /= n;
        double var = 0;
        for (int k = 0; k < n; k++) {
            double d = a[off + k] - mean;
            var += d * d;
        }
        var /= n;
        return new double[] {mean, 1 / Math.sqrt(var + eps)};
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        Value beta = g.input(2);
        List<Value> d = g.emitMulti(new LayerNormGrad(axis, epsilon), g.gradOutput(0), g.input(0), g.input(1));
        return java.util.Arrays.asList(g.needsGrad(0) ? d.get(0) : null, g.needsGrad(1) ? d.get(1) : null,
                beta != null && g.needsGrad(2) ? d.get(2) : null);
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 8L * out.get(0).size(); }

    /** Whole rows (the normalized extent) per tile. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int cols = OpSupport.product(in.get(0).shape(), axis, in.get(0).rank());
        return TileContracts.rows(in.get(0).size() / Math.max(1, cols), cols, in, out);
    }
}
