package org.traindeeploy.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.traindeeploy.testing.T.f;
import static org.traindeeploy.testing.T.i64;
import static org.traindeeploy.testing.T.s;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Printer;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.onnx.OnnxImporter;
import org.traindeeploy.passes.Normalize;
import org.traindeeploy.testing.OnnxBuilder;
import org.traindeeploy.testing.T;

/** ONNX import: opset forms unified, exporter shape chains folded, batch binding, and errors. */
class ImporterTest {
    static Graph imp(OnnxBuilder b, Integer batch) {
        return OnnxImporter.importModel(b.build(), null, new OnnxImporter.Options(batch)).graph();
    }

    static Graph normalized(OnnxBuilder b, Integer batch) {
        Graph g = imp(b, batch);
        Normalize.manager().run(g);
        return g;
    }

    @Test
    void shapeChainsAroundASymbolicBatchFoldAway() {
        // x: [N, 2, 3] -> Reshape(x, Concat(Shape(x)[0:1], [-1])) as torch.onnx.export writes flatten(1).
        OnnxBuilder b = new OnnxBuilder().input("x", "N", 2, 3).output("y")
                .node("Shape", "/Shape", List.of("x"), List.of("shape"))
                .init("starts", i64(s(1), 0)).init("ends", i64(s(1), 1))
                .node("Slice", "/Slice", List.of("shape", "starts", "ends"), List.of("batch"))
                .init("minus1", i64(s(1), -1))
                .node("Concat", "/Concat", List.of("batch", "minus1"), List.of("target"), "axis", 0L)
                .node("Reshape", "/Reshape", List.of("x", "target"), List.of("y"));
        Graph g = normalized(b, 4);
        assertEquals("""
                input %x: float[4,2,3]
                %y: float[4,6] = Reshape[shape=[4,6]](%x)
                output y = %y
                """, Printer.print(g));
    }

    @Test
    void symbolicBatchWithoutBatchSizeIsAClearError() {
        OnnxBuilder b = new OnnxBuilder().input("x", "batch_size", 3).output("y").node("Relu", "r", List.of("x"), List.of("y"));
        CompileException e = assertThrows(CompileException.class, () -> imp(b, null));
        assertEquals("graph input 'x' dimension 0 is symbolic ('batch_size'); give the batch size with --batch", e.getMessage());
    }

    @Test
    void constantOfShapeEqualWhereExpandAroundTheBatchFold() {
        OnnxBuilder b = new OnnxBuilder().input("x", 2, 3).output("y")
                .init("shape", i64(s(1), 2))
                .node("ConstantOfShape", "cos", List.of("shape"), List.of("ones"), "value", i64(s(1), 1))
                .init("neg1", i64(s(2), -1, -1))
                .node("Equal", "eq", List.of("ones", "neg1"), List.of("mask"))
                .node("Where", "wh", List.of("mask", "ones", "shape2"), List.of("target"))
                .init("shape2", i64(s(2), 2, 3))
                .init("v", f(s(3), 1, 2, 3))
                .node("Expand", "ex", List.of("v", "target"), List.of("e"))
                .node("Add", "add", List.of("x", "e"), List.of("y"));
        Graph g = normalized(b, null);
        assertEquals("""
                input %x: float[2,3]
                const %e: float[2,3]
                %y: float[2,3] = Add(%x, %e)
                output y = %y
                """, Printer.print(g));
    }

    @Test
    void squeezeUnsqueezeFlattenBecomeReshapeInEveryOpset() {
        for (int opset : new int[] {11, 13}) {
            OnnxBuilder b = new OnnxBuilder().opset(opset).input("x", 2, 1, 3).output("y");
            if (opset < 13) {
                b.node("Squeeze", "sq", List.of("x"), List.of("a"), "axes", new long[] {1})
                        .node("Unsqueeze", "un", List.of("a"), List.of("b"), "axes", new long[] {0, 3});
            } else {
                b.init("ax1", i64(s(1), 1)).init("ax2", i64(s(2), 0, 3))
                        .node("Squeeze", "sq", List.of("x", "ax1"), List.of("a"))
                        .node("Unsqueeze", "un", List.of("a", "ax2"), List.of("b"));
            }
            b.node("Flatten", "fl", List.of("b"), List.of("y"), "axis", 2L);
            Graph g = normalized(b, null);
            assertEquals("""
                    input %x: float[2,1,3]
                    %y: float[2,3] = Reshape[shape=[2,3]](%x)
                    output y = %y
                    """, Printer.print(g), "opset " + opset);
        }
    }

    @Test
    void gemmBecomesLinearWithTransposesAndBeta() {
        OnnxBuilder b = new OnnxBuilder().input("x", 3, 2).output("y")
                .init("w", f(s(4, 3), 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1))
                .init("c", f(s(1, 4), 1, 2, 3, 4))
                .node("Gemm", "/fc/Gemm", List.of("x", "w", "c"), List.of("y"), "transA", 1L, "transB", 1L, "alpha", 2.0, "beta", 0.5);
        Graph g = normalized(b, null);
        assertEquals("""
                input %x: float[3,2]
                const %w: float[4,3]
                const %/fc/Gemm/Mul_flat: float[4]
                %/fc/Gemm: float[2,3] = Transpose[perm=[1,0]](%x)
                %y: float[2,4] = Linear[transW=true, alpha=2](%/fc/Gemm, %w, %/fc/Gemm/Mul_flat)
                output y = %y
                """, Printer.print(g));
        Tensor y = new Interpreter(g).run(Map.of("x", f(s(3, 2), 1, 2, 3, 4, 5, 6))).get("y");
        // x^T = [[1,3,5],[2,4,6]]; 2·x^T·w^T + 0.5·c
        T.assertTensor(y, s(2, 4), 2.5, 7, 11.5, 20, 4.5, 9, 13.5, 26);
    }

    @Test
    void opsetDependentAttributesAndInputs() {
        // ReduceMean axes as attribute (opset 17) vs input (opset 18); Split sizes; Clip bounds as inputs.
        OnnxBuilder b17 = new OnnxBuilder().opset(17).input("x", 2, 4).output("y")
                .node("ReduceMean", "rm", List.of("x"), List.of("y"), "axes", new long[] {1}, "keepdims", 0L);
        OnnxBuilder b18 = new OnnxBuilder().opset(18).input("x", 2, 4).output("y").init("ax", i64(s(1), 1))
                .node("ReduceMean", "rm", List.of("x", "ax"), List.of("y"), "keepdims", 0L);
        assertEquals(Printer.print(normalized(b17, null)), Printer.print(normalized(b18, null)).replace("", ""));
        OnnxBuilder split = new OnnxBuilder().opset(18).input("x", 2, 5).output("a").output("b").output("c")
                .node("Split", "sp", List.of("x"), List.of("a", "b", "c"), "axis", 1L, "num_outputs", 3L);
        assertTrue(Printer.print(normalized(split, null)).contains("Split[axis=1, sizes=[2,2,1]]"));
        OnnxBuilder clip = new OnnxBuilder().opset(13).input("x", 3).output("y").init("lo", f(s(), 0)).init("hi", f(s(), 6))
                .node("Clip", "relu6", List.of("x", "lo", "hi"), List.of("y"));
        assertTrue(Printer.print(normalized(clip, null)).contains("Clip[min=0, max=6]"));
    }

    @Test
    void legacySoftmaxFlattensTrailingAxes() {
        OnnxBuilder b = new OnnxBuilder().opset(11).input("x", 2, 2, 2).output("y").node("Softmax", "sm", List.of("x"), List.of("y"), "axis", 1L);
        Graph g = normalized(b, null);
        Tensor y = new Interpreter(g).run(Map.of("x", f(s(2, 2, 2), 0, 0, 0, 0, 1, 1, 1, 1))).get("y");
        T.assertTensor(y, s(2, 2, 2), 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25);
    }

    @Test
    void microsoftGeluAndIdentityAndConstants() {
        OnnxBuilder b = new OnnxBuilder().input("x", 2).output("y")
                .node("Constant", "k", List.of(), List.of("k"), "value_float", 2.0)
                .node("Mul", "m", List.of("x", "k"), List.of("m"))
                .node("Identity", "id", List.of("m"), List.of("i"))
                .domainNode("com.microsoft", "Gelu", "g", List.of("i"), List.of("y"));
        Graph g = normalized(b, null);
        assertEquals(List.of("Mul", "Gelu"), g.nodes().stream().map(n -> n.op().opType()).toList());
    }

    @Test
    void unsupportedOpAndAttributeAreNamed() {
        OnnxBuilder b = new OnnxBuilder().input("x", 2).output("y").node("Tan", "/odd/Tan", List.of("x"), List.of("y"));
        assertEquals("node '/odd/Tan' (Tan): unsupported op 'Tan'", assertThrows(CompileException.class, () -> imp(b, null)).getMessage());
        OnnxBuilder b2 = new OnnxBuilder().input("x", 2).output("y").node("Relu", "/r", List.of("x"), List.of("y"), "alpha", 0.1);
        assertEquals("node '/r' (Relu): attribute 'alpha' is not supported", assertThrows(CompileException.class, () -> imp(b2, null)).getMessage());
        OnnxBuilder b3 = new OnnxBuilder().opset(9).input("x", 2).output("y").node("Relu", "/r", List.of("x"), List.of("y"));
        assertTrue(assertThrows(CompileException.class, () -> imp(b3, null)).getMessage().startsWith("opset 9 is not supported"));
    }

    @Test
    void reshapeResolvesZeroAndMinusOne() {
        OnnxBuilder b = new OnnxBuilder().input("x", 2, 3, 4).output("y").init("t", i64(s(3), 0, -1, 2))
                .node("Reshape", "rs", List.of("x", "t"), List.of("y"));
        assertTrue(Printer.print(imp(b, null)).contains("Reshape[shape=[2,6,2]]"));
        Tensor x = T.random(DType.FLOAT, 1, 2, 3, 4);
        assertEquals(24, new Interpreter(imp(b, null)).run(Map.of("x", x)).get("y").size());
    }

    @Test
    void opset21PadAndAMaxPoolWhoseIndicesNobodyReads() {
        // Opset 21 (Pad-21 only widened its types); Pad with axes (opset 18+) and a constant value.
        OnnxBuilder b = new OnnxBuilder().opset(21).input("x", 1, 1, 2, 3).output("y")
                .init("pads", i64(s(4), 1, 0, 0, 2)).init("v", f(s(), 7)).init("axes", i64(s(2), 2, -1))
                .node("Pad", "/pad", List.of("x", "pads", "v", "axes"), List.of("p"), "mode", "constant")
                .node("MaxPool", "/pool", List.of("p"), List.of("y", "idx"), "kernel_shape", new long[] {1, 1});
        Graph g = normalized(b, null);
        Tensor y = new Interpreter(g).run(Map.of("x", f(s(1, 1, 2, 3), 1, 2, 3, 4, 5, 6))).get("y");
        assertEquals(List.of(7.0, 7.0, 7.0, 7.0, 7.0, 1.0, 2.0, 3.0, 7.0, 7.0, 4.0, 5.0, 6.0, 7.0, 7.0),
                java.util.Arrays.stream(y.reals()).boxed().toList());
        assertEquals("[1, 1, 3, 5]", java.util.Arrays.toString(y.shape()));
        // A reader of Indices is refused by name.
        OnnxBuilder reads = new OnnxBuilder().opset(21).input("x", 1, 1, 2, 3).output("y")
                .node("MaxPool", "/pool", List.of("x"), List.of("m", "idx"), "kernel_shape", new long[] {1, 1})
                .node("Cast", "/cast", List.of("idx"), List.of("y"), "to", 1L);
        assertEquals("node '/cast' (Cast): input 'idx' comes from an output this compiler does not support",
                assertThrows(CompileException.class, () -> imp(reads, null)).getMessage());
    }
}
