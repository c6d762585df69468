package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.*;
import org.traindeeploy.target.Target;

/**
 * The host's SIMD product (linear.c, TD_HOST_GEMM: blocks of 6 rows x a panel of 2 vectors, B's
 * panel packed per core, float sums blocked by TD_SUM_BLOCK) on the host target, where td_gemm_run,
 * td_lora_linear and td_conv_im2col take it: shapes that leave every remainder (rows not a multiple
 * of 6, columns not a multiple of a vector or a panel, k = 1, k = 64 and 65, k over the 1024 terms
 * packed at once), both layouts of W and of the weight gradient, alpha != 1 with a bias and a residual,
 * batched and broadcast MatMul, LoRA's rank terms, convolutions with a bias per output channel and
 * pointwise ones (accumulate). Against the reference interpreter under the sanitizers, on several
 * core counts and with 8- and 4-lane vectors as well as the machine's widest; and the outputs are
 * the same bits on every core count (each output's arithmetic does not depend on the split).
 */
class HostGemmTest {
    private static final Target HOST = Target.load("host");

    private static Tensor random(Random r, int... shape) { return KernelParts.random(r, shape); }

    /** Shapes of the host blocks' edges, beside BlockedKernelsTest's: x is [1, 8000]. */
    private static List<Value> edges(Graph g, Value x, Random r) {
        List<Value> parts = new ArrayList<>();
        // k = 1: x [13, 1] (two blocks of 6 and one row) into 33 columns (a panel and one column, or more)
        Value k1 = g.add("/k1", new Reshape(new int[] {13, 1}), g.add("/c13", new Slice(new int[] {0, 0}, new int[] {1, 1}, new int[] {1, 13}), x));
        parts.add(g.add("/lin_k1", new Linear(false, 1), k1, g.addConstant("wk1", random(r, 1, 33)), g.addConstant("bk1", random(r, 33))));
        // exactly one 6-row block, k = 64 (one block of the sum), 32 columns
        Value x64 = g.add("/x64", new Reshape(new int[] {6, 64}), g.add("/c384", new Slice(new int[] {0, 0}, new int[] {1, 1}, new int[] {1, 384}), x));
        parts.add(g.add("/lin_64", new Linear(false, 1), x64, g.addConstant("w64", random(r, 64, 32))));
        // x [7, 130] (k: blocks of 64, 64, 2) times W^T [47, 130], alpha 0.5, bias and residual
        Value x130 = g.add("/x130", new Reshape(new int[] {7, 130}), g.add("/c910", new Slice(new int[] {0, 0}, new int[] {1, 1}, new int[] {1, 910}), x));
        Value res = g.add("/res47", new Reshape(new int[] {7, 47}), g.add("/c329", new Slice(new int[] {0, 1000}, new int[] {1, 1}, new int[] {1, 329}), x));
        parts.add(g.add("/lint_any", new Linear(true, 0.5), x130, g.addConstant("w47", random(r, 47, 130)), g.addConstant("b47", random(r, 47)), res));
        // k = 1100 (> 1024: the panel is packed in chunks), 5 rows, 17 columns, W^T
        Value x1100 = g.add("/x1100", new Reshape(new int[] {5, 1100}), g.add("/c5500", new Slice(new int[] {0, 2000}, new int[] {1, 1}, new int[] {1, 5500}), x));
        parts.add(g.add("/lint_1100", new Linear(true, 1), x1100, g.addConstant("w1100", random(r, 17, 1100)), g.addConstant("b17", random(r, 17))));
        parts.add(g.add("/lin_1100", new Linear(false, 2), x1100, g.addConstant("w1100b", random(r, 1100, 3))));
        // x^T dy with 1100 rows: [7, 5] (A is x^T: rows 1 apart, terms 7 apart)
        Value rows = g.add("/rows", new Reshape(new int[] {1100, 7}), g.add("/c7700", new Slice(new int[] {0, 0}, new int[] {1, 1}, new int[] {1, 7700}), x));
        parts.add(g.add("/gw1100", new LinearGradWeight(false, 0.25), rows, g.addConstant("dy1100", random(r, 1100, 5))));
        // LoRA: 7 rows, K 67, N 37, rank 3, alpha 0.5, scale 1.5, bias; and W^T, no bias, N 23, rank 2
        Value x67 = g.add("/x67", new Reshape(new int[] {7, 67}), g.add("/c469", new Slice(new int[] {0, 3000}, new int[] {1, 1}, new int[] {1, 469}), x));
        parts.add(g.addNode("/lora", new LoraLinear(false, 0.5, 1.5), List.of(x67, g.addConstant("lw", random(r, 67, 37)),
                g.addConstant("lbias", random(r, 37)), g.addConstant("la", random(r, 3, 67)), g.addConstant("lb", random(r, 37, 3))), null).get(0));
        parts.add(g.addNode("/lora_t", new LoraLinear(true, 1, 1), Arrays.asList(x67, g.addConstant("lwt", random(r, 23, 67)), null,
                g.addConstant("lat", random(r, 2, 67)), g.addConstant("lbt", random(r, 23, 2))), null).get(0));
        // Conv 3x3 with a bias over 9 input channels (k = 81) into 7 output channels, 5 x 9 outputs
        Conv conv = new Conv(1, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        Value img = g.add("/img", new Reshape(new int[] {1, 9, 5, 9}), g.add("/c405", new Slice(new int[] {0, 4000}, new int[] {1, 1}, new int[] {1, 405}), x));
        parts.add(g.add("/conv_b", conv, img, g.addConstant("cw", random(r, 7, 9, 3, 3)), g.addConstant("cb", random(r, 7))));
        // batched MatMul [4, 6, 65] x [4, 65, 40]
        Value ma = g.add("/ma", new Reshape(new int[] {4, 6, 65}), g.add("/c1560", new Slice(new int[] {0, 5000}, new int[] {1, 1}, new int[] {1, 1560}), x));
        parts.add(g.add("/mm", new MatMul(), ma, g.addConstant("mb", random(r, 4, 65, 40))));
        return parts;
    }

    private static Tensor run(Graph g, Tensor in, int cores, String extraCflags) {
        CEngine.Options o = new CEngine.Options(cores, CEngine.SANITIZE_CFLAGS + extraCflags, null).on(HOST);
        return new CEngine(o).infer(g, List.of(in)).get(0);
    }

    private record Case(Graph g, List<Value> parts, Tensor in, Tensor expected) {}

    private static Case edgeCase() {
        Random r = new Random(13);
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, 8000));
        List<Value> parts = edges(g, x, r);
        KernelParts.output(g, parts);
        Tensor in = random(new Random(3), 1, 8000);
        return new Case(g, parts, in, new Interpreter(g).run(Map.of("x", in)).get("out"));
    }

    @ParameterizedTest(name = "{0} cores")
    @ValueSource(ints = {1, 2, 3, 8})
    void edgeShapesMatchTheInterpreter(int cores) {
        Case c = edgeCase();
        assertEquals("", KernelParts.mismatches(c.parts(), run(c.g(), c.in(), cores, ""), c.expected()), cores + " cores");
    }

    @ParameterizedTest(name = "{0} lanes")
    @ValueSource(ints = {8, 4})
    void narrowerVectorsMatchTheInterpreter(int lanes) {
        Case c = edgeCase();
        assertEquals("", KernelParts.mismatches(c.parts(), run(c.g(), c.in(), 3, " -DTD_HOST_VW=" + lanes), c.expected()), lanes + " lanes");
    }

    @Test
    void outputsAreTheSameBitsOnEveryCoreCount() {
        Case c = edgeCase();
        Tensor one = run(c.g(), c.in(), 1, "");
        for (int cores : new int[] {2, 5}) {
            Tensor more = run(c.g(), c.in(), cores, "");
            int differ = 0;
            for (int i = 0; i < one.type().size(); i++) {
                if (Float.floatToRawIntBits((float) one.getDouble(i)) != Float.floatToRawIntBits((float) more.getDouble(i))) differ++;
            }
            assertEquals(0, differ, cores + " cores against 1: elements that differ");
        }
    }

    /** BlockedKernelsTest's and ConvFastPathsTest's shapes on the host target (double FPU: the SIMD product). */
    @ParameterizedTest(name = "{0} cores")
    @ValueSource(ints = {1, 3, 8})
    void blockedAndConvShapesMatchTheInterpreterOnTheHost(int cores) {
        assertMatchesTheInterpreter(7, 67, (g, x) -> BlockedKernelsTest.build(g, x, new Random(7)), cores, cores + " cores");
        assertMatchesTheInterpreter(1, 25000, (g, x) -> ConvFastPathsTest.build(g, x, new Random(11), false), cores,
                cores + " cores, conv fast paths");
    }

    @Test
    void longReductionsMatchTheInterpreterOnTheHost() {
        assertMatchesTheInterpreter(1, 15005, (g, x) -> BlockedKernelsTest.buildLarge(g, x, new Random(7)), 3, "long reductions");
    }

    /** The parts {@code build} makes from an input x of rows × cols, run on the host on {@code cores} cores, against the interpreter. */
    private static void assertMatchesTheInterpreter(int rows, int cols, java.util.function.BiFunction<Graph, Value, List<Value>> build,
                                                    int cores, String what) {
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, rows, cols));
        List<Value> parts = build.apply(g, x);
        KernelParts.output(g, parts);
        Tensor in = random(new Random(5), rows, cols);
        Tensor expected = new Interpreter(g).run(Map.of("x", in)).get("out");
        assertEquals("", KernelParts.mismatches(parts, run(g, in, cores, ""), expected), what);
    }

}
