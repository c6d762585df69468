package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Value;

/**
 * The pointwise activations with at most two scalar parameters, one record for all of them (their
 * backward is one op too, {@link ActivationGrad}): {@code y = f(x; α, β)}.
 * <pre>
 * Sigmoid       1/(1 + e^−x)                       f′ = y(1 − y)              (saves Y)
 * Tanh          tanh x                             f′ = 1 − y²                (saves Y)
 * HardSigmoid   max(0, min(1, αx + β))             f′ = α on 0 &lt; αx+β &lt; 1    (saves X)
 * HardSwish     x·max(0, min(1, x/6 + 1/2))        f′ = 0 / x/3 + 1/2 / 1 for x &lt; −3 / −3 ≤ x ≤ 3 / x &gt; 3 (saves X, as PyTorch)
 * LeakyRelu     x ≥ 0 ? x : αx                     f′ = x &gt; 0 ? 1 : α        (saves X)
 * </pre>
 * Derivatives at the kinks are PyTorch's.
 */
public record Activation(Kind kind, double alpha, double beta) implements Unary {

    /** Which function; {@link #onnx} is its ONNX op type (its C opcode: codegen's KernelOpcodes). */
    public enum Kind {
        SIGMOID("Sigmoid", true), TANH("Tanh", true), HARD_SIGMOID("HardSigmoid", false), HARD_SWISH("HardSwish", false),
        LEAKY_RELU("LeakyRelu", false);

        private final String onnx;
        private final boolean savesOutput;

        Kind(String onnx, boolean savesOutput) {
            this.onnx = onnx;
            this.savesOutput = savesOutput;
        }

        public String onnx() { return onnx; }

        /** Whether the backward reads Y (else X). */
        public boolean savesOutput() { return savesOutput; }
    }

    public Activation {
        if (kind == null) throw new CompileException("Activation without a kind");
        if (!Double.isFinite(alpha) || !Double.isFinite(beta)) throw new CompileException(kind.onnx + " parameters must be finite, got alpha " + alpha + ", beta " + beta);
    }

    public static Activation of(Kind kind) { return new Activation(kind, 0, 0); }

    @Override public String opType() { return kind.onnx; }

    @Override
    public double apply(double x) {
        return switch (kind) {
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case HARD_SIGMOID -> Math.max(0, Math.min(1, alpha * x + beta));
            case HARD_SWISH -> x * Math.max(0, Math.min(1, x / 6 + 0.5));
            case LEAKY_RELU -> x >= 0 ? x : alpha * x;
        };
    }

    /** dX for one element, from dY and the saved element (Y or X, {@link Kind#savesOutput}). */
    double derivative(double dy, double s) {
        return switch (kind) {
            case SIGMOID -> dy * s * (1 - s);
            case TANH -> dy * (1 - s * s);
            case HARD_SIGMOID -> {
                double v = alpha * s + beta;
                yield v > 0 && v < 1 ? dy * alpha : 0;
            }
            case HARD_SWISH -> s < -3 ? 0 : s <= 3 ? dy * (s / 3 + 0.5) : dy;
            case LEAKY_RELU -> s > 0 ? dy : dy * alpha;
        };
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        return List.of(g.emit(new ActivationGrad(this), g.gradOutput(0), kind.savesOutput ? g.output(0) : g.input(0)));
    }

    @Override
    public long flops(List<org.traindeeploy.ir.TensorType> in, List<org.traindeeploy.ir.TensorType> out) {
        return (kind == Kind.SIGMOID || kind == Kind.TANH ? 4L : 3L) * out.get(0).size();
    }

    @Override
    public String toString() {
        return kind.onnx + (kind == Kind.HARD_SIGMOID ? "[alpha=" + alpha + ", beta=" + beta + "]" : kind == Kind.LEAKY_RELU ? "[alpha=" + alpha + "]" : "");
    }
}
