package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.List;
import org.traindeeploy.ir.Value;

/** Y = −X. dX = −dY. */
public record Neg() implements Unary {
    @Override public double apply(double x) { return -x; }

    @Override public List<Value> gradient(GradientContext g) { return List.of(g.emit(new Neg(), g.gradOutput(0))); }
}
