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
 * The ViT of issue 12's code-size target (bench/vit-build.sh): x[1,3,32,32] → 4×4 patches by a
 * strided Conv to 64 tokens of dim 128 (+ position embedding) → {@code depth} pre-norm blocks of
 * 4-head attention (q, k, v, o MatMuls with biases, scaled scores, Softmax) and an MLP of 256
 * (fc1, Gelu, fc2), each with its residual Add → LayerNorm → mean over tokens → head of 10 classes.
 * Its weight MatMuls are named {@code /blocks.I/{q,k,v,o,fc1,fc2}/MatMul}, so {@code --lora '/blocks.*\/*\/MatMul'}
 * puts LoRA on every one of them.
 */
public final class VitModel {
    public static final int DIM = 128;
    public static final int HEADS = 4;
    public static final int MLP = 256;
    public static final int PATCH = 4;
    public static final int IMAGE = 32;
    public static final int CLASSES = 10;

    private VitModel() {}

    public static ModelProto vit(int depth) {
        int d = DIM;
        int hd = d / HEADS;
        int g = IMAGE / PATCH;
        int t = g * g;
        SplittableRandom r = new SplittableRandom(12);
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 3, IMAGE, IMAGE);
        b.init("patch.w", BigGraphs.random(r, d, 3, PATCH, PATCH)).init("patch.b", BigGraphs.random(r, d));
        b.node("Conv", "/patch/Conv", List.of("x", "patch.w", "patch.b"), List.of("/patch/c"), "kernel_shape", new long[] {PATCH, PATCH}, "strides",
                new long[] {PATCH, PATCH});
        b.init("shape.ct", Tensor.vector(1, d, t)).init("shape.heads", Tensor.vector(1, t, HEADS, hd)).init("shape.tokens", Tensor.vector(1, t, d));
        b.node("Reshape", "/patch/flat", List.of("/patch/c", "shape.ct"), List.of("/patch/f"));
        b.node("Transpose", "/patch/tokens", List.of("/patch/f"), List.of("/patch/t"), "perm", new long[] {0, 2, 1});
        b.init("pos", BigGraphs.random(r, 1, t, d));
        b.node("Add", "/pos/Add", List.of("/patch/t", "pos"), List.of("/pos/out"));
        b.init("scale", Tensor.scalar(DType.FLOAT, 1.0 / Math.sqrt(hd)));
        String h = "/pos/out";
        for (int i = 0; i < depth; i++) {
            String p = "/blocks." + i;
            layerNorm(b, p + "/ln1", h, p + "/n1", d);
            for (String w : new String[] {"q", "k", "v"}) linear(b, r, p + "/" + w, p + "/n1", p + "/" + w + "/y", d, d);
            b.node("Reshape", p + "/q/heads", List.of(p + "/q/y", "shape.heads"), List.of(p + "/qh"));
            b.node("Transpose", p + "/q/perm", List.of(p + "/qh"), List.of(p + "/qt"), "perm", new long[] {0, 2, 1, 3});
            b.node("Reshape", p + "/k/heads", List.of(p + "/k/y", "shape.heads"), List.of(p + "/kh"));
            b.node("Transpose", p + "/k/perm", List.of(p + "/kh"), List.of(p + "/kt"), "perm", new long[] {0, 2, 3, 1});
            b.node("Reshape", p + "/v/heads", List.of(p + "/v/y", "shape.heads"), List.of(p + "/vh"));
            b.node("Transpose", p + "/v/perm", List.of(p + "/vh"), List.of(p + "/vt"), "perm", new long[] {0, 2, 1, 3});
            b.node("MatMul", p + "/scores", List.of(p + "/qt", p + "/kt"), List.of(p + "/s"));
            b.node("Mul", p + "/scale", List.of(p + "/s", "scale"), List.of(p + "/ss"));
            b.node("Softmax", p + "/softmax", List.of(p + "/ss"), List.of(p + "/a"), "axis", -1L);
            b.node("MatMul", p + "/attend", List.of(p + "/a", p + "/vt"), List.of(p + "/av"));
            b.node("Transpose", p + "/merge/perm", List.of(p + "/av"), List.of(p + "/avt"), "perm", new long[] {0, 2, 1, 3});
            b.node("Reshape", p + "/merge", List.of(p + "/avt", "shape.tokens"), List.of(p + "/m"));
            linear(b, r, p + "/o", p + "/m", p + "/o/y", d, d);
            b.node("Add", p + "/res1", List.of(h, p + "/o/y"), List.of(p + "/h1"));
            layerNorm(b, p + "/ln2", p + "/h1", p + "/n2", d);
            linear(b, r, p + "/fc1", p + "/n2", p + "/fc1/y", d, MLP);
            b.node("Gelu", p + "/act", List.of(p + "/fc1/y"), List.of(p + "/g"));
            linear(b, r, p + "/fc2", p + "/g", p + "/fc2/y", MLP, d);
            b.node("Add", p + "/res2", List.of(p + "/h1", p + "/fc2/y"), List.of(p + "/out"));
            h = p + "/out";
        }
        layerNorm(b, "/norm", h, "/norm/y", d);
        b.node("ReduceMean", "/pool", List.of("/norm/y"), List.of("pooled"), "axes", new long[] {1}, "keepdims", 0L);
        b.init("head.w", BigGraphs.random(r, CLASSES, d)).init("head.b", BigGraphs.random(r, CLASSES));
        b.node("Gemm", "/head/Gemm", List.of("pooled", "head.w", "head.b"), List.of("logits"), "transB", 1L);
        return b.output("logits").build();
    }

    private static void layerNorm(OnnxBuilder b, String name, String x, String y, int d) {
        double[] ones = new double[d];
        java.util.Arrays.fill(ones, 1);
        b.init(name + ".w", Tensor.floats(new int[] {d}, ones)).init(name + ".b", Tensor.zeros(DType.FLOAT, d));
        b.node("LayerNormalization", name, List.of(x, name + ".w", name + ".b"), List.of(y), "axis", -1L);
    }

    /** y = x · W + b, the MatMul named {@code name/MatMul}. */
    private static void linear(OnnxBuilder b, SplittableRandom r, String name, String x, String y, int in, int out) {
        b.init(name + ".w", BigGraphs.random(r, in, out)).init(name + ".b", BigGraphs.random(r, out));
        b.node("MatMul", name + "/MatMul", List.of(x, name + ".w"), List.of(name + "/xw"));
        b.node("Add", name + "/Add", List.of(name + "/xw", name + ".b"), List.of(y));
    }

    /** {@code VitModel FILE DEPTH}: writes the depth-DEPTH ViT to FILE. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        if (out.getParent() != null) Files.createDirectories(out.getParent());
        Files.write(out, vit(Integer.parseInt(args[1])).toByteArray());
    }
}
