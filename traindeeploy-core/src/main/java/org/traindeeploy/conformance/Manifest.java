package org.traindeeploy.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.train.LoraSpec;
import org.traindeeploy.train.LossKind;
import org.traindeeploy.train.LossTarget;
import org.traindeeploy.train.OptimizerSpec;
import org.traindeeploy.train.TrainSpec;
import org.traindeeploy.train.TrainingConfig;

/**
 * A conformance case folder's {@code manifest.json} (format: tests/conformance/README.md): the
 * model, data, and per strategy the trained tensors, loss, optimizer, LoRA adapters and expected losses.
 */
public record Manifest(Path dir, String model, String input, String output, int batch, int steps, boolean dynamicBatch,
                       Map<String, Strategy> strategies) {

    /** One strategy of a case. {@code losses} may be null (a case without expected losses). */
    /**
     * One strategy of a case. {@code losses} may be null (a case without expected losses). {@code target}
     * is "labels" (data/label_K.pb) or the name of a graph input; {@code accumulate} the micro-batches per update.
     */
    public record Strategy(String name, Map<String, String> trainable, LossKind loss, String target, OptimizerSpec optimizer,
                           Lora lora, List<Double> losses, long trainableElements, int accumulate) {
        /** Whether the loss reads data/label_K.pb. */
        public boolean readsLabels() { return target.equals("labels"); }
    }

    /** LoRA settings of a strategy: rank, alpha, and per target node the initial A and B files. */
    public record Lora(int rank, double alpha, List<Target> targets) {}

    public record Target(String node, String weight, Path a, Path b) {}

    public Path modelPath() { return dir.resolve(model); }

    public static Manifest read(Path dir) {
        Path file = dir.resolve("manifest.json");
        if (!Files.isRegularFile(file)) throw new CompileException(dir + ": not a conformance case (no manifest.json)");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new CompileException(file + ": invalid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        try {
            Map<String, Strategy> strategies = new LinkedHashMap<>();
            JsonNode ss = root.path("strategies");
            for (Map.Entry<String, JsonNode> e : ss.properties()) {
                strategies.put(e.getKey(), strategy(dir.resolve(e.getKey()), e.getKey(), e.getValue()));
            }
            return new Manifest(dir, text(root, "model", "model.onnx"), text(root, "input", "input"), root.path("output").asText(null),
                    root.path("batch").asInt(1), root.path("steps").asInt(0), root.path("dynamic_batch").asBoolean(false), strategies);
        } catch (CompileException e) {
            throw e.within(file.toString());
        }
    }

    private static String text(JsonNode n, String key, String dflt) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? dflt : v.asText();
    }

    private static Strategy strategy(Path sdir, String name, JsonNode s) {
        Map<String, String> trainable = new LinkedHashMap<>();
        s.path("trainable").properties().forEach(e -> trainable.put(e.getKey(), e.getValue().asText()));
        JsonNode o = s.path("optimizer");
        OptimizerSpec opt;
        String type = o.path("type").asText("sgd");
        if (OptimizerSpec.parseType(type) == OptimizerSpec.Type.SGD) {
            opt = OptimizerSpec.sgd(o.path("lr").asDouble(), o.path("momentum").asDouble(0), o.path("weight_decay").asDouble(0));
        } else {
            JsonNode betas = o.path("betas");
            if (!betas.isMissingNode() && !(betas.isArray() && betas.size() == 2 && betas.get(0).isNumber() && betas.get(1).isNumber())) {
                throw new CompileException("strategy '" + name + "': optimizer betas must be two numbers, got " + betas);
            }
            opt = OptimizerSpec.adam(o.path("lr").asDouble(), betas.isArray() ? betas.get(0).asDouble() : 0.9,
                    betas.isArray() ? betas.get(1).asDouble() : 0.999, o.path("eps").asDouble(1e-8), o.path("weight_decay").asDouble(0));
        }
        Lora lora = null;
        JsonNode l = s.get("lora");
        if (l != null && !l.isNull()) {
            List<Target> targets = new ArrayList<>();
            for (JsonNode t : l.path("targets")) {
                targets.add(new Target(t.path("node").asText(), t.path("weight").asText(), sdir.resolve(t.path("A").asText()), sdir.resolve(t.path("B").asText())));
            }
            lora = new Lora(l.path("rank").asInt(), l.path("alpha").asDouble(), targets);
        }
        List<Double> losses = null;
        if (s.path("losses").isArray()) {
            losses = new ArrayList<>();
            for (JsonNode v : s.path("losses")) losses.add(v.asDouble());
        }
        int accumulate = s.path("accumulate").asInt(1);
        if (accumulate < 1) throw new CompileException("strategy '" + name + "': accumulate " + accumulate + " must be at least 1");
        JsonNode target = s.get("target");
        return new Strategy(name, trainable, LossKind.parse(s.path("loss").asText("cross_entropy")),
                target == null || target.isNull() ? "labels" : target.asText(), opt, lora, losses, s.path("trainable_elements").asLong(-1), accumulate);
    }

    /** The training configuration that reproduces a strategy. */
    public TrainingConfig config(Strategy s) {
        List<String> names = new ArrayList<>();
        java.util.Set<String> loraKeys = new java.util.HashSet<>();
        if (s.lora() != null) {
            for (Target t : s.lora().targets()) {
                loraKeys.add(t.node() + ".lora_A");
                loraKeys.add(t.node() + ".lora_B");
            }
        }
        for (String k : s.trainable().keySet()) if (!loraKeys.contains(k)) names.add(k);
        LoraSpec lora = null;
        if (s.lora() != null) {
            List<String> nodes = s.lora().targets().stream().map(Target::node).toList();
            Path init = s.lora().targets().isEmpty() ? null : s.lora().targets().get(0).a().getParent();
            lora = new LoraSpec(nodes, s.lora().rank(), s.lora().alpha(), 0, init);
        }
        LossTarget target;
        if (!s.readsLabels()) {
            target = LossTarget.input(s.target());
        } else {
            // Class labels are int64; float32 label files are regression targets of the output's shape.
            Path f = dir.resolve("data").resolve("label_0.pb");
            boolean values = Files.exists(f) && org.traindeeploy.onnx.TensorIo.readFile(f).dtype().isFloat();
            target = values ? LossTarget.VALUES : LossTarget.CLASSES;
        }
        return new TrainingConfig(TrainSpec.names(names), lora, s.loss(), target, s.optimizer(), s.accumulate(), batch, output);
    }
}
