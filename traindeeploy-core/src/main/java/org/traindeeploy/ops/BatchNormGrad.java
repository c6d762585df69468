package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * Backward of {@link BatchNormalization}, outputs (dX, dγ, dβ). Training mode: inputs (dY, X, γ), the
 * batch statistics recomputed from X, dX = γ/√(σ² + ε) · (dY − dβ/M − x̂ ⊙ dγ/M). Inference mode:
 * inputs (dY, X, γ, mean, var), dX = dY ⊙ γ/√(var + ε). Both: dβ = Σ dY, dγ = Σ dY ⊙ x̂ per channel.
 */
public record BatchNormGrad(double epsilon, boolean training) implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        int params = training ? 1 : 3;
        OpSupport.arity(inputs, 2 + params, 2 + params, opType());
        BatchNormalization.checkTypes(inputs.subList(1, inputs.size()), params, opType());
        if (!inputs.get(0).type().equals(inputs.get(1).type())) {
            throw new org.traindeeploy.ir.CompileException(opType() + " dY " + inputs.get(0).type() + " differs from X " + inputs.get(1).type());
        }
        TensorType c = inputs.get(2).type();
        return List.of(inputs.get(1).type(), c, c);
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        double[] dy = in.get(0).reals();
        Tensor xt = in.get(1);
        double[] x = xt.reals();
        double[] gamma = in.get(2).reals();
        int[] l = BatchNormalization.layout(xt.shape());
        double[][] st = training ? BatchNormalization.batchStats(x, l, epsilon)
                : BatchNormalization.frozenStats(in.get(3).reals(), in.get(4).reals(), epsilon);
        int n = l[0], c = l[1], inner = l[2];
        double m = (double) n * inner;
        double[] dg = new double[c];
        double[] db = new double[c];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (b * c + ch) * inner;
                for (int i = 0; i < inner; i++) {
                    double xh = (x[base + i] - st[0][ch]) * st[1][ch];
                    dg[ch] += dy[base + i] * xh;
                    db[ch] += dy[base + i];
                }
            }
        }
        double[] dx = new double[x.length];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (b * c + ch) * inner;
                double k = gamma[ch] * st[1][ch];
                for (int i = 0; i < inner; i++) {
                    if (training) {
                        double xh = (x[base + i] - st[0][ch]) * st[1][ch];
                        dx[base + i] = k * (dy[base + i] - db[ch] / m - xh * dg[ch] / m);
                    } else {
                        dx[base + i] = k * dy[base + i];
                    }
                }
            }
        }
        TensorType pt = in.get(2).type();
        return List.of(OpSupport.realLike(xt.type(), dx), OpSupport.realLike(pt, dg), OpSupport.realLike(pt, db));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return (training ? 12L : 6L) * out.get(0).size(); }

    /** Channel blocks: every channel's statistics need only its own [N, 1, inner] slab. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int[] l = BatchNormalization.layout(in.get(1).shape());
        return TileContracts.channels(l[0], l[1], l[2], in, out);
    }
}
