package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Value;

/** Y = A / B (broadcast; integers truncate). dA = sum_to_A(dY / B), dB = −sum_to_B(dY ⊙ Y / B). */
public record Div() implements Binary {
    @Override public double apply(double a, double b) { return a / b; }

    @Override
    public long applyInt(long a, long b) {
        if (b == 0) throw new CompileException("integer division by zero");
        return a / b;
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        Value dy = g.gradOutput(0);
        Value b = g.input(1);
        Value da = g.needsGrad(0) ? g.sumToShape(g.emit(new Div(), dy, b), g.input(0).type()) : null;
        Value db = null;
        if (g.needsGrad(1)) {
            Value t = g.emit(new Div(), g.emit(new Mul(), dy, g.output(0)), b);
            db = g.sumToShape(g.emit(new Neg(), t), b.type());
        }
        return Arrays.asList(da, db);
    }
}
