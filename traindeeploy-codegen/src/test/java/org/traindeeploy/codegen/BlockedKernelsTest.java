package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.traindeeploy.conformance.Comparison;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.*;
import org.traindeeploy.target.Target;

/**
 * The register-blocked kernels (linear.c's 4 x 4 / 4 x 2 / 4 x 1 / 1 x n blocks, conv.c's blocked
 * direct form) on sizes that leave every kind of remainder: rows and columns that are not multiples
 * of 4, reductions longer than TD_SUM_BLOCK (64) with a short last block, both layouts of W and of
 * the weight gradient, batched and broadcast MatMul, convolutions with leftover output channels and
 * columns and padding on both sides; on every core count from 1 to 8, computing in float only (the
 * cluster's arithmetic, built with -Wdouble-promotion), against the reference interpreter. The
 * tiled flavour runs them on a 16 KiB L1, where Linear's K and LinearGradWeight's rows are split and
 * the kernels accumulate into their output.
 */
class BlockedKernelsTest {
    private static Tensor random(Random r, int... shape) { return KernelParts.random(r, shape); }

    /** Every blocked path; returns the parts to compare, named. */
    static List<Value> build(Graph g, Value x, Random r) {
        List<Value> parts = new ArrayList<>();
        // x [7, 67]: 7 rows (one block of 4 and 3 single rows), K = 67 (a block of 64 and one of 3)
        Value y1 = g.add("/lin", new Linear(false, 0.75), x, g.addConstant("w1", random(r, 67, 11)), g.addConstant("b1", random(r, 11)));
        parts.add(y1);
        Value y2 = g.add("/lint", new Linear(true, 1), x, g.addConstant("w2", random(r, 10, 67)), g.addConstant("b2", random(r, 10)),
                g.add("/res", new Neg(), g.add("/cut", new Slice(new int[] {0, 0}, new int[] {1, 1}, new int[] {7, 10}), x)));
        parts.add(y2);
        parts.add(g.add("/lin_nobias", new Linear(false, 1), y2, g.addConstant("w3", random(r, 10, 5))));
        // x^T dy and dy^T x, reduction over 7 rows: [67, 11] and [11, 67]
        parts.add(g.add("/gw", new LinearGradWeight(false, 0.5), x, y1));
        parts.add(g.add("/gwt", new LinearGradWeight(true, 1), x, y1));
        // x2 [70, 9]: a reduction of 70 rows (64 + 6) into [9, 6]
        Value x2 = g.add("/x2", new Reshape(new int[] {70, 9}), g.add("/c2", new Slice(new int[] {0, 0}, new int[] {1, 1}, new int[] {7, 90}),
                g.add("/wide", new Concat(1), x, x)));
        parts.add(g.add("/gw70", new LinearGradWeight(false, 1), x2, g.addConstant("dy70", random(r, 70, 6))));
        // batched [3, 5, 13] x broadcast [13, 7], and batched x batched
        Value a = g.addConstant("ma", random(r, 3, 5, 13));
        parts.add(g.add("/mm", new MatMul(), a, g.addConstant("mb", random(r, 13, 7))));
        parts.add(g.add("/mm2", new MatMul(), a, g.addConstant("mb2", random(r, 3, 13, 6))));
        // Conv 3x3, pads 1: 6 output channels (a block of 4 and 2 single), 11 columns, 3 input channels
        Conv conv = new Conv(1, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        Value img = g.addConstant("img", random(r, 2, 3, 5, 11));
        parts.add(g.add("/conv", conv, img, g.addConstant("cw", random(r, 6, 3, 3, 3)), g.addConstant("cb", random(r, 6))));
        // 8 output channels, 30 input channels (taps 270: blocks of input channels), no bias, 2 columns per block
        Conv wide = new Conv(1, new int[] {1, 1}, new int[] {0, 1, 2, 0}, new int[] {1, 1});
        parts.add(g.add("/conv30", wide, g.addConstant("img30", random(r, 1, 30, 3, 4)), g.addConstant("cw30", random(r, 8, 30, 3, 3))));
        return parts;
    }

    /** Products too large for a 16 KiB L1: Linear's K (3001, with a bias) and LinearGradWeight's rows (1500) are split into tiles that accumulate. */
    static List<Value> buildLarge(Graph g, Value x, Random r) {
        List<Value> parts = new ArrayList<>();
        Value x5 = g.add("/x5", new Reshape(new int[] {5, 3001}), x);
        parts.add(g.add("/lin", new Linear(false, 0.5), x5, g.addConstant("w", random(r, 3001, 7)), g.addConstant("b", random(r, 7))));
        parts.add(g.add("/lint", new Linear(true, 1), x5, g.addConstant("wt", random(r, 6, 3001))));
        Value rows = g.add("/rows", new Reshape(new int[] {1500, 5}), g.add("/c6", new Slice(new int[] {0, 0}, new int[] {1, 1}, new int[] {1, 7500}), x));
        parts.add(g.add("/gw", new LinearGradWeight(false, 1), rows, g.addConstant("dy", random(r, 1500, 6))));
        parts.add(g.add("/gwt", new LinearGradWeight(true, 0.5), rows, g.addConstant("dy2", random(r, 1500, 9))));
        return parts;
    }

    private static void check(int cores, Target target, boolean large) {
        Random r = new Random(7);
        Graph g = new Graph();
        int[] shape = large ? new int[] {1, 15005} : new int[] {7, 67};
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, shape));
        List<Value> parts = large ? buildLarge(g, x, r) : build(g, x, r);
        KernelParts.output(g, parts);
        if (large) {
            String c = TargetFolder.sources(EmitSpec.inference("m.onnx", g), cores, target, false).get("network.c");
            for (String node : List.of("/lin", "/lint", "/gw", "/gwt")) {
                Matcher m = Pattern.compile(Pattern.quote(node) + " \\([A-Za-z]+\\): (\\d+) tiles? through L1").matcher(c);
                assertTrue(m.find() && Integer.parseInt(m.group(1)) > 1, node + " is not split into tiles");
            }
        }
        Tensor in = random(new Random(5), shape);
        Tensor expected = new Interpreter(g).run(Map.of("x", in)).get("out");
        CEngine.Options o = new CEngine.Options(cores, CEngine.SANITIZE_CFLAGS + " -Wdouble-promotion", null).on(target);
        Tensor actual = new CEngine(o).infer(g, List.of(in)).get(0);
        assertEquals("", KernelParts.mismatches(parts, actual, expected), cores + " cores");
    }

    @ParameterizedTest(name = "{0} cores")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void blockedPathsMatchTheInterpreterInFloat(int cores) {
        check(cores, Target.load("host").withDoubleFpu(false), false);
    }

    @ParameterizedTest(name = "{0} cores")
    @ValueSource(ints = {1, 3, 8})
    void tiledBlocksAccumulateInFloat(int cores) {
        check(cores, Target.load("siracusa").withLevelSize("L1", 16 * 1024).withDoubleFpu(false), true);
    }
}
