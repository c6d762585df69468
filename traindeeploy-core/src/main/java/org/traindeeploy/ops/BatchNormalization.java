package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * Batch normalization over the channel axis 1 of X [N, C, ...]; inputs (X, γ, β, running mean,
 * running variance), each of the last four [C].
 * <ul>
 * <li>Inference mode: Y = (X − mean)/√(var + ε) ⊙ γ + β with the given (frozen) statistics; one output.</li>
 * <li>Training mode ({@code training_mode=1}, PyTorch train mode): μ and the biased σ² of X over every axis
 * but the channel (M = N·H·W… elements per channel), Y = (X − μ)/√(σ² + ε) ⊙ γ + β; the running
 * statistics do not enter Y. Outputs 2 and 3 are the running statistics updated as PyTorch does:
 * r ← m·r + (1 − m)·μ, v ← m·v + (1 − m)·σ²·M/(M − 1) (the unbiased variance), with ONNX's momentum m
 * (PyTorch's 1 − momentum).</li>
 * </ul>
 * Gradients (BatchNormGrad, per channel, x̂ the normalized input): dβ = Σ dY, dγ = Σ dY ⊙ x̂; inference
 * dX = dY ⊙ γ/√(var + ε); training dX = γ/√(σ² + ε) · (dY − dβ/M − x̂ ⊙ dγ/M). The statistics get no gradient.
 */
public record BatchNormalization(double epsilon, double momentum, boolean training) implements Op {
    public BatchNormalization {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) throw new CompileException("BatchNormalization epsilon " + epsilon + " must be >= 0");
        if (!(momentum >= 0 && momentum <= 1)) throw new CompileException("BatchNormalization momentum " + momentum + " must be within [0, 1]");
    }

    /** {outer N, channels C, inner H·W·…} of X's shape. */
    static int[] layout(int[] x) {
        return new int[] {x[0], x[1], OpSupport.product(x, 2, x.length)};
    }

    static void checkTypes(List<Value> inputs, int params, String op) {
        TensorType x = inputs.get(0).type();
        OpSupport.requireFloat(x, op + " input");
        if (x.rank() < 2) throw new CompileException(op + " needs an input of rank >= 2 [N, C, ...], got " + x);
        int c = x.dim(1);
        for (int i = 1; i <= params; i++) {
            Value p = inputs.get(i);
            if (p == null) throw new CompileException(op + " input " + i + " is required");
            if (p.type().dtype() != x.dtype() || p.type().rank() != 1 || p.type().dim(0) != c) {
                throw new CompileException(op + " input " + i + " " + p.type() + " must be [" + c + "] of the input's type " + x.dtype().text());
            }
        }
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 5, 5, opType());
        checkTypes(inputs, 4, opType());
        TensorType x = inputs.get(0).type();
        TensorType c = inputs.get(1).type();
        return training ? List.of(x, c, c) : List.of(x);
    }

    /** Per channel {mean, 1/√(var + ε), biased var} of X over every axis but 1. */
    static double[][] batchStats(double[] x, int[] l, double eps) {
        int n = l[0], c = l[1], inner = l[2];
        double m = (double) n * inner;
        double[] mean = new double[c];
        double[] inv = new double[c];
        double[] var = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int b = 0; b < n; b++) for (int i = 0; i < inner; i++) s += x[(b * c + ch) * inner + i];
            double mu = s / m;
            double v = 0;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < inner; i++) {
                    double d = x[(b * c + ch) * inner + i] - mu;
                    v += d * d;
                }
            }
            v /= m;
            mean[ch] = mu;
            var[ch] = v;
            inv[ch] = 1 / Math.sqrt(v + eps);
        }
        return new double[][] {mean, inv, var};
    }

    /** {mean, 1/√(var + ε)} of the frozen statistics. */
    static double[][] frozenStats(double[] mean, double[] var, double eps) {
        double[] inv = new double[mean.length];
        for (int ch = 0; ch < inv.length; ch++) inv[ch] = 1 / Math.sqrt(var[ch] + eps);
        return new double[][] {mean, inv};
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor xt = in.get(0);
        int[] l = layout(xt.shape());
        double[] x = xt.reals();
        double[] gamma = in.get(1).reals();
        double[] beta = in.get(2).reals();
        double[][] st = training ? batchStats(x, l, epsilon) : frozenStats(in.get(3).reals(), in.get(4).reals(), epsilon);
        double[] y = new double[x.length];
        for (int b = 0; b < l[0]; b++) {
            for (int ch = 0; ch < l[1]; ch++) {
                int base = (b * l[1] + ch) * l[2];
                for (int i = 0; i < l[2]; i++) y[base + i] = (x[base + i] - st[0][ch]) * st[1][ch] * gamma[ch] + beta[ch];
            }
        }
        List<Tensor> out = new ArrayList<>(List.of(OpSupport.realLike(xt.type(), y)));
        if (training) {
            double m = (double) l[0] * l[2];
            double[] rm = in.get(3).reals().clone();
            double[] rv = in.get(4).reals().clone();
            for (int ch = 0; ch < l[1]; ch++) {
                rm[ch] = momentum * rm[ch] + (1 - momentum) * st[0][ch];
                rv[ch] = momentum * rv[ch] + (1 - momentum) * st[2][ch] * (m > 1 ? m / (m - 1) : 1);
            }
            out.add(OpSupport.realLike(in.get(3).type(), rm));
            out.add(OpSupport.realLike(in.get(4).type(), rv));
        }
        return out;
    }

    @Override public boolean isFoldable() { return !training; }

    @Override
    public List<Value> gradient(GradientContext g) {
        if (!training && (g.needsGrad(3) || g.needsGrad(4))) {
            throw new CompileException("the running statistics of an inference-mode BatchNormalization cannot be trained");
        }
        List<Value> d = training
                ? g.emitMulti(new BatchNormGrad(epsilon, true), g.gradOutput(0), g.input(0), g.input(1))
                : g.emitMulti(new BatchNormGrad(epsilon, false), g.gradOutput(0), g.input(0), g.input(1), g.input(3), g.input(4));
        return Arrays.asList(g.needsGrad(0) ? d.get(0) : null, g.needsGrad(1) ? d.get(1) : null, g.needsGrad(2) ? d.get(2) : null, null, null);
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return (training ? 7L : 4L) * in.get(0).size(); }

    /** Channel blocks: every channel's statistics need only its own [N, 1, inner] slab. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int[] l = BatchNormalization.layout(in.get(0).shape());
        return TileContracts.channels(l[0], l[1], l[2], in, out);
    }
}
