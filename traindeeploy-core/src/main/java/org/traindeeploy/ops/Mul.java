package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.Value;

/** Y = A ⊙ B (broadcast). dA = sum_to_A(dY ⊙ B), dB = sum_to_B(dY ⊙ A). */
public record Mul() implements Binary {
    @Override public double apply(double a, double b) { return a * b; }

    @Override public long applyInt(long a, long b) { return a * b; }

    @Override
    public List<Value> gradient(GradientContext g) {
        Value dy = g.gradOutput(0);
        return Arrays.asList(
                g.needsGrad(0) ? g.sumToShape(g.emit(new Mul(), dy, g.input(1)), g.input(0).type()) : null,
                g.needsGrad(1) ? g.sumToShape(g.emit(new Mul(), dy, g.input(0)), g.input(1).type()) : null);
    }
}
