package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.Value;

/** Y = A − B (broadcast). dA = sum_to_A(dY), dB = −sum_to_B(dY). */
public record Sub() implements Binary {
    @Override public double apply(double a, double b) { return a - b; }

    @Override public long applyInt(long a, long b) { return a - b; }

    @Override
    public List<Value> gradient(GradientContext g) {
        Value dy = g.gradOutput(0);
        return Arrays.asList(
                g.needsGrad(0) ? g.sumToShape(dy, g.input(0).type()) : null,
                g.needsGrad(1) ? g.sumToShape(g.emit(new Neg(), dy), g.input(1).type()) : null);
    }
}
