package org.traindeeploy.train;

import java.nio.file.Path;
import java.util.List;
import org.traindeeploy.ir.CompileException;

/**
 * LoRA adapters: target nodes by glob, rank r, scale α (the update is (α/r)·x·Aᵀ·Bᵀ), and where the
 * initial A and B come from: a folder of tensor files named {@code <node>.lora_A/B} inside, or
 * Kaiming-uniform A from {@code seed} with B = 0 (PEFT's default).
 */
public record LoraSpec(List<String> targets, int rank, double alpha, long seed, Path initDir) {
    public LoraSpec {
        targets = List.copyOf(targets);
        if (rank < 1) throw new CompileException("--lora-rank " + rank + " must be at least 1");
        if (!(alpha > 0) || !Double.isFinite(alpha)) throw new CompileException("--lora-alpha " + alpha + " must be positive");
    }

    public double scale() { return alpha / rank; }
}
