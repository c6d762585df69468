package org.traindeeploy.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.traindeeploy.codegen.EmitSpec;
import org.traindeeploy.codegen.HostTarget;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "compile", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compile a model to C: with training flags the whole training step (forward, loss, backward, optimizer",
            "update), without them the forward pass. For --target host the folder holds the sources, a Makefile",
            "(cc -std=c99 -O2 -Wall -Wextra -Werror, threads as the cluster's cores) and a harness program that reads",
            "batches from files, runs steps and writes losses, gradients and trained tensors (docs/codegen.md).",
            "The folder appears complete or not at all; an existing one is replaced only with --force."},
        footer = {"", "Examples:",
            "  traindeeploy compile models/cct2/model.onnx -o out/cct2 --target host \\",
            "      --lora '/blocks.*/*MatMul' --lora-rank 4 --lora-alpha 4 --train '/attention_pool/*,/fc/*'",
            "  make -C out/cct2 && out/cct2/harness DATA_DIR 10 OUT_DIR",
            "  traindeeploy compile models/cct2/model.onnx -o out/cct2-infer --target host      (forward pass only)"})
final class CompileCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX model.")
    Path model;

    @Option(names = {"-o", "--output-dir"}, required = true, paramLabel = "DIR", description = "Folder to create with the generated sources.")
    Path out;

    @Option(names = "--target", defaultValue = "host", description = "Target: host (the only one so far). Default: ${DEFAULT-VALUE}.")
    String target;

    @Option(names = "--cores", defaultValue = "8", paramLabel = "N", description = "Cluster cores the kernels split their work over (default: ${DEFAULT-VALUE}).")
    int cores;

    @Option(names = "--force", description = "Replace DIR if it exists.")
    boolean force;

    @Option(names = "--verbose", description = "Print stack traces of errors (for bug reports).")
    boolean verbose;

    @Mixin TrainingOptions training = new TrainingOptions();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!target.equals("host")) throw new CompileException("--target '" + target + "' is not known (targets: host)");
        EmitSpec es = spec(model, training);
        HostTarget.write(es, cores, this.out, force);
        out.printf(Locale.ROOT, "wrote %s: %s of %s for %d core(s)%s%n", this.out, es.training() ? "training step" : "forward pass",
                model.getFileName(), cores, es.training() ? ", " + es.trained().size() + " trained tensor(s)" : "");
        out.printf(Locale.ROOT, "build with: make -C %s%n", this.out);
        return Main.OK;
    }

    /** The program for a model and training flags: the training step if any flag asks for one, else the forward pass. */
    static EmitSpec spec(Path model, TrainingOptions training) {
        String name = model.getFileName() == null ? "model" : model.getFileName().toString();
        if (!training.wantsTraining()) return EmitSpec.inference(name, TrainingPipeline.inference(model, training.batch, (p, g) -> { }));
        TrainingProgram p = TrainingPipeline.compile(model, training.config(), (x, y) -> { });
        return EmitSpec.training(name, p);
    }
}
