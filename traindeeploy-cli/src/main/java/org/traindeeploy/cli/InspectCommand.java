package org.traindeeploy.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.traindeeploy.codegen.BackHalf;
import org.traindeeploy.codegen.EmitSpec;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Printer;
import org.traindeeploy.ir.Value;
import org.traindeeploy.memory.MemoryPlan;
import org.traindeeploy.passes.Compilation;
import org.traindeeploy.passes.Pass;
import org.traindeeploy.report.StepReport;
import org.traindeeploy.target.Target;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show a model after import and normalization: inputs, outputs, parameter count and op histogram.",
            "With training flags, also the trainable / frozen parameter counts and the size of the backward graph."},
        footer = {"", "Examples:",
            "  traindeeploy inspect models/cct2/model.onnx",
            "  traindeeploy inspect models/cct2/model.onnx --train last",
            "  traindeeploy inspect models/cct2/model.onnx --lora '/blocks.*/*MatMul' --lora-rank 4 --train '/attention_pool/*,/fc/*'",
            "  traindeeploy inspect models/cct2/model.onnx --train all --print-ir-after autodiff",
            "  traindeeploy inspect models/cct2/model.onnx --train last --target siracusa --l1 64KiB",
            "  traindeeploy inspect models/cct2/model.onnx --train last --target siracusa --l1 64KiB --print-ir-after tile"})
final class InspectCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX model.")
    Path model;

    @Option(names = "--print-ir", description = "Print the whole IR after normalization (or after the training passes).")
    boolean printIr;

    @Option(names = "--print-ir-after", paramLabel = "PASS", split = ",",
            description = "Print the IR after these passes: import, constant-folding, fold-pad, fuse-layernorm, fuse-gelu, fuse-linear, simplify, dead-code, lora, loss, autodiff, optimizer, recompute, fuse-residual, cleanup; and the back half's records after schedule, plan, tile, lower (for --target, default siracusa).")
    List<String> printAfter;

    @Option(names = "--verbose", description = "Print stack traces of errors (for bug reports).")
    boolean verbose;

    @Mixin TargetOptions targetOptions = new TargetOptions();

    @Mixin TrainingOptions training = new TrainingOptions();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String> front = TrainingPipeline.passNames();
        List<String> back = BackHalf.passNames();
        List<String> known = new ArrayList<>(front);
        known.addAll(back);
        boolean lowers = false;
        boolean plans = targetOptions.target != null;
        if (printAfter != null) {
            for (String p : printAfter) {
                if (!known.contains(p)) throw new CompileException("--print-ir-after: unknown pass '" + p + "' (passes: " + String.join(", ", known) + ")");
                if (back.contains(p)) plans = true;
                if (back.indexOf(p) >= 2) lowers = true;
            }
        }
        var observer = Observers.printAfter(printAfter, out);
        // The back half runs for a target (given, or siracusa when --print-ir-after names one of its passes):
        // up to the plan for the report, through tile and lower when their text is asked for.
        Target target = plans ? targetOptions.load() : null;
        if (!training.wantsTraining()) {
            Graph g = TrainingPipeline.inference(model, training.batch, observer);
            describe(g, out);
            if (plans) backHalf(EmitSpec.inference(CompileCommand.name(model), g), target, lowers, observer);
            if (printIr) out.print(Printer.print(g));
            return Main.OK;
        }
        TrainingProgram p = TrainingPipeline.compile(model, training.config(), observer);
        describe(p.graph(), out);
        out.printf(Locale.ROOT, "training: %s%n", training.describe());
        out.printf(Locale.ROOT, "  trainable: %,d elements in %d tensors%n", p.trainableElements(), p.trainables().size());
        out.printf(Locale.ROOT, "  frozen:    %,d elements in %d tensors%n", p.frozenElements(), p.frozenTensors());
        for (TrainingProgram.Trainable t : p.trainables()) out.printf(Locale.ROOT, "    %-48s %s%n", t.key(), t.state().type());
        out.printf(Locale.ROOT, "  nodes: forward+loss %d, backward %d, optimizer %d%n", p.forwardNodes(), p.backwardNodes(), p.updateNodes());
        if (plans) {
            MemoryPlan plan = backHalf(EmitSpec.training(CompileCommand.name(model), p), target, lowers, observer);
            if (targetOptions.target != null) out.print(StepReport.of(p, target, plan).text());
        }
        if (printIr) out.print(Printer.print(p.graph()));
        return Main.OK;
    }

    /** Schedule and plan the program (and tile and lower it when {@code lowers}); the plan. */
    private static MemoryPlan backHalf(EmitSpec es, Target target, boolean lowers, BiConsumer<Pass, Compilation> observer) {
        return lowers ? BackHalf.lower(es, target.cores(), target, false, observer).plan() : BackHalf.plan(es, target, false, observer);
    }

    static void describe(Graph g, PrintWriter out) {
        for (Value v : g.inputs()) out.printf("input  %-20s %s%n", v.name(), v.type());
        for (int i = 0; i < g.outputs().size(); i++) out.printf("output %-20s %s%n", g.outputNames().get(i), g.outputs().get(i).type());
        long params = 0;
        int tensors = 0;
        for (Value v : g.values()) {
            if (g.isInitializer(v) && v.type().dtype().isFloat()) {
                params += v.type().size();
                tensors++;
            }
        }
        out.printf(Locale.ROOT, "parameters: %,d elements in %d tensors%n", params, tensors);
        out.printf("nodes: %d%n", g.nodes().size());
        for (Map.Entry<String, Integer> e : Printer.histogram(g.nodes()).entrySet()) out.printf("  %-28s %d%n", e.getKey(), e.getValue());
    }
}
