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
 * conv.c's fast paths against the reference interpreter, computing in float only: pointwise
 * convolutions as matrix products (forward with and without bias, dX, dW; channels and planes that
 * are not multiples of 4, reductions longer than TD_SUM_BLOCK, several images) and the blocked 3×3
 * forms over single input channels (depthwise forward with strides 1 and 2 and padding on every
 * side, a one-input-channel group-1 convolution, depthwise dX with asymmetric padding and with stride 2, their dW; the
 * blocked dX of group-1 3×3 convolutions; widths that
 * leave 1 to 3 columns after the blocks of 4). On every core count from 1 to 8 on the host, and tiled
 * through a small L1 where dX's output channels and dW's images and rows are split into tiles that
 * accumulate into their output.
 */
class ConvFastPathsTest {
    private static Tensor random(Random r, int... shape) { return KernelParts.random(r, shape); }

    private static Value c(Graph g, Random r, String name, int... shape) {
        return g.addConstant(name, random(r, shape));
    }

    private static final int[] ONE = {1, 1};

    /** Elements of the input the data tensors are cut from (so that nothing is constant-folded). */
    private static final int INPUT = 25000;

    /** The next {@code shape}-sized piece of the input x [1, INPUT], from element at[0] on. */
    private static Value data(Graph g, Value x, int[] at, int... shape) {
        int size = (int) TensorType.elementCount(shape);
        Value cut = g.add(g.uniqueName("/cut"), new Slice(new int[] {0, at[0]}, new int[] {1, 1}, new int[] {1, size}), x);
        at[0] += size;
        assertTrue(at[0] <= INPUT);
        return g.add(g.uniqueName("/shape"), new Reshape(shape), cut);
    }

    /** The parts to compare: with {@code large}, sizes that a small L1 splits into accumulating tiles. */
    static List<Value> build(Graph g, Value x, Random r, boolean large) {
        List<Value> parts = new ArrayList<>();
        int[] at = {0};
        Conv pw = new Conv(1, ONE, new int[] {0, 0, 0, 0}, ONE);
        int n = 3, h = 5, w = large ? 9 : 7, cin = 6, m = large ? 70 : 9;
        // x [3, 6, 5, w], W [m, 6, 1, 1]; the data tensors are pieces of the input, the weights constants
        Value xin = data(g, x, at, n, cin, h, w);
        parts.add(g.add("/pw", pw, xin, c(g, r, "pw_w", m, cin, 1, 1), c(g, r, "pw_b", m)));
        // 70 input channels (a block of 64 and one of 6), no bias
        parts.add(g.add("/pw70", pw, data(g, x, at, 2, 70, 3, 5), c(g, r, "pw70_w", 5, 70, 1, 1)));
        // dX = W^T dY: the reduction over m output channels; dW = sum over images of dY X^T (plane h * w)
        Value dy = data(g, x, at, n, m, h, w);
        parts.add(g.add("/pw_dx", new ConvGradInput(pw, new int[] {n, cin, h, w}), dy, c(g, r, "pw_w2", m, cin, 1, 1)));
        parts.add(g.add("/pw_dw", new ConvGradWeight(pw, new int[] {m, cin, 1, 1}), dy, xin));
        // a plane of 81 (64 + 17) in dW
        parts.add(g.add("/pw_dw81", new ConvGradWeight(pw, new int[] {6, 5, 1, 1}), data(g, x, at, 2, 6, 9, 9), data(g, x, at, 2, 5, 9, 9)));

        // depthwise 3x3, pads 1, stride 1: 7 columns (a block of 4 and 3 single), with a bias
        int ch = 5;
        Conv dw1 = new Conv(ch, ONE, new int[] {1, 1, 1, 1}, ONE);
        Value xd = data(g, x, at, 2, ch, 6, 7);
        parts.add(g.add("/dw1", dw1, xd, c(g, r, "dw1_w", ch, 1, 3, 3), c(g, r, "dw1_b", ch)));
        // stride 2, pads top 0, left 1, bottom 2, right 0: 10 columns in, 5 out; no bias
        Conv dw2 = new Conv(ch, new int[] {2, 2}, new int[] {0, 1, 2, 0}, ONE);
        parts.add(g.add("/dw2", dw2, data(g, x, at, 2, ch, 9, 10), c(g, r, "dw2_w", ch, 1, 3, 3)));
        // one input channel, group 1, 6 output channels, stride 2 (kws' first layer): the staged plane shared by the channels
        Conv one = new Conv(1, new int[] {2, 2}, new int[] {1, 1, 1, 1}, ONE);
        parts.add(g.add("/c1", one, data(g, x, at, 2, 1, 10, 11), c(g, r, "c1_w", 6, 1, 3, 3), c(g, r, "c1_b", 6)));
        // depthwise dX, pads top 0, left 2, bottom 1, right 1: dY [2, 5, 5, 7] into dX [2, 5, 6, 6]
        Conv dwp = new Conv(ch, ONE, new int[] {0, 2, 1, 1}, ONE);
        parts.add(g.add("/dw_dx", new ConvGradInput(dwp, new int[] {2, ch, 6, 6}), data(g, x, at, 2, ch, 5, 7), c(g, r, "dw_w3", ch, 1, 3, 3)));
        // and pads 1 all round, 6 columns (a block of 4 and 2 single)
        parts.add(g.add("/dw_dx1", new ConvGradInput(dw1, new int[] {2, ch, 6, 6}), data(g, x, at, 2, ch, 6, 6), c(g, r, "dw_w4", ch, 1, 3, 3)));
        // depthwise dX with stride 2 and asymmetric pads: dY [2, 5, 5, 5] spread into the staged plane of dX [2, 5, 9, 10]
        parts.add(g.add("/dw2_dx", new ConvGradInput(dw2, new int[] {2, ch, 9, 10}), data(g, x, at, 2, ch, 5, 5), c(g, r, "dw_w5", ch, 1, 3, 3)));
        // dW of the 3x3 single-input-channel forms: stride 1 (7 columns), stride 2 with asymmetric pads, one input
        // channel shared by 6 output channels, and a 9x9 plane (81 terms per tap: blocks of 7 output rows)
        parts.add(g.add("/dw1_dw", new ConvGradWeight(dw1, new int[] {ch, 1, 3, 3}), data(g, x, at, 2, ch, 6, 7), xd));
        parts.add(g.add("/dw2_dw", new ConvGradWeight(dw2, new int[] {ch, 1, 3, 3}), data(g, x, at, 2, ch, 5, 5), data(g, x, at, 2, ch, 9, 10)));
        parts.add(g.add("/c1_dw", new ConvGradWeight(one, new int[] {6, 1, 3, 3}), data(g, x, at, 2, 6, 5, 6), data(g, x, at, 2, 1, 10, 11)));
        parts.add(g.add("/dw81_dw", new ConvGradWeight(dw1, new int[] {ch, 1, 3, 3}), data(g, x, at, 1, ch, 9, 9), data(g, x, at, 1, ch, 9, 9)));
        // dX of group-1 3x3 convolutions, blocked: 7 input channels (a block of 4 and 3 single), 11 columns (two
        // blocks of 4, one of 2 and an odd one); 20 output channels (blocks of 7 output channels of 9 taps), pads
        // top 0, left 2, bottom 1, right 0
        Conv c3 = new Conv(1, ONE, new int[] {1, 1, 1, 1}, ONE);
        parts.add(g.add("/c3_dx", new ConvGradInput(c3, new int[] {2, 7, 5, 11}), data(g, x, at, 2, 6, 5, 11), c(g, r, "c3_w", 6, 7, 3, 3)));
        Conv c3p = new Conv(1, ONE, new int[] {0, 2, 1, 0}, ONE);
        parts.add(g.add("/c3p_dx", new ConvGradInput(c3p, new int[] {1, 5, 6, 9}), data(g, x, at, 1, 20, 5, 9), c(g, r, "c3p_w", 20, 5, 3, 3)));
        return parts;
    }

    /** Part {@code only} (or all, concatenated, when -1) computed by the C engine against the interpreter; "" when it matches. */
    private static String run(int cores, Target target, boolean large, int only) {
        Random r = new Random(11);
        Graph g = new Graph();
        int[] shape = {1, INPUT};
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, shape));
        List<Value> parts = build(g, x, r, large);
        if (only >= 0) parts = List.of(parts.get(only));
        KernelParts.output(g, parts);
        if (large && only >= 0 && List.of("/pw_dx", "/pw_dw").contains(parts.get(0).name())) {
            String c = TargetFolder.sources(EmitSpec.inference("m.onnx", g), cores, target, false).get("network.c");
            String node = parts.get(0).name();
            Matcher mt = Pattern.compile(Pattern.quote(node) + " \\([A-Za-z]+\\): (\\d+) tiles? through L1").matcher(c);
            assertTrue(mt.find() && Integer.parseInt(mt.group(1)) > 1, node + " is not split into tiles: " + c.lines().filter(l -> l.contains(node)).limit(6).toList());
        }
        Tensor in = random(new Random(5), shape);
        Tensor expected = new Interpreter(g).run(Map.of("x", in)).get("out");
        CEngine.Options o = new CEngine.Options(cores, CEngine.SANITIZE_CFLAGS + " -Wdouble-promotion", null).on(target);
        Tensor actual = new CEngine(o).infer(g, List.of(in)).get(0);
        return KernelParts.mismatches(parts, actual, expected);
    }

    private static final int PARTS = 17;

    @ParameterizedTest(name = "{0} cores")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void fastPathsMatchTheInterpreterInFloat(int cores) {
        assertEquals("", run(cores, Target.load("host").withDoubleFpu(false), false, -1), cores + " cores");
    }

    @ParameterizedTest(name = "{0} cores")
    @ValueSource(ints = {1, 3, 8})
    void tiledFastPathsAccumulateInFloat(int cores) {
        // one part per program: a concatenation of them all would not fit the small L1 in one tile
        Target t = Target.load("siracusa").withLevelSize("L1", 8 * 1024).withDoubleFpu(false);
        StringBuilder bad = new StringBuilder();
        for (int k = 0; k < PARTS; k++) bad.append(run(cores, t, true, k));
        assertEquals("", bad.toString(), cores + " cores");
    }
}
