package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Value;

/**
 * Y = X·Φ(X) = ½X(1 + erf(X/√2)), or with {@code tanh} approximation ½X(1 + tanh(√(2/π)(X + 0.044715X³))).
 * dX = dY ⊙ GELU′(X) (GeluGrad).
 */
public record Gelu(boolean tanh) implements Unary {
    static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    public static Gelu of(String approximate) {
        return switch (approximate) {
            case "none" -> new Gelu(false);
            case "tanh" -> new Gelu(true);
            default -> throw new CompileException("Gelu approximate='" + approximate + "' is not 'none' or 'tanh'");
        };
    }

    @Override
    public double apply(double x) {
        if (tanh) return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
        return 0.5 * x * (1 + MathFunctions.erf(x / Math.sqrt(2)));
    }

    /** GELU′(x). */
    public double derivative(double x) {
        if (tanh) {
            double t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
        }
        return 0.5 * (1 + MathFunctions.erf(x / Math.sqrt(2))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }

    @Override public List<Value> gradient(GradientContext g) { return List.of(g.emit(new GeluGrad(tanh), g.gradOutput(0), g.input(0))); }

    @Override public long flops(List<org.traindeeploy.ir.TensorType> in, List<org.traindeeploy.ir.TensorType> out) { return 20L * out.get(0).size(); }
}
