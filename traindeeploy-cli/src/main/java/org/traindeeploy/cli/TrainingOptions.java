package org.traindeeploy.cli;

import java.nio.file.Path;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.train.LoraSpec;
import org.traindeeploy.train.LossKind;
import org.traindeeploy.train.OptimizerSpec;
import org.traindeeploy.train.TrainSpec;
import org.traindeeploy.train.TrainingConfig;
import picocli.CommandLine.Option;

/** The training flags shared by inspect, compile and sweep. */
public final class TrainingOptions {
    @Option(names = "--train", paramLabel = "SPEC",
            description = {"What to train: 'all', 'last' (the parameters of the last layer with weights), or comma-separated globs",
                "('*' matches anything, '/' included) selecting initializers by name and the weights of nodes by node name.",
                "Example: --train '/blocks.1/*MatMul,/attention_pool/*,/fc/*'"})
    String train;

    @Option(names = "--lora", paramLabel = "GLOB", split = ",",
            description = "Add LoRA adapters to the MatMul/Gemm nodes (with a constant weight) whose name matches; the base weight stays frozen.")
    List<String> lora;

    @Option(names = "--lora-rank", defaultValue = "4", paramLabel = "R", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int loraRank;

    @Option(names = "--lora-alpha", defaultValue = "4", paramLabel = "A", description = "LoRA alpha; the update is scaled by alpha/rank (default: ${DEFAULT-VALUE}).")
    double loraAlpha;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the LoRA A initialisation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--lora-init", paramLabel = "DIR", description = "Folder of TensorProto files named '<node>.lora_A' / '.lora_B' inside, giving the adapters' initial values.")
    Path loraInit;

    @Option(names = "--loss", defaultValue = "cross_entropy", description = "cross_entropy (mean over the batch, integer labels) or mse (mean over all elements, against --target). Default: ${DEFAULT-VALUE}.")
    String loss;

    @Option(names = "--loss-target", defaultValue = "labels", paramLabel = "labels|values|INPUT",
            description = "What the loss compares the output with: 'labels' (int64 class labels; one-hot for mse), 'values' (float32 targets of the output's shape, regression; mse), or the name of a graph input of the output's shape (reconstruction, e.g. an autoencoder's own input; mse, no labels). Default: ${DEFAULT-VALUE}.")
    String target;

    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd or adam (PyTorch semantics). Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.01", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--betas", defaultValue = "0.9,0.999", split = ",", description = "Adam betas (default: ${DEFAULT-VALUE}).")
    double[] betas;

    @Option(names = "--eps", defaultValue = "1e-8", description = "Adam epsilon (default: ${DEFAULT-VALUE}).")
    double eps;

    @Option(names = "--accumulate", defaultValue = "1", paramLabel = "K", description = "Sum the gradients of K micro-batches before one update (default: ${DEFAULT-VALUE}).")
    int accumulate;

    @Option(names = "--batch", paramLabel = "N", description = "Batch size bound to a symbolic batch dimension.")
    Integer batch;

    @Option(names = "--output", paramLabel = "NAME", description = "The model output the loss reads (default: the first).")
    String output;

    /** The training flags as given, for reports. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        if (train != null) sb.append("--train ").append(train).append(' ');
        if (lora != null && !lora.isEmpty()) sb.append("--lora ").append(String.join(",", lora)).append(" --lora-rank ").append(loraRank).append(" --lora-alpha ").append(loraAlpha).append(' ');
        sb.append("--loss ").append(loss);
        if (!"labels".equals(target)) sb.append(" --loss-target ").append(target);
        return sb.append(" --optimizer ").append(optimizer).append(" --lr ").append(lr).toString();
    }

    /** Check every flag (values, the --lora-init folder) before any work; {@link #config()} would throw the same errors later. */
    void validate() {
        if (batch != null && batch < 1) throw new CompileException("--batch " + batch + " must be at least 1");
        if (loraInit != null && !java.nio.file.Files.isDirectory(loraInit)) throw new CompileException("--lora-init " + loraInit + ": not a folder");
        if (wantsTraining()) config();
    }

    boolean wantsTraining() { return train != null || (lora != null && !lora.isEmpty()); }

    TrainingConfig config() {
        OptimizerSpec opt;
        if (OptimizerSpec.parseType(optimizer) == OptimizerSpec.Type.SGD) {
            opt = OptimizerSpec.sgd(lr, momentum, weightDecay);
        } else {
            if (betas.length != 2) throw new CompileException("--betas takes two numbers, e.g. 0.9,0.999");
            opt = OptimizerSpec.adam(lr, betas[0], betas[1], eps, weightDecay);
        }
        LoraSpec l = lora == null || lora.isEmpty() ? null : new LoraSpec(lora, loraRank, loraAlpha, seed, loraInit);
        return new TrainingConfig(TrainSpec.parse(train), l, LossKind.parse(loss), org.traindeeploy.train.LossTarget.parse(target), opt, accumulate, batch, output);
    }
}
