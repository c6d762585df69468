package org.traindeeploy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;

/**
 * Large synthetic models for the scaling checks of the passes (bench/scale.sh writes them with
 * {@link #main}; unit tests use small sizes): a long chain, a wide graph of many parallel linear
 * layers summed up, and a deep transformer (ViT-like blocks). All have one input x[1, ...] and
 * logits [1, classes].
 */
public final class BigGraphs {
    private BigGraphs() {}

    static Tensor random(SplittableRandom r, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (r.nextDouble() - 0.5) * 0.2;
        return Tensor.floats(shape, v);
    }

    /** x[1,8] → (Add bias_i → Relu) × nodes/2 → Gemm → logits[1,4]: about {@code nodes} nodes, each with a trainable bias. */
    public static ModelProto chain(int nodes) {
        SplittableRandom r = new SplittableRandom(1);
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 8);
        String h = "x";
        for (int i = 0; i < nodes / 2; i++) {
            b.init("b" + i, random(r, 8));
            b.node("Add", "add" + i, List.of(h, "b" + i), List.of("a" + i));
            b.node("Relu", "relu" + i, List.of("a" + i), List.of("r" + i));
            h = "r" + i;
        }
        b.init("W", random(r, 4, 8)).node("Gemm", "head", List.of(h, "W"), List.of("logits"), "transB", 1L);
        return b.output("logits").build();
    }

    /** x[1,8] → {@code branches} parallel MatMuls x·W_i [1,4], summed by a chain of Adds: about 2 × branches nodes. */
    public static ModelProto wide(int branches) {
        SplittableRandom r = new SplittableRandom(2);
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 8);
        String sum = null;
        for (int i = 0; i < branches; i++) {
            b.init("W" + i, random(r, 8, 4));
            b.node("MatMul", "mm" + i, List.of("x", "W" + i), List.of("y" + i));
            if (sum == null) {
                sum = "y" + i;
            } else {
                b.node("Add", "sum" + i, List.of(sum, "y" + i), List.of("s" + i));
                sum = "s" + i;
            }
        }
        b.node("Relu", "out", List.of(sum), List.of("logits"));
        return b.output("logits").build();
    }

    /**
     * A ViT-like transformer: x[1,T,D] → {@code depth} blocks of (LayerNorm, single-head attention with
     * q/k/v/o MatMuls, residual Add, LayerNorm, MLP fc1/Relu/fc2, residual Add) → mean over tokens → head.
     */
    public static ModelProto vit(int depth) {
        int t = 8;
        int d = 16;
        SplittableRandom r = new SplittableRandom(3);
        OnnxBuilder b = new OnnxBuilder().input("x", 1, t, d);
        String h = "x";
        for (int i = 0; i < depth; i++) {
            String p = "/blocks." + i;
            b.init(p + ".ln1.w", Tensor.floats(new int[] {d}, ones(d))).init(p + ".ln1.b", Tensor.zeros(DType.FLOAT, d));
            b.node("LayerNormalization", p + "/ln1", List.of(h, p + ".ln1.w", p + ".ln1.b"), List.of(p + "/n1"), "axis", -1L);
            for (String w : new String[] {"q", "k", "v", "o"}) b.init(p + "." + w, random(r, d, d));
            b.node("MatMul", p + "/q/MatMul", List.of(p + "/n1", p + ".q"), List.of(p + "/q"));
            b.node("MatMul", p + "/k/MatMul", List.of(p + "/n1", p + ".k"), List.of(p + "/k"));
            b.node("MatMul", p + "/v/MatMul", List.of(p + "/n1", p + ".v"), List.of(p + "/v"));
            b.node("Transpose", p + "/kT", List.of(p + "/k"), List.of(p + "/kt"), "perm", new long[] {0, 2, 1});
            b.node("MatMul", p + "/scores", List.of(p + "/q", p + "/kt"), List.of(p + "/s"));
            b.node("Softmax", p + "/softmax", List.of(p + "/s"), List.of(p + "/a"), "axis", -1L);
            b.node("MatMul", p + "/attend", List.of(p + "/a", p + "/v"), List.of(p + "/av"));
            b.node("MatMul", p + "/o/MatMul", List.of(p + "/av", p + ".o"), List.of(p + "/o"));
            b.node("Add", p + "/res1", List.of(h, p + "/o"), List.of(p + "/h1"));
            b.init(p + ".ln2.w", Tensor.floats(new int[] {d}, ones(d))).init(p + ".ln2.b", Tensor.zeros(DType.FLOAT, d));
            b.node("LayerNormalization", p + "/ln2", List.of(p + "/h1", p + ".ln2.w", p + ".ln2.b"), List.of(p + "/n2"), "axis", -1L);
            b.init(p + ".fc1", random(r, d, 2 * d)).init(p + ".fc2", random(r, 2 * d, d));
            b.node("MatMul", p + "/fc1/MatMul", List.of(p + "/n2", p + ".fc1"), List.of(p + "/f1"));
            b.node("Relu", p + "/act", List.of(p + "/f1"), List.of(p + "/f1r"));
            b.node("MatMul", p + "/fc2/MatMul", List.of(p + "/f1r", p + ".fc2"), List.of(p + "/f2"));
            b.node("Add", p + "/res2", List.of(p + "/h1", p + "/f2"), List.of(p + "/out"));
            h = p + "/out";
        }
        b.node("ReduceMean", "/pool", List.of(h), List.of("pooled"), "axes", new long[] {1}, "keepdims", 0L);
        b.init("head.w", random(r, 4, d)).node("Gemm", "/head/Gemm", List.of("pooled", "head.w"), List.of("logits"), "transB", 1L);
        return b.output("logits").build();
    }

    private static double[] ones(int n) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, 1);
        return v;
    }

    /** {@code BigGraphs DIR [chainNodes wideBranches vitDepth]}: writes chain.onnx, wide.onnx and vit.onnx into DIR. */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        int chain = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int wide = args.length > 2 ? Integer.parseInt(args[2]) : 50_000;
        int vit = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        Files.write(dir.resolve("chain.onnx"), chain(chain).toByteArray());
        Files.write(dir.resolve("wide.onnx"), wide(wide).toByteArray());
        Files.write(dir.resolve("vit.onnx"), vit(vit).toByteArray());
    }
}
