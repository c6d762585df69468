package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.List;
import org.traindeeploy.ir.Value;

/** Y = √X. dX = dY ⊙ 0.5 / Y. */
public record Sqrt() implements Unary {
    @Override public double apply(double x) { return Math.sqrt(x); }

    @Override
    public List<Value> gradient(GradientContext g) {
        Value y = g.output(0);
        return List.of(g.emit(new Div(), g.emit(new Mul(), g.gradOutput(0), g.scalar(0.5, y)), y));
    }
}
