package org.traindeeploy.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.traindeeploy.io.InputFile;
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

    /** The model file, inside the case folder (checked when the manifest was read). */
    public Path modelPath() { return dir.resolve(model); }

    /**
     * Read and check a case's manifest. Every field has one type: a wrong type, a fraction where a
     * count is expected, a number out of range, or a file path that leaves the case folder (an
     * absolute path, a {@code ..} segment, or a link leading outside) is an error naming the
     * manifest and the field; nothing is coerced.
     */
    public static Manifest read(Path dir) {
        Path file = dir.resolve("manifest.json");
        if (!Files.exists(file)) throw new CompileException(dir + ": not a conformance case (no manifest.json)");
        JsonNode root = InputFile.readJson(file, file.toString());
        try {
            if (!root.isObject()) throw new CompileException("a manifest must be a JSON object, got " + kind(root));
            String model = string(root, "model", "model.onnx", false);
            confined(dir, model, "model");
            String input = string(root, "input", "input", false);
            String output = string(root, "output", null, true);
            int batch = integer(root, "batch", 1, 1, Integer.MAX_VALUE);
            int steps = integer(root, "steps", 0, 0, 1_000_000);
            boolean dynamicBatch = bool(root, "dynamic_batch", false);
            integer(root, "opset", 0, 0, Integer.MAX_VALUE);
            JsonNode ss = root.get("strategies");
            if (ss == null || !ss.isObject()) throw new CompileException("'strategies' must be an object of named strategies, got " + kind(ss));
            if (ss.isEmpty()) throw new CompileException("'strategies' is empty");
            Map<String, Strategy> strategies = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : ss.properties()) {
                try {
                    strategies.put(e.getKey(), strategy(dir, e.getKey(), e.getValue()));
                } catch (CompileException x) {
                    throw x.getMessage().startsWith("strategy '") ? x : x.within("strategy '" + e.getKey() + "'");
                }
            }
            return new Manifest(dir, model, input, output, batch, steps, dynamicBatch, strategies);
        } catch (CompileException e) {
            throw e.within(file.toString());
        }
    }

    private static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) return "nothing";
        if (n.isNull()) return "null";
        if (n.isObject()) return "an object";
        if (n.isArray()) return "an array";
        if (n.isTextual()) return "a string";
        if (n.isBoolean()) return "a boolean";
        return "the number " + n;
    }

    private static String string(JsonNode n, String key, String dflt, boolean nullable) {
        JsonNode v = n.get(key);
        if (v == null || (nullable && v.isNull())) return dflt;
        if (!v.isTextual() || v.asText().isEmpty()) throw new CompileException("'" + key + "' must be a non-empty string, got " + kind(v));
        return v.asText();
    }

    private static int integer(JsonNode n, String key, int dflt, int min, int max) {
        long v = longValue(n, key, dflt, min, max);
        return (int) v;
    }

    private static long longValue(JsonNode n, String key, long dflt, long min, long max) {
        JsonNode v = n.get(key);
        if (v == null) return dflt;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw new CompileException("'" + key + "' must be a whole number, got " + kind(v));
        long x = v.asLong();
        if (x < min || x > max) throw new CompileException("'" + key + "' must lie in [" + min + ", " + max + "], got " + x);
        return x;
    }

    private static boolean bool(JsonNode n, String key, boolean dflt) {
        JsonNode v = n.get(key);
        if (v == null) return dflt;
        if (!v.isBoolean()) throw new CompileException("'" + key + "' must be true or false, got " + kind(v));
        return v.asBoolean();
    }

    private static double number(JsonNode n, String key, double dflt, boolean required) {
        JsonNode v = n.get(key);
        if (v == null) {
            if (required) throw new CompileException("'" + key + "' is missing");
            return dflt;
        }
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) throw new CompileException("'" + key + "' must be a finite number, got " + kind(v));
        return v.asDouble();
    }

    private static JsonNode object(JsonNode n, String key, boolean nullable) {
        JsonNode v = n.get(key);
        if (v == null || (nullable && v.isNull())) return null;
        if (!v.isObject()) throw new CompileException("'" + key + "' must be an object, got " + kind(v));
        return v;
    }

    /**
     * {@code rel} resolved in the case folder, refused when it could lead outside: an absolute
     * path, a {@code ..} segment, a NUL, or (when it exists) a real path outside the folder's.
     */
    public static Path confined(Path dir, String rel, String field) {
        if (rel.indexOf('\0') >= 0) throw new CompileException("'" + field + "' contains a NUL character");
        String norm = rel.replace('\\', '/');
        if (norm.startsWith("/") || norm.matches("^[A-Za-z]:.*")) {
            throw new CompileException("'" + field + "' '" + rel + "' is absolute; only paths inside the case folder are allowed");
        }
        for (String seg : norm.split("/")) {
            if (seg.equals("..")) throw new CompileException("'" + field + "' '" + rel + "' contains '..'; only paths inside the case folder are allowed");
        }
        Path p = dir.resolve(norm);
        if (Files.exists(p)) {
            try {
                if (!p.toRealPath().startsWith(dir.toRealPath())) {
                    throw new CompileException("'" + field + "' '" + rel + "' leads outside the case folder through a link");
                }
            } catch (java.io.IOException e) {
                throw new CompileException("'" + field + "' '" + rel + "': " + InputFile.describe(e));
            }
        }
        return p;
    }

    private static Strategy strategy(Path dir, String name, JsonNode s) {
        if (!s.isObject()) throw new CompileException("a strategy must be an object, got " + kind(s));
        Path sdir = confined(dir, name, "strategy name");
        Map<String, String> trainable = new LinkedHashMap<>();
        JsonNode tr = object(s, "trainable", false);
        for (Map.Entry<String, JsonNode> e : tr == null ? java.util.Set.<Map.Entry<String, JsonNode>>of() : tr.properties()) {
            if (!e.getValue().isTextual() || e.getValue().asText().isEmpty()) {
                throw new CompileException("'trainable' '" + e.getKey() + "' must name a file, got " + kind(e.getValue()));
            }
            confined(sdir, e.getValue().asText(), "trainable '" + e.getKey() + "'");
            trainable.put(e.getKey(), e.getValue().asText());
        }
        JsonNode o = object(s, "optimizer", false);
        if (o == null) throw new CompileException("'optimizer' is missing");
        OptimizerSpec opt;
        String type = string(o, "type", "sgd", false);
        if (OptimizerSpec.parseType(type) == OptimizerSpec.Type.SGD) {
            opt = OptimizerSpec.sgd(number(o, "lr", 0, true), number(o, "momentum", 0, false), number(o, "weight_decay", 0, false));
        } else {
            JsonNode betas = o.get("betas");
            if (betas != null && !(betas.isArray() && betas.size() == 2 && betas.get(0).isNumber() && betas.get(1).isNumber())) {
                throw new CompileException("strategy '" + name + "': optimizer betas must be two numbers, got " + betas);
            }
            opt = OptimizerSpec.adam(number(o, "lr", 0, true), betas != null ? betas.get(0).asDouble() : 0.9,
                    betas != null ? betas.get(1).asDouble() : 0.999, number(o, "eps", 1e-8, false), number(o, "weight_decay", 0, false));
        }
        Lora lora = null;
        JsonNode l = object(s, "lora", true);
        if (l != null) {
            List<Target> targets = new ArrayList<>();
            JsonNode ts = l.get("targets");
            if (ts == null || !ts.isArray()) throw new CompileException("lora 'targets' must be an array, got " + kind(ts));
            for (JsonNode t : ts) {
                if (!t.isObject()) throw new CompileException("a lora target must be an object, got " + kind(t));
                String a = string(t, "A", null, false);
                String b = string(t, "B", null, false);
                if (a == null || b == null) throw new CompileException("a lora target needs 'A' and 'B' files");
                String node = string(t, "node", null, false);
                if (node == null) throw new CompileException("a lora target needs a 'node'");
                targets.add(new Target(node, string(t, "weight", "", false), confined(sdir, a, "A"), confined(sdir, b, "B")));
            }
            lora = new Lora(integer(l, "rank", 0, 1, 1 << 16), number(l, "alpha", 0, true), targets);
        }
        List<Double> losses = null;
        JsonNode ls = s.get("losses");
        if (ls != null && !ls.isNull()) {
            if (!ls.isArray()) throw new CompileException("'losses' must be an array of numbers, got " + kind(ls));
            losses = new ArrayList<>();
            for (JsonNode v : ls) {
                if (!v.isNumber() || !Double.isFinite(v.asDouble())) throw new CompileException("'losses' must hold finite numbers, got " + kind(v));
                losses.add(v.asDouble());
            }
        }
        JsonNode loss = s.get("loss");
        if (loss != null && !loss.isTextual()) throw new CompileException("'loss' must be a string, got " + kind(loss));
        int accumulate = integer(s, "accumulate", 1, 1, 1 << 20);
        String target = string(s, "target", "labels", true);
        return new Strategy(name, trainable, LossKind.parse(loss == null ? "cross_entropy" : loss.asText()), target, opt, lora, losses,
                longValue(s, "trainable_elements", -1, 0, Long.MAX_VALUE), accumulate);
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
