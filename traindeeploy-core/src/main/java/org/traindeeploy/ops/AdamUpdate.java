package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * PyTorch Adam for one tensor, inputs (θ, g, m, v, t) with t the step number (1 on the first
 * step) and outputs (θ′, m′, v′): g += λθ; m′ = β₁m + (1−β₁)g; v′ = β₂v + (1−β₂)g²;
 * θ′ = θ − (η/(1−β₁ᵗ))·m′/(√v′/√(1−β₂ᵗ) + ε).
 */
public record AdamUpdate(double lr, double beta1, double beta2, double eps, double weightDecay) implements Op {
    public AdamUpdate {
        if (!(lr >= 0) || !(eps >= 0) || !(weightDecay >= 0)) throw new CompileException("Adam lr, eps and weight decay must be >= 0");
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new CompileException("Adam betas must be in [0, 1)");
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 5, 5, opType());
        TensorType p = inputs.get(0).type();
        for (int i = 1; i < 4; i++) if (!inputs.get(i).type().equals(p)) throw new CompileException("AdamUpdate operands differ: " + p + " vs " + inputs.get(i).type());
        if (inputs.get(4).type().size() != 1) throw new CompileException("AdamUpdate step must be a scalar");
        return List.of(p, p, p);
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        double[] p = in.get(0).reals();
        double[] g = in.get(1).reals();
        double[] m = in.get(2).reals();
        double[] v = in.get(3).reals();
        double t = in.get(4).getDouble(0);
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = Math.sqrt(1 - Math.pow(beta2, t));
        double step = lr / bc1;
        boolean round = in.get(0).dtype() == org.traindeeploy.ir.DType.FLOAT;
        double[] np = new double[p.length];
        double[] nm = new double[p.length];
        double[] nv = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] + weightDecay * p[i];
            double mi = beta1 * m[i] + (1 - beta1) * gi;
            double vi = beta2 * v[i] + (1 - beta2) * gi * gi;
            if (round) {
                mi = (float) mi;
                vi = (float) vi;
            }
            nm[i] = mi;
            nv[i] = vi;
            np[i] = p[i] - step * mi / (Math.sqrt(vi) / bc2 + eps);
        }
        TensorType tt = in.get(0).type();
        return List.of(OpSupport.realLike(tt, np), OpSupport.realLike(tt, nm), OpSupport.realLike(tt, nv));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 12L * in.get(0).size(); }

    @Override public boolean isFoldable() { return false; }

    @Override public boolean canRunInPlace() { return true; }

    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.elementwise(in, out);
    }
}
