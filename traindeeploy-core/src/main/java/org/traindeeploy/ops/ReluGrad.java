package org.traindeeploy.ops;

/** Backward of Relu, inputs (dY, Y): dX = dY ⊙ [Y > 0]. */
public record ReluGrad() implements UnaryGrad {
    @Override public double apply(double dy, double y) { return y > 0 ? dy : 0; }
}
