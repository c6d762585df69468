package org.traindeeploy.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.Value;
import org.traindeeploy.onnx.TensorIo;
import org.traindeeploy.ops.Add;
import org.traindeeploy.ops.Linear;

/**
 * Adds LoRA adapters (PEFT convention) to the Linear nodes whose name matches a target glob:
 * <pre>
 * y = Linear(x, W, b)   ->   y = Linear(x, W, b) + Linear(Linear(x, A, transW), B, transW, α/r)
 * </pre>
 * with A [r, in] and B [out, r] new trainable state named {@code <node>.lora_A} / {@code .lora_B};
 * the base weight stays as it was (frozen unless also selected for training). Matching nodes that
 * are not a Linear with a weight (e.g. a MatMul of two activations) are skipped. After autodiff,
 * {@code fuse-residual} folds the Add into the B product and {@code fuse-lora} folds the three
 * Linears into one {@link org.traindeeploy.ops.LoraLinear} whose kernel adds the low-rank term in
 * the base product's tile.
 */
public final class LoraInjection {
    private LoraInjection() {}

    /** One injected adapter. */
    public record Adapter(String node, String weight, Value a, Value b) {}

    public static List<Adapter> apply(Graph g, LoraSpec spec) {
        Map<String, Tensor> init = spec.initDir() == null ? Map.of() : readInit(spec.initDir());
        SplittableRandom rng = new SplittableRandom(spec.seed());
        List<Adapter> out = new ArrayList<>();
        java.util.Set<Node> done = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (String pattern : spec.targets()) {
            Glob glob = new Glob(pattern);
            int hits = 0;
            int matchedNodes = 0;
            for (Node n : new ArrayList<>(g.nodes())) {
                if (!glob.matches(n.name())) continue;
                matchedNodes++;
                if (!(n.op() instanceof Linear lin) || !n.input(1).isParameterLike()) continue;
                if (done.contains(n)) { // matched by an earlier pattern too
                    hits++;
                    continue;
                }
                if (out.stream().anyMatch(a -> a.node().equals(n.name()))) {
                    // Adapters are named, initialised and exported by their node's name: two would collide.
                    throw new CompileException("--lora pattern '" + pattern + "' matches two nodes named '" + n.name()
                            + "'; adapters are named after their node, so LoRA needs unique node names");
                }
                done.add(n);
                out.add(inject(g, n, lin, spec, init, rng));
                hits++;
            }
            if (hits == 0) {
                throw new CompileException("--lora pattern '" + pattern + "' matches " + (matchedNodes == 0 ? "no node"
                        : matchedNodes + " node(s), none of them a MatMul/Gemm with a constant weight"));
            }
        }
        return out;
    }

    private static Adapter inject(Graph g, Node n, Linear lin, LoraSpec spec, Map<String, Tensor> init, SplittableRandom rng) {
        Value w = n.input(1);
        int in = lin.transW() ? w.type().dim(1) : w.type().dim(0);
        int outDim = lin.transW() ? w.type().dim(0) : w.type().dim(1);
        int r = spec.rank();
        if (r > Math.min(in, outDim)) {
            throw new CompileException("--lora-rank " + r + " is larger than the weight of node '" + n.name() + "' allows (" + w.type() + ")");
        }
        String keyA = n.name() + ".lora_A";
        String keyB = n.name() + ".lora_B";
        var dtype = w.type().dtype();
        Tensor a0 = init.get(keyA);
        Tensor b0 = init.get(keyB);
        if (spec.initDir() != null && (a0 == null || b0 == null)) {
            throw new CompileException("--lora-init " + spec.initDir() + " has no tensor named '" + (a0 == null ? keyA : keyB) + "'");
        }
        if (a0 == null) {
            double bound = 1 / Math.sqrt(in); // kaiming_uniform_(a=√5): gain·√(3/fan_in) = 1/√fan_in
            double[] d = new double[r * in];
            for (int i = 0; i < d.length; i++) d[i] = (rng.nextDouble() * 2 - 1) * bound;
            a0 = Tensor.ofReal(dtype, new int[] {r, in}, d).roundToType();
            b0 = Tensor.zeros(dtype, outDim, r);
        }
        checkShape(a0, new int[] {r, in}, keyA);
        checkShape(b0, new int[] {outDim, r}, keyB);
        Value a = g.addState(keyA, a0.cast(dtype));
        Value b = g.addState(keyB, b0.cast(dtype));
        Value y = n.output(0);
        Value t = g.add(g.uniqueName(n.name() + "/lora_A"), new Linear(true, 1.0), n.input(0), a);
        Value u = g.add(g.uniqueName(n.name() + "/lora_B"), new Linear(true, spec.scale()), t, b);
        Value sum = g.add(g.uniqueName(n.name() + "/lora_add"), new Add(), y, u);
        // Readers of y now read y + update; the Add itself keeps reading y.
        g.replaceAllUsesExcept(y, sum, sum.producer());
        return new Adapter(n.name(), w.name(), a, b);
    }

    private static void checkShape(Tensor t, int[] want, String key) {
        if (!java.util.Arrays.equals(t.shape(), want)) {
            throw new CompileException("LoRA initial tensor '" + key + "' is " + t.type() + ", expected shape " + java.util.Arrays.toString(want));
        }
    }

    /** All tensor files in a folder, by the name stored inside each. */
    static Map<String, Tensor> readInit(Path dir) {
        if (!Files.isDirectory(dir)) throw new CompileException("--lora-init " + dir + ": not a folder");
        Map<String, Tensor> m = new HashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".pb")).sorted().toList()) {
                m.put(TensorIo.readName(f), TensorIo.readFile(f));
            }
        } catch (IOException e) {
            throw new CompileException("--lora-init " + dir + ": " + e.getMessage());
        }
        return m;
    }
}
