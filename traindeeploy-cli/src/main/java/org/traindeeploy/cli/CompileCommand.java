package org.traindeeploy.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Callable;
import org.traindeeploy.codegen.BackHalf;
import org.traindeeploy.codegen.EmitSpec;
import org.traindeeploy.codegen.GeneratedFolder;
import org.traindeeploy.codegen.TargetFolder;
import org.traindeeploy.codegen.LoweredProgram;
import org.traindeeploy.codegen.OutputFolder;
import org.traindeeploy.report.HtmlReport;
import org.traindeeploy.report.StepReport;
import org.traindeeploy.target.Target;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.io.InputFile;
import org.traindeeploy.memory.MemoryPlan;
import org.traindeeploy.memory.PlanPass;
import org.traindeeploy.passes.Compilation;
import org.traindeeploy.passes.Pass;
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

    @Mixin TargetOptions targetOptions = new TargetOptions();

    @Option(names = "--cores", paramLabel = "N", description = "Cluster cores the kernels split their work over (default: the target's).")
    Integer cores;

    @Option(names = "--keep-gradients", description = "Keep the trained tensors' gradients readable after each step (network_grad, the harness's --grads); costs memory.")
    boolean keepGradients;

    @Option(names = "--force", description = "Replace DIR if it exists.")
    boolean force;

    @Option(names = "--verbose", description = "Print stack traces of errors (for bug reports).")
    boolean verbose;

    @Mixin TrainingOptions training = new TrainingOptions();

    @Override
    public Integer call() {
        Timing.mark("call");
        PrintWriter out = spec.commandLine().getOut();
        // Flags and paths first: nothing is compiled (or printed) for a run that cannot write its output.
        OutputFolder.check(this.out, force, "-o");
        InputFile.regular(model, model.toString());
        if (cores != null) TargetCores.check(cores);
        training.validate();
        if (targetOptions.target == null) targetOptions.target = "host";
        Timing.mark("checked");
        Target target = targetOptions.load();
        Timing.mark("target loaded");
        int n = cores != null ? cores : target.cores();
        GeneratedFolder files;
        EmitSpec es;
        // The second core parses the templates while the first compiles (a small model's compile is
        // short enough for start-up work to matter; Main starts it before parsing the command line),
        // then writes the report while the first lowers and renders C.
        CompletableFuture<Void> warm = WarmUp.start();
        try {
            if (training.wantsTraining()) {
                TrainingProgram p = TrainingPipeline.compile(model, training.config(), Timing.passes());
                es = EmitSpec.training(name(model), p);
                // One back half for the sources and the report: its byte counts are what the code moves. The
                // report starts on the second core as soon as the memory plan exists: it tiles the nodes from the
                // last one back while the tile pass here goes from the first (they share the tiler's memo), then
                // writes report.json and report.html while this thread renders the C.
                List<CompletableFuture<StepReports>> reports = new ArrayList<>(1);
                BiConsumer<Pass, Compilation> passes = Timing.passes();
                LoweredProgram lp = BackHalf.lower(es, n, target, keepGradients, (pass, c) -> {
                    passes.accept(pass, c);
                    if (pass instanceof PlanPass) {
                        MemoryPlan plan = c.get(PlanPass.PLAN);
                        reports.add(warm.exceptionally(e -> null).thenApplyAsync(x -> reports(p, target, plan)));
                    }
                });
                GeneratedFolder f = TargetFolder.folder(lp);
                Timing.mark("folder rendered");
                StepReports r = joined(reports.get(0));
                Timing.mark("reports joined");
                files = f.withText(r.files());
                out.print(r.text());
            } else {
                es = EmitSpec.inference(name(model), TrainingPipeline.inference(model, training.batch, (p, g) -> { }));
                files = TargetFolder.folder(BackHalf.lower(es, n, target, keepGradients));
            }
        } catch (CompileException e) {
            throw located(e, model, targetOptions);
        }
        return written(out, files, es, n);
    }

    /** The step's report: the terminal's summary and the files report.json and report.html. */
    private record StepReports(String text, Map<String, String> files) {}

    private StepReports reports(TrainingProgram p, Target target, MemoryPlan plan) {
        StepReport r = StepReport.of(p, target, plan);
        Timing.mark("step report");
        String json = Reports.json(r);
        Timing.mark("report.json");
        String html = HtmlReport.single(name(model), training.describe(), r, plan);
        Timing.mark("report.html");
        return new StepReports(r.text(), Map.of("report.json", json, "report.html", html));
    }

    /** The value of work done on another thread; its compile error as if thrown here. */
    private static <T> T joined(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }

    /** An error of compiling {@code model}: it names the model, and the memory flags when they were given (they may be the cause). */
    static CompileException located(CompileException e, Path model, TargetOptions t) {
        String flags = t.overrides();
        String m = e.getMessage();
        if (m.startsWith(model + ": ")) {
            return flags.isEmpty() ? e : new CompileException(model + ": with " + flags + ": " + m.substring(model.toString().length() + 2), e);
        }
        return e.within(flags.isEmpty() ? model.toString() : model + ": with " + flags);
    }

    private int written(PrintWriter out, GeneratedFolder files, EmitSpec es, int n) {
        OutputFolder.write(this.out, files, force);
        Timing.mark("written");
        Timing.threads();
        out.printf(Locale.ROOT, "wrote %s: %s of %s for %d core(s)%s%n", CompileException.printable(this.out.toString()), es.training() ? "training step" : "forward pass",
                CompileException.printable(name(model)), n, es.training() ? ", " + es.trained().size() + " trained tensor(s), report.json, report.html" : "");
        out.printf(Locale.ROOT, "build with: make -C %s%n", CompileException.printable(this.out.toString()));
        return Main.OK;
    }

    /** The program for a model and training flags: the training step if any flag asks for one, else the forward pass. */
    static String name(Path model) { return model.getFileName() == null ? "model" : model.getFileName().toString(); }

    static EmitSpec spec(Path model, TrainingOptions training) {
        String name = name(model);
        if (!training.wantsTraining()) return EmitSpec.inference(name, TrainingPipeline.inference(model, training.batch, (p, g) -> { }));
        TrainingProgram p = TrainingPipeline.compile(model, training.config(), (x, y) -> { });
        return EmitSpec.training(name, p);
    }
}
