package org.traindeeploy.train;

import org.traindeeploy.ir.CompileException;

/** Optimizer settings with PyTorch's meanings and defaults. */
public record OptimizerSpec(Type type, double lr, double momentum, double weightDecay, boolean nesterov,
                            double beta1, double beta2, double eps) {
    public enum Type { SGD, ADAM }

    /**
     * Every setting is checked here, before any model is read, and named as its command-line flag
     * (a manifest uses the same names): an infinite momentum or a NaN epsilon would otherwise
     * compile into a training step that silently produces NaN weights.
     */
    public OptimizerSpec {
        if (!(lr > 0) || !Double.isFinite(lr)) throw new CompileException("--lr " + lr + " must be a positive number");
        if (!(momentum >= 0) || !Double.isFinite(momentum)) throw new CompileException("--momentum " + momentum + " must be a number >= 0");
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) throw new CompileException("--weight-decay " + weightDecay + " must be a number >= 0");
        if (type == Type.ADAM) {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new CompileException("--betas " + beta1 + "," + beta2 + " must both lie in [0, 1)");
            if (!(eps >= 0) || !Double.isFinite(eps)) throw new CompileException("--eps " + eps + " must be a number >= 0");
        }
    }

    public static OptimizerSpec sgd(double lr, double momentum, double weightDecay) {
        return new OptimizerSpec(Type.SGD, lr, momentum, weightDecay, false, 0.9, 0.999, 1e-8);
    }

    public static OptimizerSpec adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new OptimizerSpec(Type.ADAM, lr, 0, weightDecay, false, beta1, beta2, eps);
    }

    public static Type parseType(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "sgd" -> Type.SGD;
            case "adam" -> Type.ADAM;
            default -> throw new CompileException("unknown optimizer '" + s + "' (expected sgd or adam)");
        };
    }
}
