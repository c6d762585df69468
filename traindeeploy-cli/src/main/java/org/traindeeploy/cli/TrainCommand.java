package org.traindeeploy.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.traindeeploy.codegen.CEngine;
import org.traindeeploy.codegen.DataSet;
import org.traindeeploy.codegen.EmitSpec;
import org.traindeeploy.codegen.HostBuild;
import org.traindeeploy.codegen.TargetFolder;
import org.traindeeploy.codegen.OutputFolder;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.io.InputFile;
import org.traindeeploy.ir.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The whole chain in one command: compile the training step to C for the host, build it with make,",
            "and run training steps on a data set folder (images.bin + labels.bin, see docs/codegen.md), printing the",
            "loss of each step and its mean over the last 8 steps. Batches cycle through the data set."},
        footer = {"", "Examples:",
            "  traindeeploy train models/cct2/model.onnx --data models/cct2/data \\",
            "      --lora '/blocks.*/*MatMul' --lora-rank 4 --lora-alpha 4 --train '/attention_pool/*,/fc/*' --steps 48",
            "  traindeeploy train models/cct2/model.onnx --data models/cct2/data --train last --optimizer adam --lr 0.001 \\",
            "      --steps 32 --keep out/cct2-run      (keep sources, harness and the trained tensors)"})
final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX model.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Data set folder: images.bin (float32 samples, or int64 token ids) and labels.bin (int64 class indices; float32 targets with --loss-target values; none with --loss-target INPUT).")
    Path data;

    @Option(names = "--steps", defaultValue = "40", paramLabel = "N", description = "Training steps to run (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--cores", defaultValue = "8", paramLabel = "N", description = "Cores (threads) the step runs on (default: ${DEFAULT-VALUE}).")
    int cores;

    @Option(names = "--keep", paramLabel = "DIR",
            description = "Build and run in DIR (must not exist) and keep it: sources, harness, batches, loss.txt and the trained tensors (out/param_I.bin).")
    Path keep;

    @Option(names = "--verbose", description = "Print stack traces of errors (for bug reports).")
    boolean verbose;

    @Mixin TrainingOptions training = new TrainingOptions();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        // Every flag and path before any work or output.
        if (steps < 1) throw new CompileException("--steps " + steps + " must be at least 1");
        TargetCores.check(cores);
        if (!training.wantsTraining()) throw new CompileException("nothing to train: give --train (all, last or patterns) or --lora");
        training.validate();
        InputFile.regular(model, model.toString());
        if (!Files.isDirectory(data)) throw new CompileException("--data " + data + ": not a folder");
        if (keep != null) OutputFolder.check(keep, false, "--keep");
        EmitSpec es = CompileCommand.spec(model, training);
        org.traindeeploy.ir.TensorType labelType = es.labels() == null ? null : es.labels().type();
        DataSet ds = DataSet.read(data, es.input().type(), labelType);
        List<Tensor[]> batches = ds.batches(es.input().type(), labelType);
        long trained = es.trained().stream().mapToLong(t -> t.state().type().size()).sum();
        out.printf(Locale.ROOT, "model %s: training %,d elements in %d tensor(s); %d samples in %d batch(es) of %d%n",
                model.getFileName(), trained, es.trained().size(), ds.samples(), batches.size(), es.input().type().dim(0));
        // Absolute: the harness runs in this folder and is given paths inside it.
        Path dir = keep != null ? OutputFolder.create(keep, "--keep") : Files.createTempDirectory("traindeeploy-train-").toAbsolutePath();
        try {
            Path src = dir.resolve("build");
            TargetFolder.write(es, cores, src, false);
            out.printf(Locale.ROOT, "generated C in %s; building with make ...%n", keep != null ? src : "a temporary folder");
            out.flush();
            HostBuild.make(src, null);
            List<Tensor> inputs = new ArrayList<>();
            List<Tensor> labels = new ArrayList<>();
            for (Tensor[] b : batches) {
                inputs.add(b[0]);
                labels.add(b[1]);
            }
            CEngine.writeBatches(dir.resolve("data"), inputs, labelType == null ? null : labels);
            Files.createDirectories(dir.resolve("out"));
            out.printf(Locale.ROOT, "running %d step(s) on %d core(s):%n", steps, cores);
            out.flush();
            List<String> cmd = List.of(src.resolve("harness").toString(), dir.resolve("data").toString(), Integer.toString(steps), dir.resolve("out").toString());
            HostBuild.run(cmd, dir, "running the training step", line -> {
                out.println(line);
                out.flush();
            });
            List<Double> losses = losses(dir.resolve("out/loss.txt"));
            int w = Math.min(8, losses.size());
            out.printf(Locale.ROOT, "mean loss of the first %d step(s): %.4f; of the last %d: %.4f%n", w, mean(losses.subList(0, w)), w,
                    mean(losses.subList(losses.size() - w, losses.size())));
            if (keep != null) out.printf(Locale.ROOT, "trained tensors: %s/out/param_<id>.bin (ids in %s/tensors.json)%n", dir, src);
        } finally {
            if (keep == null) OutputFolder.deleteTree(dir);
        }
        return Main.OK;
    }

    /** The losses the harness wrote, one per step; a NaN or infinite loss is an error naming its step. */
    static List<Double> losses(Path file) {
        List<Double> out = new ArrayList<>();
        String[] lines = InputFile.readText(file, file.toString()).split("\n");
        for (String line : lines) {
            String t = line.trim();
            if (t.isEmpty()) continue;
            int step = out.size();
            double v;
            try {
                v = Double.parseDouble(t);
            } catch (NumberFormatException e) {
                v = Double.NaN;
                if (!t.matches("(?i)[-+]?(nan|inf|infinity)(\\(.*\\))?")) throw new CompileException(file + ": line " + (step + 1) + " is not a loss: '" + t + "'");
            }
            if (!Double.isFinite(v)) {
                throw new CompileException("the loss of step " + step + " is " + t + " (not finite): training diverged; lower --lr or check the data"
                        + (step > 0 ? " (the loss of step " + (step - 1) + " was " + out.get(step - 1) + ")" : ""));
            }
            out.add(v);
        }
        if (out.isEmpty()) throw new CompileException(file + ": the harness wrote no loss");
        return out;
    }

    private static double mean(List<Double> xs) { return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN); }
}
