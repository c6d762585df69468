package org.traindeeploy.codegen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.traindeeploy.conformance.Engine;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
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
     */
    public record Options(int cores, String cflags, Path keep) {
        public static Options defaults() { return new Options(HostTarget.DEFAULT_CORES, null, null); }

        public static Options sanitized(int cores) { return new Options(cores, SANITIZE_CFLAGS, null); }
    }

    private final Options options;

    public CEngine(Options options) { this.options = options; }

    @Override public String name() { return "c"; }

    @Override
    public List<StepResult> train(TrainingProgram p, List<Tensor> inputs, List<Tensor> labels) {
        EmitSpec spec = EmitSpec.training("model", p);
        return inFolder(dir -> {
            writeBatches(dir.resolve("data"), inputs, labels);
            build(spec, dir);
            run(dir, inputs.size(), "--grads", "--params-every-step", "--quiet");
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
            run(dir, inputs.size(), "--infer");
            List<Tensor> out = new ArrayList<>();
            for (int k = 0; k < inputs.size(); k++) out.add(HarnessFiles.read(dir.resolve("out/output_" + k + ".bin"), spec.output().type()));
            return out;
        });
    }

    private interface Work<T> {
        T run(Path dir) throws IOException, InterruptedException;
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompileException("C engine: interrupted");
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

    private void build(EmitSpec spec, Path dir) throws IOException, InterruptedException {
        Path src = dir.resolve("build");
        HostTarget.write(spec, options.cores(), src, false);
        List<String> cmd = new ArrayList<>(List.of("make", "-s", "-C", src.toString(), "-j" + Math.max(1, Runtime.getRuntime().availableProcessors())));
        if (options.cflags() != null) cmd.add("CFLAGS=" + options.cflags());
        exec(cmd, dir, "building the generated C");
    }

    private void run(Path dir, int steps, String... flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(dir.resolve("build/harness").toString(), dir.resolve("data").toString(), Integer.toString(steps),
                dir.resolve("out").toString()));
        cmd.addAll(List.of(flags));
        exec(cmd, dir, "running the generated C");
    }

    /** Run a command; a non-zero exit or a sanitizer report is an error carrying the output's tail. */
    static String exec(List<String> cmd, Path dir, String what) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("ASAN_OPTIONS", "halt_on_error=1:abort_on_error=0:detect_leaks=1");
        pb.environment().put("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CompileException(what + ": cannot run '" + cmd.get(0) + "' (" + e.getMessage() + ")");
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new CompileException(what + ": timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        boolean sanitizer = text.contains("runtime error:") || text.contains("ERROR: AddressSanitizer") || text.contains("ERROR: LeakSanitizer");
        if (p.exitValue() != 0 || sanitizer) {
            String tail = text.length() > 4000 ? "..." + text.substring(text.length() - 4000) : text;
            throw new CompileException(what + " failed (exit " + p.exitValue() + "):\n" + tail.strip());
        }
        return text;
    }
}
