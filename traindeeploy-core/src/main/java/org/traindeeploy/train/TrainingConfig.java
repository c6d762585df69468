package org.traindeeploy.train;

/**
 * Everything that defines a training step besides the model: what to train, LoRA adapters (or
 * null), loss, optimizer, gradient accumulation, the batch size (for symbolic batch dimensions;
 * null to keep the model's), and which graph output the loss reads (null: the first).
 */
public record TrainingConfig(TrainSpec train, LoraSpec lora, LossKind loss, OptimizerSpec optimizer,
                             int accumulate, Integer batch, String output) {
    public TrainingConfig {
        if (accumulate < 1) throw new org.traindeeploy.ir.CompileException("--accumulate " + accumulate + " must be at least 1");
    }
}
