package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.List;
import org.traindeeploy.ir.Value;

/** Y = max(X, 0). dX = dY ⊙ [Y > 0] (ReluGrad). */
public record Relu() implements Unary {
    @Override public double apply(double x) { return x > 0 ? x : 0; }

    @Override public List<Value> gradient(GradientContext g) { return List.of(g.emit(new ReluGrad(), g.gradOutput(0), g.output(0))); }
}
