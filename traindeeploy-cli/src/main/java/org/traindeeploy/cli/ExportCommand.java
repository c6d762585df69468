package org.traindeeploy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.traindeeploy.ir.CompileException;
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
        ModelProto m = OnnxReader.read(model);
        if (!Files.isDirectory(weights)) throw new CompileException("--weights " + weights + ": not a folder");
        Map<String, Tensor> tensors = Files.isRegularFile(weights.resolve("build/tensors.json")) ? readRun(weights) : new LinkedHashMap<>();
        if (tensors.isEmpty()) {
            try (Stream<Path> files = Files.list(weights)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".pb")).sorted().toList()) tensors.put(TensorIo.readName(f), TensorIo.readFile(f));
            }
        }
        if (tensors.isEmpty()) throw new CompileException("--weights " + weights + ": no tensor files (*.pb)");
        List<OnnxExporter.Adapter> adapters = new ArrayList<>();
        for (String key : tensors.keySet()) {
            if (!key.endsWith(".lora_A")) continue;
            String node = key.substring(0, key.length() - ".lora_A".length());
            Tensor a = tensors.get(key);
            Tensor b = tensors.get(node + ".lora_B");
            if (b == null) throw new CompileException("--weights " + weights + ": '" + key + "' has no matching '" + node + ".lora_B'");
            NodeProto n = m.getGraph().getNodeList().stream().filter(x -> x.getName().equals(node)).findFirst()
                    .orElseThrow(() -> new CompileException("--weights: adapter for node '" + node + "', which " + model + " does not have"));
            adapters.add(new OnnxExporter.Adapter(node, n.getInput(1), a, b, alpha() / a.shape()[0]));
        }
        ModelProto tuned = OnnxExporter.export(m, tensors, adapters, merge);
        if (Files.exists(out) && !force) throw new CompileException(out + ": already exists (use --force to replace it)");
        Path abs = out.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        try {
            Files.write(tmp, tuned.toByteArray());
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        spec.commandLine().getOut().printf("wrote %s (%d trained tensors, %d LoRA adapters %s)%n", out, tensors.size(), adapters.size(), merge ? "merged" : "kept as nodes");
        return Main.OK;
    }

    /** The trained tensors of a 'train --keep' run: ids and shapes from build/tensors.json, values from out/param_I.bin. */
    static Map<String, Tensor> readRun(Path run) throws IOException {
        JsonNode manifest = new ObjectMapper().readTree(run.resolve("build/tensors.json").toFile());
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (JsonNode t : manifest.path("trained")) {
            int[] shape = new int[t.path("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = t.path("shape").get(i).asInt();
            org.traindeeploy.ir.DType d = "float".equals(t.path("dtype").asText()) ? org.traindeeploy.ir.DType.FLOAT : null;
            if (d == null) throw new CompileException(run + ": trained tensor '" + t.path("key").asText() + "' has unsupported type " + t.path("dtype").asText());
            Path f = run.resolve("out/param_" + t.path("id").asInt() + ".bin");
            if (!Files.isRegularFile(f)) throw new CompileException(run + ": missing " + run.relativize(f) + " (did the run finish?)");
            out.put(t.path("key").asText(), org.traindeeploy.codegen.HarnessFiles.read(f, org.traindeeploy.ir.TensorType.of(d, shape)));
        }
        return out;
    }

    private double alpha() throws IOException {
        if (loraAlpha != null) return loraAlpha;
        Path info = weights.resolve("training.json");
        if (Files.isRegularFile(info)) {
            JsonNode n = new ObjectMapper().readTree(info.toFile()).path("lora_alpha");
            if (n.isNumber()) return n.asDouble();
        }
        throw new CompileException("--weights " + weights + " has LoRA adapters: give --lora-alpha (or a training.json with lora_alpha)");
    }
}
