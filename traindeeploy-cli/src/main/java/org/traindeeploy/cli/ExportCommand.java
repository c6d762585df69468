package org.traindeeploy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.traindeeploy.codegen.OutputFolder;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.io.InputFile;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.onnx.OnnxExporter;
import org.traindeeploy.onnx.OnnxReader;
import org.traindeeploy.onnx.TensorIo;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.onnx.proto.OnnxProto.NodeProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a tuned model back to ONNX from the tensors a training run saved: the folder of a",
            "'traindeeploy train --keep DIR' run (build/tensors.json + out/param_I.bin), or a folder of TensorProto files",
            "named inside by their key (an initializer name or '<node>.lora_A' / '.lora_B').",
            "LoRA adapters are merged into their base weights (--merge-lora) or kept as MatMul/Mul/Add nodes."},
        footer = {"", "Example:",
            "  traindeeploy train models/cct2/model.onnx --data models/cct2/data --lora '/blocks.*/*MatMul' --lora-alpha 4 \\",
            "      --train '/fc/*' --steps 40 --keep run1",
            "  traindeeploy export models/cct2/model.onnx --weights run1 --lora-alpha 4 -o cct2-tuned.onnx --merge-lora"})
final class ExportCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The model that was trained.")
    Path model;

    @Option(names = "--weights", required = true, paramLabel = "DIR", description = "Folder of the trained tensors (*.pb).")
    Path weights;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.onnx", description = "The ONNX file to write.")
    Path out;

    @Option(names = "--merge-lora", description = "Fold LoRA adapters into their base weights (default: keep them as nodes).")
    boolean merge;

    @Option(names = "--lora-alpha", paramLabel = "A", description = "LoRA alpha used in training (default: from DIR/training.json).")
    Double loraAlpha;

    @Option(names = "--force", description = "Replace an existing output file.")
    boolean force;

    @Option(names = "--verbose", description = "Print stack traces of errors (for bug reports).")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        // Flags and paths first.
        OutputFolder.checkFile(out, force, "-o");
        if (loraAlpha != null && (!(loraAlpha > 0) || !Double.isFinite(loraAlpha))) throw new CompileException("--lora-alpha " + loraAlpha + " must be a positive number");
        if (!Files.isDirectory(weights)) throw new CompileException("--weights " + weights + ": not a folder");
        ModelProto m = OnnxReader.read(model);
        Map<String, Tensor> tensors = Files.exists(weights.resolve("build/tensors.json")) ? readRun(weights) : new LinkedHashMap<>();
        if (tensors.isEmpty()) {
            Map<String, Path> from = new LinkedHashMap<>();
            try (Stream<Path> files = Files.list(weights)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".pb")).sorted().toList()) {
                    String name = TensorIo.readName(f);
                    Path other = from.put(name, f);
                    if (other != null) throw new CompileException("--weights " + weights + ": " + other.getFileName() + " and " + f.getFileName() + " both hold tensor '" + name + "'");
                    tensors.put(name, TensorIo.readFile(f));
                }
            }
        }
        if (tensors.isEmpty()) throw new CompileException("--weights " + weights + ": no tensor files (*.pb)");
        List<OnnxExporter.Adapter> adapters = new ArrayList<>();
        for (String key : tensors.keySet()) {
            if (key.endsWith(".lora_B") && !tensors.containsKey(key.substring(0, key.length() - ".lora_B".length()) + ".lora_A")) {
                throw new CompileException("--weights " + weights + ": '" + key + "' has no matching '" + key.substring(0, key.length() - 1) + "A'");
            }
            if (!key.endsWith(".lora_A")) continue;
            String node = key.substring(0, key.length() - ".lora_A".length());
            Tensor a = tensors.get(key);
            Tensor b = tensors.get(node + ".lora_B");
            if (b == null) throw new CompileException("--weights " + weights + ": '" + key + "' has no matching '" + node + ".lora_B'");
            NodeProto n = m.getGraph().getNodeList().stream().filter(x -> x.getName().equals(node)).findFirst()
                    .orElseThrow(() -> new CompileException("--weights: adapter for node '" + node + "', which " + model + " does not have"));
            if (n.getInputCount() < 2) throw new CompileException(model + ": node '" + node + "' has no weight input for a LoRA adapter");
            if (a.shape().length != 2 || a.shape()[0] < 1) throw new CompileException("--weights " + weights + ": '" + key + "' is " + a.type() + ", expected [rank, in]");
            adapters.add(new OnnxExporter.Adapter(node, n.getInput(1), a, b, alpha() / a.shape()[0]));
        }
        ModelProto tuned;
        try {
            tuned = OnnxExporter.export(m, tensors, adapters, merge);
        } catch (CompileException e) {
            throw e.within("--weights " + weights);
        }
        OutputFolder.writeFile(out, tuned.toByteArray(), force, "-o");
        spec.commandLine().getOut().printf("wrote %s (%d trained tensors, %d LoRA adapters %s)%n", CompileException.printable(out.toString()), tensors.size(), adapters.size(),
                merge ? "merged" : "kept as nodes");
        return Main.OK;
    }

    /** The trained tensors of a 'train --keep' run: ids and shapes from build/tensors.json, values from out/param_I.bin. */
    static Map<String, Tensor> readRun(Path run) throws IOException {
        Path file = run.resolve("build/tensors.json");
        JsonNode manifest = InputFile.readJson(file, file.toString());
        JsonNode trained = manifest.get("trained");
        if (!manifest.isObject() || trained == null || !trained.isArray()) throw new CompileException(file + ": expected an object with a 'trained' array");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (JsonNode t : trained) {
            JsonNode key = t.get("key");
            JsonNode id = t.get("id");
            JsonNode shapeNode = t.get("shape");
            if (!t.isObject() || key == null || !key.isTextual() || id == null || !id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0
                    || shapeNode == null || !shapeNode.isArray()) {
                throw new CompileException(file + ": each trained tensor needs a string 'key', a whole-number 'id' >= 0 and a 'shape' array");
            }
            int[] shape = new int[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToInt() || d.asInt() < 0) throw new CompileException(file + ": tensor '" + key.asText() + "': shape " + shapeNode + " must hold whole numbers >= 0");
                shape[i] = d.asInt();
            }
            org.traindeeploy.ir.DType d = "float".equals(t.path("dtype").asText()) ? org.traindeeploy.ir.DType.FLOAT : null;
            if (d == null) throw new CompileException(file + ": trained tensor '" + key.asText() + "' has unsupported type " + t.path("dtype"));
            if (out.containsKey(key.asText())) throw new CompileException(file + ": tensor '" + key.asText() + "' is listed twice");
            Path f = run.resolve("out/param_" + id.asInt() + ".bin");
            if (!Files.exists(f)) throw new CompileException(run + ": missing " + run.relativize(f) + " (did the run finish?)");
            org.traindeeploy.ir.TensorType type;
            try {
                type = org.traindeeploy.ir.TensorType.of(d, shape);
            } catch (CompileException e) {
                throw e.within(file + ": tensor '" + key.asText() + "'");
            }
            out.put(key.asText(), org.traindeeploy.codegen.HarnessFiles.read(f, type));
        }
        return out;
    }

    private double alpha() throws IOException {
        if (loraAlpha != null) return loraAlpha;
        Path info = weights.resolve("training.json");
        if (Files.exists(info)) {
            JsonNode n = InputFile.readJson(info, info.toString()).path("lora_alpha");
            if (n.isNumber() && n.asDouble() > 0 && Double.isFinite(n.asDouble())) return n.asDouble();
            throw new CompileException(info + ": 'lora_alpha' must be a positive number, got " + n);
        }
        throw new CompileException("--weights " + weights + " has LoRA adapters: give --lora-alpha (or a training.json with lora_alpha)");
    }
}
