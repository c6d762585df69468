package org.traindeeploy.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.traindeeploy.codegen.DataSet;
import org.traindeeploy.codegen.OutputFolder;
import org.traindeeploy.codegen.Rv32Profile;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.target.Target;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "profile", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Count the instructions of one training step on the device's ISA: the cluster target's code built for",
            "rv32imafc and run under qemu-system-riscv32 with one hart per core (docs/rv32.md). After one warm-up step,",
            "the measured step's instructions per hart and per node, its critical path (the busiest hart of each",
            "barrier-separated phase), MACs, the linked image's sizes and a cycle estimate go to DIR/profile.json."},
        footer = {"", "Examples:",
            "  traindeeploy profile models/cct2/model.onnx --lora '/blocks.*/*MatMul' --lora-rank 4 --lora-alpha 4 \\",
            "      --train '/attention_pool/*,/fc/*' --target siracusa --l1 64KiB -o out/cct2-lora2",
            "  traindeeploy profile tests/conformance/mlp/model.onnx --train all --target siracusa --cores 2 -o out/mlp"})
final class ProfileCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX model.")
    Path model;

    @Option(names = {"-o", "--output-dir"}, required = true, paramLabel = "DIR",
            description = "New folder for profile.json (an earlier output folder of traindeeploy is replaced only with --force).")
    Path outDir;

    @Option(names = "--force", description = "Replace the output folder if it is an earlier output of traindeeploy.")
    boolean force;

    @Option(names = "--cores", paramLabel = "N", description = "Harts (cluster cores) to run on (default: the target's cores).")
    Integer cores;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Data set folder (images.bin, labels.bin) whose first batch both steps use (default: a fixed synthetic batch).")
    Path data;

    @Option(names = "--keep", paramLabel = "DIR", description = "Build and run in DIR (must not exist) and keep it.")
    Path keep;

    @Option(names = "--verbose", description = "Print stack traces of errors (for bug reports).")
    boolean verbose;

    @Mixin TrainingOptions training = new TrainingOptions();

    @Mixin TargetOptions targetOptions = new TargetOptions();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (!training.wantsTraining()) throw new CompileException("nothing to train: give --train (all, last or patterns) or --lora");
        Target target = targetOptions.load();
        int n = cores == null ? target.cores() : cores;
        TargetCores.check(n);
        Rv32Profile.check(target);
        // Paths before any work: the output folder may be written, the kept build folder is new.
        OutputFolder.check(outDir, force, "-o");
        if (keep != null) OutputFolder.check(keep, false, "--keep");
        TrainingProgram p = TrainingPipeline.compile(model, training.config(), (x, y) -> { });
        Tensor[] batch = batch(p);
        out.printf(Locale.ROOT, "profiling one training step of %s on %s (%d hart(s), L1 %,d B) under qemu-system-riscv32 ...%n", model.getFileName(),
                target.name(), n, target.hasLevel("L1") ? target.level("L1").sizeBytes() : 0);
        out.flush();
        Rv32Profile.Profile r = Rv32Profile.run(p, CompileCommand.name(model), target, n, batch[0], batch[1], keep);
        print(out, r);
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        OutputFolder.write(outDir, java.util.Map.of("profile.json", om.writeValueAsString(r) + "\n"), force, "-o");
        out.printf("wrote %s%n", CompileException.printable(outDir.resolve("profile.json").toString()));
        return Main.OK;
    }

    /**
     * The first batch of --data, or a fixed synthetic one: float inputs from a small LCG in [-1, 1)
     * (token ids: 0), class labels cycling through the classes or float targets from the same LCG,
     * no labels when the step reads none (reconstruction).
     */
    private Tensor[] batch(TrainingProgram p) {
        TensorType it = p.input().type();
        TensorType lt = p.labels() == null ? null : p.labels().type();
        if (data != null) {
            DataSet ds = DataSet.read(data, it, lt);
            return ds.batches(it, lt).get(0);
        }
        Tensor x = it.dtype().isFloat() ? Tensor.ofReal(it.dtype(), it.shape(), lcg(it.size())).roundToType()
                : Tensor.ofInt(it.dtype(), it.shape(), new long[it.size()]);
        if (lt == null) return new Tensor[] {x, null};
        if (lt.dtype().isFloat()) return new Tensor[] {x, Tensor.ofReal(lt.dtype(), lt.shape(), lcg(lt.size())).roundToType()};
        if (lt.dtype() != DType.INT64 && lt.dtype() != DType.INT32) {
            throw new CompileException("profile: labels of type " + lt + " are not supported (give --data)");
        }
        int classes = p.logits().type().dim(p.logits().type().rank() - 1);
        long[] y = new long[lt.size()];
        for (int i = 0; i < y.length; i++) y[i] = i % classes;
        return new Tensor[] {x, Tensor.ofInt(lt.dtype(), lt.shape(), y)};
    }

    /** n values of a small LCG in [-1, 1). */
    private static double[] lcg(int n) {
        double[] x = new double[n];
        long s = 12345;
        for (int i = 0; i < n; i++) {
            s = (s * 6364136223846793005L + 1442695040888963407L);
            x[i] = ((s >>> 40) / (double) (1L << 24)) * 2 - 1;
        }
        return x;
    }

    private static void print(PrintWriter out, Rv32Profile.Profile r) {
        out.printf(Locale.ROOT, "instructions        %,15d  (all harts; waiting and DMA copies excluded)%n", r.instructions());
        out.printf(Locale.ROOT, "critical path       %,15d  (busiest hart of each barrier-separated phase)%n", r.criticalPathInstructions());
        out.printf(Locale.ROOT, "MACs                %,15d  -> %.2f instructions per MAC%n", r.macs(), r.instructionsPerMac());
        out.printf(Locale.ROOT, "cycles (estimate)   %,15d  (critical path x %.2f cycles per instruction, the target's assumption)%n", r.cycles().estimate(),
                r.cycles().cyclesPerInstruction());
        Rv32Profile.Image im = r.image();
        out.printf(Locale.ROOT, "image in %s         %,15d of %,d B: text %,d, rodata %,d, data %,d, bss %,d, stack %,d%n", im.level(), im.total(), im.levelSize(),
                im.text(), im.rodata(), im.data(), im.bss(), im.stack());
        out.printf(Locale.ROOT, "harts               %s%n", r.harts());
        Map<String, long[]> phases = new LinkedHashMap<>();
        for (Rv32Profile.NodeProfile n : r.nodes()) {
            long[] a = phases.computeIfAbsent(n.phase(), k -> new long[3]);
            a[0] += n.instructions();
            a[1] += n.criticalPathInstructions();
            a[2] += n.macs();
        }
        out.printf(Locale.ROOT, "%n%-10s %15s %15s %13s %8s%n", "phase", "instructions", "critical path", "MACs", "instr/MAC");
        phases.forEach((k, a) -> out.printf(Locale.ROOT, "%-10s %,15d %,15d %,13d %8s%n", k, a[0], a[1], a[2], a[2] > 0 ? String.format(Locale.ROOT, "%.2f", (double) a[0] / a[2]) : "-"));
        List<Rv32Profile.NodeProfile> top = r.nodes().stream().sorted(Comparator.comparingLong(Rv32Profile.NodeProfile::instructions).reversed()).limit(15).toList();
        out.printf(Locale.ROOT, "%nthe %d nodes with most instructions (all %d in profile.json):%n", top.size(), r.nodes().size());
        out.printf(Locale.ROOT, "%-44s %-20s %-9s %15s %15s %8s%n", "node", "op", "phase", "instructions", "critical path", "instr/MAC");
        for (Rv32Profile.NodeProfile n : top) {
            String name = n.name().length() > 44 ? "..." + n.name().substring(n.name().length() - 41) : n.name();
            out.printf(Locale.ROOT, "%-44s %-20s %-9s %,15d %,15d %8s%n", name, n.op(), n.phase(), n.instructions(), n.criticalPathInstructions(),
                    n.macs() > 0 ? String.format(Locale.ROOT, "%.2f", (double) n.instructions() / n.macs()) : "-");
        }
    }
}
