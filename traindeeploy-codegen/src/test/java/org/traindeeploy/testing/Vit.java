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
 * A small vision transformer as PyTorch exports it (issue 16): 3×32×32 images cut into 4×4 patches
 * by a strided Conv (64 tokens of dim 128), learned position embeddings, {@code depth} pre-norm
 * blocks (LayerNorm; multi-head attention with 4 heads of 32: q/k/v/o MatMul + bias, Reshape and
 * Transpose to heads, scaled scores, Softmax; residual Add; LayerNorm; MLP 128→256 with the erf
 * GELU →128; residual Add), a final LayerNorm, the mean over tokens and a 10-class Gemm head.
 * The batch is symbolic ({@code N}; the Reshapes use -1). Depth 8: 1,075,850 parameters. Weights are small random values from a fixed seed.
 * {@code Vit DIR [depth]} writes DIR/vit.onnx.
 */
public final class Vit {
    private Vit() {}

    public static final int DIM = 128;
    public static final int HEADS = 4;
    public static final int MLP = 256;
    public static final int PATCH = 4;
    public static final int CLASSES = 10;

    static Tensor random(SplittableRandom r, double scale, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (r.nextDouble() * 2 - 1) * scale;
        return Tensor.floats(shape, v);
    }

    static Tensor filled(double x, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        double[] v = new double[n];
        java.util.Arrays.fill(v, x);
        return Tensor.floats(shape, v);
    }

    static Tensor shape(long... dims) { return Tensor.vector(dims); }

    /** The model with {@code depth} blocks. */
    public static ModelProto model(int depth) {
        int side = 32 / PATCH;
        int tokens = side * side;
        int hd = DIM / HEADS;
        SplittableRandom r = new SplittableRandom(16);
        OnnxBuilder b = new OnnxBuilder().input("input", "N", 3, 32, 32);
        b.init("patch.weight", random(r, 1 / Math.sqrt(3 * PATCH * PATCH), DIM, 3, PATCH, PATCH)).init("patch.bias", random(r, 0.02, DIM));
        b.node("Conv", "/patch/Conv", List.of("input", "patch.weight", "patch.bias"), List.of("/patch/out"), "kernel_shape", new long[] {PATCH, PATCH},
                "strides", new long[] {PATCH, PATCH});
        b.init("/flat_shape", shape(-1, DIM, tokens)).node("Reshape", "/flatten", List.of("/patch/out", "/flat_shape"), List.of("/flat"));
        b.node("Transpose", "/tokens", List.of("/flat"), List.of("/tok"), "perm", new long[] {0, 2, 1});
        b.init("pos", random(r, 0.02, 1, tokens, DIM)).node("Add", "/pos/Add", List.of("/tok", "pos"), List.of("/x0"));
        b.init("/heads_shape", shape(-1, tokens, HEADS, hd)).init("/merge_shape", shape(-1, tokens, DIM));
        // Scalars as Constant nodes, as PyTorch exports them (not initializers: --train all leaves them out).
        b.node("Constant", "/scale/Constant", List.of(), List.of("/scale"), "value", Tensor.floats(new int[] {}, 1 / Math.sqrt(hd)));
        b.node("Constant", "/sqrt2/Constant", List.of(), List.of("/sqrt2"), "value", Tensor.floats(new int[] {}, Math.sqrt(2)));
        b.node("Constant", "/one/Constant", List.of(), List.of("/one"), "value", Tensor.floats(new int[] {}, 1.0));
        b.node("Constant", "/half/Constant", List.of(), List.of("/half"), "value", Tensor.floats(new int[] {}, 0.5));
        String h = "/x0";
        double ws = 1 / Math.sqrt(DIM);
        for (int i = 0; i < depth; i++) {
            String p = "/blocks." + i;
            String w = "blocks." + i;
            b.init(w + ".norm1.weight", filled(1, DIM)).init(w + ".norm1.bias", filled(0, DIM));
            b.node("LayerNormalization", p + "/norm1", List.of(h, w + ".norm1.weight", w + ".norm1.bias"), List.of(p + "/n1"), "axis", -1L, "epsilon", 1e-5);
            for (String q : new String[] {"q", "k", "v"}) {
                b.init(w + ".attn." + q + ".weight", random(r, ws, DIM, DIM)).init(w + ".attn." + q + ".bias", random(r, 0.02, DIM));
                b.node("MatMul", p + "/attn/" + q + "/MatMul", List.of(p + "/n1", w + ".attn." + q + ".weight"), List.of(p + "/" + q + "m"));
                b.node("Add", p + "/attn/" + q + "/Add", List.of(p + "/" + q + "m", w + ".attn." + q + ".bias"), List.of(p + "/" + q));
                b.node("Reshape", p + "/attn/" + q + "/Reshape", List.of(p + "/" + q, "/heads_shape"), List.of(p + "/" + q + "r"));
            }
            b.node("Transpose", p + "/attn/q/Transpose", List.of(p + "/qr"), List.of(p + "/qh"), "perm", new long[] {0, 2, 1, 3});
            b.node("Transpose", p + "/attn/k/Transpose", List.of(p + "/kr"), List.of(p + "/kh"), "perm", new long[] {0, 2, 3, 1});
            b.node("Transpose", p + "/attn/v/Transpose", List.of(p + "/vr"), List.of(p + "/vh"), "perm", new long[] {0, 2, 1, 3});
            b.node("MatMul", p + "/attn/scores", List.of(p + "/qh", p + "/kh"), List.of(p + "/s"));
            b.node("Mul", p + "/attn/scale", List.of(p + "/s", "/scale"), List.of(p + "/ss"));
            b.node("Softmax", p + "/attn/Softmax", List.of(p + "/ss"), List.of(p + "/a"), "axis", -1L);
            b.node("MatMul", p + "/attn/attend", List.of(p + "/a", p + "/vh"), List.of(p + "/av"));
            b.node("Transpose", p + "/attn/merge/Transpose", List.of(p + "/av"), List.of(p + "/avt"), "perm", new long[] {0, 2, 1, 3});
            b.node("Reshape", p + "/attn/merge/Reshape", List.of(p + "/avt", "/merge_shape"), List.of(p + "/avm"));
            b.init(w + ".attn.proj.weight", random(r, ws, DIM, DIM)).init(w + ".attn.proj.bias", random(r, 0.02, DIM));
            b.node("MatMul", p + "/attn/proj/MatMul", List.of(p + "/avm", w + ".attn.proj.weight"), List.of(p + "/om"));
            b.node("Add", p + "/attn/proj/Add", List.of(p + "/om", w + ".attn.proj.bias"), List.of(p + "/o"));
            b.node("Add", p + "/res1", List.of(h, p + "/o"), List.of(p + "/h1"));
            b.init(w + ".norm2.weight", filled(1, DIM)).init(w + ".norm2.bias", filled(0, DIM));
            b.node("LayerNormalization", p + "/norm2", List.of(p + "/h1", w + ".norm2.weight", w + ".norm2.bias"), List.of(p + "/n2"), "axis", -1L, "epsilon",
                    1e-5);
            b.init(w + ".mlp.fc1.weight", random(r, ws, DIM, MLP)).init(w + ".mlp.fc1.bias", random(r, 0.02, MLP));
            b.node("MatMul", p + "/mlp/fc1/MatMul", List.of(p + "/n2", w + ".mlp.fc1.weight"), List.of(p + "/f1m"));
            b.node("Add", p + "/mlp/fc1/Add", List.of(p + "/f1m", w + ".mlp.fc1.bias"), List.of(p + "/f1"));
            b.node("Div", p + "/mlp/act/Div", List.of(p + "/f1", "/sqrt2"), List.of(p + "/gd"));
            b.node("Erf", p + "/mlp/act/Erf", List.of(p + "/gd"), List.of(p + "/ge"));
            b.node("Add", p + "/mlp/act/Add", List.of(p + "/ge", "/one"), List.of(p + "/ga"));
            b.node("Mul", p + "/mlp/act/Mul", List.of(p + "/f1", p + "/ga"), List.of(p + "/gm"));
            b.node("Mul", p + "/mlp/act/Mul_1", List.of(p + "/gm", "/half"), List.of(p + "/g"));
            b.init(w + ".mlp.fc2.weight", random(r, 1 / Math.sqrt(MLP), MLP, DIM)).init(w + ".mlp.fc2.bias", random(r, 0.02, DIM));
            b.node("MatMul", p + "/mlp/fc2/MatMul", List.of(p + "/g", w + ".mlp.fc2.weight"), List.of(p + "/f2m"));
            b.node("Add", p + "/mlp/fc2/Add", List.of(p + "/f2m", w + ".mlp.fc2.bias"), List.of(p + "/f2"));
            b.node("Add", p + "/res2", List.of(p + "/h1", p + "/f2"), List.of(p + "/out"));
            h = p + "/out";
        }
        b.init("norm.weight", filled(1, DIM)).init("norm.bias", filled(0, DIM));
        b.node("LayerNormalization", "/norm", List.of(h, "norm.weight", "norm.bias"), List.of("/nf"), "axis", -1L, "epsilon", 1e-5);
        b.node("ReduceMean", "/pool", List.of("/nf"), List.of("/pooled"), "axes", new long[] {1}, "keepdims", 0L);
        b.init("head.weight", random(r, ws, CLASSES, DIM)).init("head.bias", random(r, 0.02, CLASSES));
        b.node("Gemm", "/head/Gemm", List.of("/pooled", "head.weight", "head.bias"), List.of("logits"), "transB", 1L);
        return b.output("logits").build();
    }

    /** {@code Vit DIR [depth]}: writes DIR/vit.onnx (depth 8 by default). */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        Files.write(dir.resolve("vit.onnx"), model(args.length > 1 ? Integer.parseInt(args[1]) : 8).toByteArray());
    }
}
