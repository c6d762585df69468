package org.traindeeploy.train;

import org.traindeeploy.ir.CompileException;

/** Optimizer settings with PyTorch's meanings and defaults. */
public record OptimizerSpec(Type type, double lr, double momentum, double weightDecay, boolean nesterov,
                            double beta1, double beta2, double eps) {
    public enum Type { SGD, ADAM }

    public OptimizerSpec {
        if (!(lr > 0) || !Double.isFinite(lr)) throw new CompileException("learning rate " + lr + " must be positive");
        if (momentum < 0 || weightDecay < 0) throw new CompileException("momentum and weight decay must be >= 0");
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
