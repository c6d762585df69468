package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Value;

/** Y = min(max(X, min), max). dX = dY ⊙ [min ≤ X ≤ max] (ClipGrad, as torch.clamp). */
public record Clip(double min, double max) implements Unary {
    public Clip {
        if (Double.isNaN(min) || Double.isNaN(max) || min > max) throw new CompileException("Clip bounds [" + min + ", " + max + "] are not a range");
    }

    @Override public double apply(double x) { return Math.min(Math.max(x, min), max); }

    @Override public List<Value> gradient(GradientContext g) { return List.of(g.emit(new ClipGrad(min, max), g.gradOutput(0), g.input(0))); }
}
