package org.traindeeploy.ops;

/** Backward of an {@link Activation}, inputs (dY, Y or X as the activation saves): dX = dY ⊙ f′. */
public record ActivationGrad(Activation forward) implements UnaryGrad {
    @Override public String opType() { return forward.opType() + "Grad"; }

    @Override public double apply(double dy, double saved) { return forward.derivative(dy, saved); }

    @Override
    public String toString() { return opType() + (forward.toString().contains("[") ? forward.toString().substring(forward.toString().indexOf('[')) : ""); }
}
