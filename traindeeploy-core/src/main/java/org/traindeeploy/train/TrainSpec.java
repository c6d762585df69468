package org.traindeeploy.train;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.onnx.OnnxModel;

/**
 * Which initializers are trained. {@code all}: every floating initializer but BatchNorm running
 * statistics and the constants an op reads at compile time (a Clip's bounds, say); {@code last}: the
 * parameters of the last layer that has any; otherwise comma-separated globs, each selecting the
 * initializers whose name matches and the weight inputs of every node whose name matches; or an
 * explicit list of initializer names. Everything else is frozen.
 */
public record TrainSpec(Kind kind, List<String> patterns) {
    public enum Kind { ALL, LAST, GLOBS, NAMES, NONE }

    public static TrainSpec parse(String text) {
        if (text == null || text.isBlank()) return new TrainSpec(Kind.NONE, List.of());
        String t = text.trim();
        if (t.equals("all")) return new TrainSpec(Kind.ALL, List.of());
        if (t.equals("last")) return new TrainSpec(Kind.LAST, List.of());
        List<String> globs = new ArrayList<>();
        for (String s : t.split(",")) {
            if (s.isBlank()) throw new CompileException("--train '" + text + "': empty pattern");
            globs.add(s.trim());
        }
        return new TrainSpec(Kind.GLOBS, globs);
    }

    public static TrainSpec names(List<String> names) { return new TrainSpec(Kind.NAMES, List.copyOf(names)); }

    /**
     * Resolve to initializer names against the model. {@code normalized} is the model imported and
     * normalized without training (used by {@code last}, whose layers are the fused ops).
     */
    public Set<String> resolve(OnnxModel model, java.util.function.Supplier<Graph> normalized) {
        return resolve(model, normalized, () -> normalized.get().readAtCompileTime());
    }

    /**
     * As {@link #resolve(OnnxModel, java.util.function.Supplier)}; {@code readAtCompileTime} gives the
     * initializers ops read at compile time (left out by {@code all}; cheaper than normalizing).
     */
    public Set<String> resolve(OnnxModel model, java.util.function.Supplier<Graph> normalized, java.util.function.Supplier<Set<String>> readAtCompileTime) {
        Set<String> floats = model.floatInitializers();
        // Running statistics are buffers, not parameters (as PyTorch's named_parameters): 'all' and
        // globs leave them out; naming one explicitly is refused where it cannot train.
        Set<String> statistics = model.batchNormStatistics();
        Set<String> params = new LinkedHashSet<>(floats);
        params.removeAll(statistics);
        Set<String> out = new LinkedHashSet<>();
        switch (kind) {
            case NONE -> { }
            case ALL -> {
                // Every parameter, but not the constants an op needs at compile time (a Clip's bounds, say).
                out.addAll(params);
                out.removeAll(readAtCompileTime.get());
            }
            case NAMES -> {
                for (String n : patterns) {
                    if (!floats.contains(n)) throw new CompileException("trainable tensor '" + n + "' is not a floating initializer of the model");
                    out.add(n);
                }
            }
            case LAST -> out.addAll(lastLayer(normalized.get()));
            case GLOBS -> {
                for (String p : patterns) {
                    Glob g = new Glob(p);
                    Set<String> hit = new LinkedHashSet<>();
                    for (String n : params) if (g.matches(n)) hit.add(n);
                    for (OnnxModel.NodeInputs n : model.nodes()) {
                        if (!g.matches(n.name())) continue;
                        for (String in : n.inputs()) if (params.contains(in)) hit.add(in);
                    }
                    if (hit.isEmpty()) throw new CompileException("--train pattern '" + p + "' matches no initializer and no node with weights");
                    out.addAll(hit);
                }
            }
        }
        return out;
    }

    /** Weight inputs of the last node (in execution order) that has a weight of rank ≥ 2. */
    static List<String> lastLayer(Graph g) {
        List<Node> nodes = g.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            boolean hasWeight = n.inputs().stream().anyMatch(v -> v != null && v.isParameterLike() && v.type().dtype().isFloat() && v.type().rank() >= 2);
            if (!hasWeight) continue;
            List<String> names = new ArrayList<>();
            for (Value v : n.inputs()) if (v != null && v.isParameterLike() && v.type().dtype().isFloat()) names.add(v.name());
            return names;
        }
        throw new CompileException("--train last: the model has no layer with weights");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "all";
            case LAST -> "last";
            case NONE -> "none";
            default -> String.join(",", patterns);
        };
    }
}
