package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.ArrayList;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * PyTorch SGD for one tensor, inputs (θ, g[, v]) and outputs (θ′[, v′]):
 * d = g + λθ; with momentum μ: v′ = μv + d (v starts at 0, which equals PyTorch's first-step
 * v = d), d = v′ (or d + μv′ with Nesterov); θ′ = θ − η·d.
 */
public record SgdUpdate(double lr, double momentum, double weightDecay, boolean nesterov) implements Op {
    public SgdUpdate {
        if (!(lr >= 0) || !(momentum >= 0) || !(weightDecay >= 0)) throw new CompileException("SGD lr, momentum and weight decay must be >= 0");
        if (nesterov && momentum == 0) throw new CompileException("Nesterov momentum needs a momentum > 0");
    }

    public boolean hasVelocity() { return momentum != 0; }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, hasVelocity() ? 3 : 2, hasVelocity() ? 3 : 2, opType());
        TensorType p = inputs.get(0).type();
        for (Value v : inputs) if (!v.type().equals(p)) throw new CompileException("SgdUpdate operands differ: " + p + " vs " + v.type());
        return hasVelocity() ? List.of(p, p) : List.of(p);
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        double[] p = in.get(0).reals();
        double[] g = in.get(1).reals();
        double[] np = new double[p.length];
        double[] nv = hasVelocity() ? new double[p.length] : null;
        boolean round = in.get(0).dtype() == org.traindeeploy.ir.DType.FLOAT;
        for (int i = 0; i < p.length; i++) {
            double d = g[i] + weightDecay * p[i];
            if (round) d = (float) d;
            if (hasVelocity()) {
                double v = momentum * in.get(2).reals()[i] + d;
                if (round) v = (float) v;
                nv[i] = v;
                d = nesterov ? d + momentum * v : v;
            }
            np[i] = p[i] - lr * d;
        }
        List<Tensor> out = new ArrayList<>();
        out.add(OpSupport.realLike(in.get(0).type(), np));
        if (hasVelocity()) out.add(OpSupport.realLike(in.get(0).type(), nv));
        return out;
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 4L * in.get(0).size(); }

    @Override public boolean isFoldable() { return false; }

    @Override public boolean canRunInPlace() { return true; }

    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.elementwise(in, out);
    }
}
