package org.traindeeploy.train;

/**
 * Everything that defines a training step besides the model: what to train, LoRA adapters (or
 * null), loss and what it compares the output with, optimizer, gradient accumulation, the batch
 * size (for symbolic batch dimensions; null to keep the model's), and which graph output the loss
 * reads (null: the first).
 */
public record TrainingConfig(TrainSpec train, LoraSpec lora, LossKind loss, LossTarget target, OptimizerSpec optimizer,
                             int accumulate, Integer batch, String output) {
    public TrainingConfig {
        if (accumulate < 1) throw new org.traindeeploy.ir.CompileException("--accumulate " + accumulate + " must be at least 1");
        if (target == null) target = LossTarget.CLASSES;
        if (loss == LossKind.CROSS_ENTROPY && target.kind() != LossTarget.Kind.CLASSES) {
            throw new org.traindeeploy.ir.CompileException("--loss cross_entropy needs class labels; --target " + target + " needs --loss mse");
        }
    }

    /** A step whose loss compares the output with class labels. */
    public TrainingConfig(TrainSpec train, LoraSpec lora, LossKind loss, OptimizerSpec optimizer, int accumulate, Integer batch, String output) {
        this(train, lora, loss, LossTarget.CLASSES, optimizer, accumulate, batch, output);
    }
}
