package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.List;
import org.traindeeploy.ir.Value;

/** Y = erf(X). dX = dY ⊙ (2/√π)·exp(−X²). */
public record Erf() implements Unary {
    @Override public double apply(double x) { return MathFunctions.erf(x); }

    @Override
    public List<Value> gradient(GradientContext g) {
        Value x = g.input(0);
        Value e = g.emit(new Exp(), g.emit(new Neg(), g.emit(new Mul(), x, x)));
        Value k = g.emit(new Mul(), e, g.scalar(2 / Math.sqrt(Math.PI), x));
        return List.of(g.emit(new Mul(), g.gradOutput(0), k));
    }
}
