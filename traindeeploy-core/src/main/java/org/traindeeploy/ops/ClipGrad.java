package org.traindeeploy.ops;

/** Backward of Clip, inputs (dY, X): dX = dY ⊙ [min ≤ X ≤ max]. */
public record ClipGrad(double min, double max) implements UnaryGrad {
    @Override public double apply(double dy, double x) { return x >= min && x <= max ? dy : 0; }
}
