package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.List;
import org.traindeeploy.ir.Value;

/** Y = eˣ. dX = dY ⊙ Y. */
public record Exp() implements Unary {
    @Override public double apply(double x) { return Math.exp(x); }

    @Override public List<Value> gradient(GradientContext g) { return List.of(g.emit(new Mul(), g.gradOutput(0), g.output(0))); }
}
