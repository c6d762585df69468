package org.traindeeploy.ops;

import java.util.List;
import org.traindeeploy.ir.TensorType;

/** Backward of Gelu, inputs (dY, X): dX = dY ⊙ GELU′(X), with GELU′(x) = Φ(x) + x·φ(x) (or the tanh form's derivative). */
public record GeluGrad(boolean tanh) implements UnaryGrad {
    @Override public double apply(double dy, double x) { return dy * new Gelu(tanh).derivative(x); }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 25L * out.get(0).size(); }
}
