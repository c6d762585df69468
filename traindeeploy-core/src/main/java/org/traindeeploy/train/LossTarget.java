package org.traindeeploy.train;

import org.traindeeploy.ir.CompileException;

/**
 * What the loss compares the model's output with: integer class labels (a {@code labels} input
 * [batch], one-hot for MSE), float values of the output's shape (a {@code labels} input; regression
 * with MSE), or a graph input of the output's shape (reconstruction with MSE, e.g. an autoencoder's
 * own input; no labels input then).
 */
public record LossTarget(Kind kind, String input) {
    public enum Kind { CLASSES, VALUES, INPUT }

    public static final LossTarget CLASSES = new LossTarget(Kind.CLASSES, null);
    public static final LossTarget VALUES = new LossTarget(Kind.VALUES, null);

    public LossTarget {
        if ((kind == Kind.INPUT) != (input != null)) throw new IllegalArgumentException("a graph-input target needs exactly the input's name");
    }

    public static LossTarget input(String name) {
        if (name == null || name.isEmpty()) throw new CompileException("--target needs a graph input name");
        return new LossTarget(Kind.INPUT, name);
    }

    /** The --target flag: {@code labels} (class labels), {@code values} (float targets) or a graph input's name. */
    public static LossTarget parse(String s) {
        if (s == null || s.equals("labels")) return CLASSES;
        if (s.equals("values")) return VALUES;
        return input(s);
    }

    /** Whether the step reads a labels input (class labels or values). */
    public boolean hasLabels() { return kind != Kind.INPUT; }

    @Override
    public String toString() { return kind == Kind.INPUT ? input : kind == Kind.CLASSES ? "labels" : "values"; }
}
