package org.traindeeploy.train;

import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ops.MseLoss;
import org.traindeeploy.ir.Op;
import org.traindeeploy.ops.SoftmaxCrossEntropy;

/** The training losses: cross-entropy on logits, or MSE against one-hot labels. */
public enum LossKind {
    CROSS_ENTROPY("cross_entropy"),
    MSE("mse");

    private final String key;

    LossKind(String key) { this.key = key; }

    public String key() { return key; }

    public Op op() { return this == CROSS_ENTROPY ? new SoftmaxCrossEntropy() : new MseLoss(); }

    public static LossKind parse(String s) {
        for (LossKind k : values()) if (k.key.equals(s) || k.name().equalsIgnoreCase(s)) return k;
        throw new CompileException("unknown loss '" + s + "' (expected cross_entropy or mse)");
    }
}
