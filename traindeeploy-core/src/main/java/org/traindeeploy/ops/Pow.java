package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Value;

/** Y = A ^ B (broadcast). dA = sum_to_A(dY ⊙ B ⊙ A^(B−1)); no gradient through the exponent. */
public record Pow() implements Binary {
    @Override public double apply(double a, double b) { return Math.pow(a, b); }

    @Override public long applyInt(long a, long b) { return (long) Math.pow(a, b); }

    @Override
    public List<Value> gradient(GradientContext g) {
        if (g.needsGrad(1)) throw new CompileException("Pow: no gradient through the exponent ('" + g.input(1).name() + "')");
        Value a = g.input(0);
        Value b = g.input(1);
        Value bm1 = g.emit(new Sub(), b, g.scalar(1, b));
        Value t = g.emit(new Mul(), g.emit(new Mul(), g.gradOutput(0), b), g.emit(new Pow(), a, bm1));
        return Arrays.asList(g.sumToShape(t, a.type()), null);
    }
}
