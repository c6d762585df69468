package org.traindeeploy.codegen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import org.traindeeploy.report.StepReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.traindeeploy.conformance.Engine;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.target.Target;
import org.traindeeploy.train.TrainingProgram;

/**
 * Runs steps through the generated C: generates the host sources into a temporary folder, writes
 * the batches as harness files, builds with {@code make}, runs the harness (recording every
 * step's gradients and updated tensors) and reads the results back. The folder is deleted
 * afterwards unless {@link Options#keep} names one to keep.
 */
public final class CEngine implements Engine {
    /** Flags of the sanitizer build the tests use. */
    public static final String SANITIZE_CFLAGS =
            "-std=c99 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -Wall -Wextra -Werror";

    /**
     * @param cores cores the generated code runs on
     * @param cflags the CFLAGS given to make, or null for the Makefile's default
     * @param keep a folder to build in and keep (must not exist), or null for a temporary one
     * @param rv32 build the cluster target's code for rv32imafc and run it under qemu, one hart per
     *             core ({@code check --engine rv32}, docs/rv32.md) instead of on the host
     */
    public record Options(int cores, String cflags, Path keep, Target target, boolean rv32) {
        public Options(int cores, String cflags, Path keep) { this(cores, cflags, keep, Target.load("host"), false); }

        public Options(int cores, String cflags, Path keep, Target target) { this(cores, cflags, keep, target, false); }

        public static Options defaults() { return new Options(TargetFolder.DEFAULT_CORES, null, null); }

        public static Options sanitized(int cores) { return new Options(cores, SANITIZE_CFLAGS, null); }

        public Options on(Target t) { return new Options(cores, cflags, keep, t, rv32); }

        /** The same options for the rv32 engine ({@code cflags} then are the rv32 build's). */
        public Options onRv32() {
            Rv32.requireCluster(target);
            return new Options(cores, cflags, keep, target, true);
        }
    }

    /** Bytes moved between levels in the last run (the harness's dma.txt: "L2->L1" etc. to bytes), empty before a run. */
    private final Map<String, Long> lastDma = new LinkedHashMap<>();

    public Map<String, Long> lastDma() { return Map.copyOf(lastDma); }

    /** The DMA figures of every run so far, in order (one per infer/train call). */
    private final List<Map<String, Long>> runs = new ArrayList<>();

    public List<Map<String, Long>> runs() { return List.copyOf(runs); }

    private final Options options;

    public CEngine(Options options) { this.options = options; }

    @Override public String name() { return options.rv32() ? "rv32" : "c"; }

    @Override
    public List<StepResult> train(TrainingProgram p, List<Tensor> inputs, List<Tensor> labels) {
        EmitSpec spec = EmitSpec.training("model", p);
        return inFolder(dir -> {
            writeBatches(dir.resolve("data"), inputs, labels);
            LoweredProgram lp = build(spec, dir);
            run(dir, inputs.size(), "--grads", "--params-every-step", "--quiet");
            Map<String, Long> run = readDma(dir);
            if (options.target().hasLevel("L1")) {
                // What the report predicts for this very program and plan: the test of the report's byte counts.
                StepReport r = StepReport.of(p, options.target(), lp.plan());
                r.bytesMoved().forEach((k, v) -> run.put("report " + k, v));
            }
            List<String> lines = Files.readAllLines(dir.resolve("out/loss.txt"));
            if (lines.size() != inputs.size()) throw new CompileException("the harness ran " + lines.size() + " of " + inputs.size() + " steps");
            List<StepResult> out = new ArrayList<>();
            for (int k = 0; k < inputs.size(); k++) {
                Map<String, Tensor> grads = new LinkedHashMap<>();
                Map<String, Tensor> params = new LinkedHashMap<>();
                for (int i = 0; i < spec.trained().size(); i++) {
                    EmitSpec.Trained t = spec.trained().get(i);
                    grads.put(t.key(), HarnessFiles.read(dir.resolve("out/grad_" + i + "_" + k + ".bin"), t.state().type()));
                    params.put(t.key(), HarnessFiles.read(dir.resolve("out/param_" + i + "_" + k + ".bin"), t.state().type()));
                }
                out.add(new StepResult(Double.parseDouble(lines.get(k).trim()), grads, params));
            }
            return out;
        });
    }

    @Override
    public List<Tensor> infer(Graph g, List<Tensor> inputs) {
        EmitSpec spec = EmitSpec.inference("model", g);
        return inFolder(dir -> {
            writeBatches(dir.resolve("data"), inputs, null);
            build(spec, dir);
            run(dir, inputs.size(), "--infer", "--quiet");
            readDma(dir);
            List<Tensor> out = new ArrayList<>();
            for (int k = 0; k < inputs.size(); k++) out.add(HarnessFiles.read(dir.resolve("out/output_" + k + ".bin"), spec.output().type()));
            return out;
        });
    }

    /** Read the run's dma.txt into {@link #lastDma} and a new entry of {@link #runs}, returned. */
    private Map<String, Long> readDma(Path dir) throws IOException {
        lastDma.clear();
        for (String line : Files.readAllLines(dir.resolve("out/dma.txt"))) {
            String[] kv = line.trim().split(" ");
            if (kv.length == 2) lastDma.put(kv[0], Long.parseLong(kv[1]));
        }
        Map<String, Long> run = new LinkedHashMap<>(lastDma);
        runs.add(run);
        return run;
    }

    private interface Work<T> {
        T run(Path dir) throws IOException;
    }

    private <T> T inFolder(Work<T> w) {
        Path dir = null;
        try {
            if (options.keep() != null) {
                if (Files.exists(options.keep())) throw new CompileException("--keep folder " + options.keep() + " exists");
                dir = Files.createDirectories(options.keep());
            } else {
                dir = Files.createTempDirectory("traindeeploy-c-");
            }
            Files.createDirectories(dir.resolve("out"));
            return w.run(dir);
        } catch (IOException e) {
            throw new CompileException("C engine: " + e.getMessage(), e);
        } finally {
            if (options.keep() == null) OutputFolder.deleteTree(dir);
        }
    }

    /** Write batch K as data/input_K.bin and data/label_K.bin. */
    public static void writeBatches(Path data, List<Tensor> inputs, List<Tensor> labels) throws IOException {
        Files.createDirectories(data);
        for (int k = 0; k < inputs.size(); k++) {
            HarnessFiles.write(data.resolve("input_" + k + ".bin"), inputs.get(k));
            if (labels != null) HarnessFiles.write(data.resolve("label_" + k + ".bin"), labels.get(k));
        }
    }

    /** Lower, write and build the harness in {@code dir}/build; returns the program it renders. */
    private LoweredProgram build(EmitSpec spec, Path dir) {
        Path src = dir.resolve("build");
        LoweredProgram lp = BackHalf.lower(spec, options.cores(), options.target(), true);
        OutputFolder.write(src, TargetFolder.folder(lp), false);
        if (options.rv32()) Rv32.make(src, options.cores(), options.cflags(), false);
        else HostBuild.make(src, options.cflags());
        return lp;
    }

    private void run(Path dir, int steps, String... flags) {
        List<String> args = new ArrayList<>(List.of(dir.resolve("data").toAbsolutePath().toString(), Integer.toString(steps),
                dir.resolve("out").toAbsolutePath().toString()));
        args.addAll(List.of(flags));
        if (options.rv32()) {
            Rv32.run(Rv32.elf(dir.resolve("build"), options.cores(), false), options.target(), options.cores(), args, dir);
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(dir.resolve("build/harness").toString()));
        cmd.addAll(args);
        HostBuild.run(cmd, dir, "running the generated C", line -> { });
    }
}
