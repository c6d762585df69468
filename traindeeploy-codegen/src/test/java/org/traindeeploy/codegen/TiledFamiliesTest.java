package org.traindeeploy.codegen;

import org.traindeeploy.ir.Op;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
 * Every tiled op family on a 16 KiB L1, where each node under test must run as several
 * double-buffered tiles (including the splits that accumulate: Linear's K, LinearGradWeight's rows,
 * LayerNormGrad's dγ/dβ; and the boxes with halos or strides: Conv and MaxPool rows, a strided
 * Slice), built and run in the host simulation (sanitized, 3 cores) and compared with the
 * reference interpreter. The node's comment in network.c states its tile count.
 *
 * The kernels compute in double here ({@code doubleFpu} on): this test checks the tiling's geometry
 * and accumulation, which must then agree with the interpreter up to summation order, also on sums
 * that cancel (a random ConvGradWeight over 2048 positions does). The float arithmetic of the device
 * is checked by KernelZooTest's float flavour and by every conformance case on siracusa at 64 KiB
 * (TiledCTest, against PyTorch, whose float32 tolerances are meant for float-against-float).
 */
class TiledFamiliesTest {
    private static final long L1 = 16 * 1024;

    private static Tensor random(Random r, int... shape) {
        double[] d = new double[(int) TensorType.elementCount(shape)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextGaussian();
        return Tensor.ofReal(DType.FLOAT, shape, d).roundToType();
    }

    /** Builds the family's nodes on input x [2, 4, 32, 32] and returns the value to check; the node under test is named "/t". */
    record Family(String name, BiFunction<Graph, Value, Value> build) {
        @Override public String toString() { return name; }
    }

    private static Value one(Graph g, String name, Op op, int output, Value... in) { return g.addNode(name, op, List.of(in), null).get(output); }

    static Stream<Arguments> families() {
        Random r = new Random(11);
        Window2d w3 = Window2d.of(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, false);
        Conv conv = new Conv(1, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        Conv conv2 = new Conv(1, new int[] {2, 1}, new int[] {1, 0, 1, 2}, new int[] {1, 1});
        Conv depthwise = new Conv(4, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        Conv grouped = new Conv(2, new int[] {2, 1}, new int[] {1, 0, 0, 1}, new int[] {1, 1});
        Slice half = new Slice(new int[] {0, 0, 1, 0}, new int[] {1, 1, 4, 3}, new int[] {2, 4, 8, 8});
        // Every other row and column: a gradient over it is too large for one tile of L1 = 16 KiB
        // (dY alone is 16 KiB), so its reductions run over several tiles whatever the tile cost.
        Slice alternate = new Slice(new int[] {0, 0, 1, 0}, new int[] {1, 1, 2, 2}, new int[] {2, 4, 16, 16});
        List<Family> f = List.of(
                new Family("elementwise Add", (g, x) -> g.add("/t", new Add(), x, g.add("/gelu", new Gelu(false), x))),
                new Family("unary grad", (g, x) -> g.add("/t", new GeluGrad(false), g.add("/e", new Exp(), x), x)),
                new Family("HardSwish", (g, x) -> g.add("/t", Activation.of(Activation.Kind.HARD_SWISH), g.add("/s", new Mul(), x, g.addConstant("k", Tensor.scalar(DType.FLOAT, 3))))),
                new Family("Sigmoid grad", (g, x) -> g.add("/t", new ActivationGrad(Activation.of(Activation.Kind.SIGMOID)), g.add("/e", new Neg(), x),
                        g.add("/y", Activation.of(Activation.Kind.SIGMOID), x))),
                new Family("BatchNorm training", (g, x) -> one(g, "/t", new BatchNormalization(1e-5, 0.9, true), 0, g.add("/ch", new Reshape(new int[] {2, 64, 64}), x),
                        g.addConstant("gamma", random(r, 64)), g.addConstant("beta", random(r, 64)), g.addConstant("rm", random(r, 64)), g.addConstant("rv", Tensor.zeros(TensorType.of(DType.FLOAT, 64))))),
                new Family("BatchNorm running variance", (g, x) -> one(g, "/t", new BatchNormalization(1e-5, 0.9, true), 2, g.add("/ch", new Reshape(new int[] {2, 64, 64}), x),
                        g.addConstant("gamma", random(r, 64)), g.addConstant("beta", random(r, 64)), g.addConstant("rm", random(r, 64)), g.addConstant("rv", random(r, 64)))),
                new Family("BatchNormGrad training dgamma", (g, x) -> {
                    Value ch = g.add("/ch", new Reshape(new int[] {2, 64, 64}), x);
                    return one(g, "/t", new BatchNormGrad(1e-5, true), 1, g.add("/dy", new Exp(), ch), ch, g.addConstant("gamma", random(r, 64)));
                }),
                new Family("BatchNormGrad inference dx", (g, x) -> {
                    Value ch = g.add("/ch", new Reshape(new int[] {2, 64, 64}), x);
                    return one(g, "/t", new BatchNormGrad(1e-5, false), 0, g.add("/dy", new Exp(), ch), ch, g.addConstant("gamma", random(r, 64)),
                            g.addConstant("rm", random(r, 64)), g.add("/rv", new Exp(), g.addConstant("lv", random(r, 64))));
                }),
                new Family("scalar Mul", (g, x) -> g.add("/t", new Mul(), x, g.addConstant("k", Tensor.scalar(DType.FLOAT, 3)))),
                new Family("SGD momentum", (g, x) -> {
                    Value flat = g.add("/flat", new Reshape(new int[] {8192}), x);
                    return one(g, "/t", new SgdUpdate(0.1, 0.9, 0.01, true), 1, flat, g.add("/g", new Exp(), flat), g.add("/v", new Neg(), flat));
                }),
                new Family("Adam", (g, x) -> {
                    Value flat = g.add("/flat", new Reshape(new int[] {8192}), x);
                    return one(g, "/t", new AdamUpdate(0.01, 0.9, 0.99, 1e-8, 0.1), 0, flat, g.add("/g", new Neg(), flat), g.add("/m", new Relu(), flat),
                            g.add("/v", new Exp(), flat), g.addConstant("step", Tensor.scalar(DType.FLOAT, 3)));
                }),
                new Family("LayerNorm", (g, x) -> g.add("/t", new LayerNormalization(1, 1e-5), g.add("/rows", new Reshape(new int[] {64, 128}), x),
                        g.addConstant("gamma", random(r, 128)), g.addConstant("beta", random(r, 128)))),
                new Family("LayerNormGrad dgamma", (g, x) -> {
                    Value rows = g.add("/rows", new Reshape(new int[] {64, 128}), x);
                    return one(g, "/t", new LayerNormGrad(1, 1e-5), 1, g.add("/dy", new Exp(), rows), rows, g.addConstant("gamma", random(r, 128)));
                }),
                new Family("LayerNormGrad dx", (g, x) -> {
                    Value rows = g.add("/rows", new Reshape(new int[] {64, 128}), x);
                    return one(g, "/t", new LayerNormGrad(1, 1e-5), 0, g.add("/dy", new Exp(), rows), rows, g.addConstant("gamma", random(r, 128)));
                }),
                new Family("Softmax", (g, x) -> g.add("/t", new Softmax(1), g.add("/rows", new Reshape(new int[] {64, 128}), x))),
                new Family("SoftmaxGrad", (g, x) -> {
                    Value rows = g.add("/rows", new Reshape(new int[] {64, 128}), x);
                    return g.add("/t", new SoftmaxGrad(1), rows, g.add("/y", new Softmax(1), rows));
                }),
                new Family("Linear K split", (g, x) -> g.add("/t", new Linear(false, 0.5), g.add("/row", new Reshape(new int[] {1, 8192}), x),
                        g.addConstant("w", random(r, 8192, 8)), g.addConstant("b", random(r, 8)))),
                new Family("Linear transposed W, residual", (g, x) -> {
                    Value rows = g.add("/rows", new Reshape(new int[] {16, 512}), x);
                    Value res = g.add("/res", new Reshape(new int[] {16, 24}), g.add("/cut", new Slice(new int[] {0, 0}, new int[] {1, 1}, new int[] {16, 24}), rows));
                    return g.add("/t", new Linear(true, 1), rows, g.addConstant("w", random(r, 24, 512)), g.addConstant("b", random(r, 24)), res);
                }),
                new Family("LinearGradWeight rows", (g, x) -> {
                    Value rows = g.add("/rows", new Reshape(new int[] {2048, 4}), x);
                    return g.add("/t", new LinearGradWeight(false, 1), rows, g.add("/dy", new Neg(), rows));
                }),
                new Family("MatMul broadcast", (g, x) -> g.add("/t", new MatMul(), g.add("/a", new Reshape(new int[] {8, 32, 32}), x), g.addConstant("b", random(r, 32, 16)))),
                new Family("MatMul batched", (g, x) -> {
                    Value a = g.add("/a", new Reshape(new int[] {8, 32, 32}), x);
                    return g.add("/t", new MatMul(), a, g.add("/at", new Transpose(new int[] {0, 2, 1}), a));
                }),
                new Family("Conv", (g, x) -> g.add("/t", conv, x, g.addConstant("w", random(r, 8, 4, 3, 3)), g.addConstant("b", random(r, 8)))),
                new Family("Conv strided", (g, x) -> g.add("/t", conv2, x, g.addConstant("w", random(r, 6, 4, 3, 2)), g.addConstant("b", random(r, 6)))),
                new Family("ConvGradInput", (g, x) -> {
                    Value xs = g.add("/alternate", alternate, x);
                    Value w = g.addConstant("w", random(r, 8, 4, 3, 3));
                    return g.add("/t", new ConvGradInput(conv, new int[] {2, 4, 16, 16}), g.add("/y", conv, xs, w), w);
                }),
                new Family("ConvGradWeight", (g, x) -> {
                    Value xs = g.add("/alternate", alternate, x);
                    return g.add("/t", new ConvGradWeight(conv, new int[] {8, 4, 3, 3}), g.add("/y", conv, xs, g.addConstant("w", random(r, 8, 4, 3, 3))), xs);
                }),
                new Family("Conv depthwise", (g, x) -> g.add("/t", depthwise, x, g.addConstant("w", random(r, 4, 1, 3, 3)), g.addConstant("b", random(r, 4)))),
                new Family("Conv grouped strided, 3 outputs per group", (g, x) -> g.add("/t", grouped, x, g.addConstant("w", random(r, 6, 2, 3, 2)),
                        g.addConstant("b", random(r, 6)))),
                new Family("ConvGradWeight images and rows", (g, x) -> g.add("/t", new ConvGradWeight(conv, new int[] {8, 4, 3, 3}),
                        g.add("/y", conv, x, g.addConstant("w", random(r, 8, 4, 3, 3))), x)),
                new Family("ConvGradWeight 64 input channels", (g, x) -> {
                    // X of 64 channels (512 KiB), dY of 16: dW blocks of input channels, summed over images and row blocks.
                    Value x64 = g.add("/x64", conv, x, g.addConstant("w0", random(r, 64, 4, 3, 3)));
                    return g.add("/t", new ConvGradWeight(conv, new int[] {16, 64, 3, 3}), g.add("/y", conv, x, g.addConstant("w", random(r, 16, 4, 3, 3))), x64);
                }),
                new Family("ConvGradWeight depthwise", (g, x) -> g.add("/t", new ConvGradWeight(depthwise, new int[] {4, 1, 3, 3}),
                        g.add("/y", depthwise, x, g.addConstant("w", random(r, 4, 1, 3, 3))), x)),
                new Family("ConvGradWeight grouped strided", (g, x) -> g.add("/t", new ConvGradWeight(grouped, new int[] {6, 2, 3, 2}),
                        g.add("/y", grouped, x, g.addConstant("w", random(r, 6, 2, 3, 2))), x)),
                new Family("ConvGradInput rows and output channels", (g, x) -> {
                    Value w = g.addConstant("w", random(r, 8, 4, 3, 3));
                    return g.add("/t", new ConvGradInput(conv, new int[] {2, 4, 32, 32}), g.add("/y", conv, x, w), w);
                }),
                new Family("ConvGradInput strided", (g, x) -> {
                    Value w = g.addConstant("w", random(r, 6, 4, 3, 2));
                    return g.add("/t", new ConvGradInput(conv2, new int[] {2, 4, 32, 32}), g.add("/y", conv2, x, w), w);
                }),
                new Family("ConvGradInput depthwise", (g, x) -> {
                    Value w = g.addConstant("w", random(r, 4, 1, 3, 3));
                    return g.add("/t", new ConvGradInput(depthwise, new int[] {2, 4, 32, 32}), g.add("/y", depthwise, x, w), w);
                }),
                new Family("ConvGradInput grouped strided", (g, x) -> {
                    Value w = g.addConstant("w", random(r, 6, 2, 3, 2));
                    return g.add("/t", new ConvGradInput(grouped, new int[] {2, 4, 32, 32}), g.add("/y", grouped, x, w), w);
                }),
                new Family("Add channel bias [C,1,1]", (g, x) -> g.add("/t", new Add(), x, g.addConstant("b", random(r, 4, 1, 1)))),
                new Family("Add row bias [W]", (g, x) -> g.add("/t", new Add(), g.addConstant("b", random(r, 32)), x)),
                new Family("Mul channel scale [N,C,1,1]", (g, x) -> g.add("/t", new Mul(), x,
                        g.add("/s", new Slice(new int[] {0, 0, 5, 7}, new int[] {1, 1, 1, 1}, new int[] {2, 4, 1, 1}), x))),
                new Family("MaxPool", (g, x) -> g.add("/t", new MaxPool(w3), x)),
                new Family("MaxPoolGrad", (g, x) -> {
                    // Its tiles are plane blocks (whole planes: no row split of a window gradient yet), so a plane must fit.
                    Value xs = g.add("/quarter", new Slice(new int[] {0, 0, 0, 0}, new int[] {1, 1, 2, 1}, new int[] {2, 4, 16, 32}), x);
                    return g.add("/t", new MaxPoolGrad(w3), g.add("/p", new MaxPool(w3), xs), xs);
                }),
                new Family("Reshape copy", (g, x) -> g.add("/t", new Reshape(new int[] {64, 128}), x)),
                new Family("AveragePool", (g, x) -> g.add("/t", new AveragePool(w3, true), x)),
                new Family("AveragePoolGrad", (g, x) -> g.add("/t", new AveragePoolGrad(w3, false, new int[] {2, 4, 32, 32}), g.add("/p", new AveragePool(w3, false), x))),
                new Family("ReduceSum one axis", (g, x) -> g.add("/t", new ReduceSum(new int[] {1}, false), g.add("/rows", new Reshape(new int[] {16, 512}), x))),
                new Family("BatchNorm training, running mean", (g, x) -> {
                    Value x16 = g.add("/x16", new Reshape(new int[] {2, 16, 16, 16}), x);
                    return one(g, "/t", new BatchNormalization(1e-5, 0.9, true), 1, x16, g.addConstant("gamma", random(r, 16)), g.addConstant("beta", random(r, 16)),
                            g.addConstant("mean", random(r, 16)), g.add("/var", new Exp(), g.addConstant("var", random(r, 16))));
                }),
                new Family("BatchNorm inference", (g, x) -> g.add("/t", new BatchNormalization(1e-5, 0.9, false), g.add("/x16", new Reshape(new int[] {2, 16, 16, 16}), x),
                        g.addConstant("gamma", random(r, 16)), g.addConstant("beta", random(r, 16)), g.addConstant("mean", random(r, 16)),
                        g.add("/var", new Exp(), g.addConstant("var", random(r, 16))))),
                new Family("BatchNormGrad training dX", (g, x) -> {
                    Value x16 = g.add("/x16", new Reshape(new int[] {2, 16, 16, 16}), x);
                    return one(g, "/t", new BatchNormGrad(1e-5, true), 0, g.add("/dy", new Exp(), x16), x16, g.addConstant("gamma", random(r, 16)));
                }),
                new Family("BatchNormGrad inference dgamma", (g, x) -> {
                    Value x16 = g.add("/x16", new Reshape(new int[] {2, 16, 16, 16}), x);
                    return one(g, "/t", new BatchNormGrad(1e-5, false), 1, g.add("/dy", new Exp(), x16), x16, g.addConstant("gamma", random(r, 16)),
                            g.addConstant("mean", random(r, 16)), g.add("/var", new Exp(), g.addConstant("var", random(r, 16))));
                }),
                new Family("ReduceSum keeping [N, C]", (g, x) -> g.add("/t", new ReduceSum(new int[] {2, 3}, true), x)),
                new Family("GlobalAveragePool", (g, x) -> g.add("/t", new GlobalAveragePool(), x)),
                new Family("Transpose", (g, x) -> g.add("/t", new Transpose(new int[] {0, 2, 3, 1}), x)),
                new Family("Slice strided", (g, x) -> g.add("/t", half, x)),
                new Family("Expand", (g, x) -> g.add("/t", new Expand(new int[] {2, 4, 32, 32}),
                        g.add("/row", new Slice(new int[] {0, 0, 3, 0}, new int[] {1, 1, 1, 1}, new int[] {2, 4, 1, 32}), x))),
                new Family("Split", (g, x) -> one(g, "/t", new Split(1, new int[] {1, 3}), 1, x)),
                new Family("Concat", (g, x) -> {
                    List<Value> parts = g.addNode("/split", new Split(1, new int[] {1, 3}), List.of(x), null);
                    return g.add("/t", new Concat(1), parts.get(1), parts.get(0));
                }),
                // (last: their random constants must not shift the other families') data)
                // LoRA fused into its Linear: rows and columns tiled, K and the rank whole, t kept in L1 over the column tiles
                new Family("LoraLinear columns share t", (g, x) -> one(g, "/t", new LoraLinear(false, 0.5, 1.5), 0, g.add("/rows", new Reshape(new int[] {64, 128}), x),
                        g.addConstant("w", random(r, 128, 96)), g.addConstant("b", random(r, 96)), g.addConstant("a", random(r, 3, 128)), g.addConstant("lb", random(r, 96, 3)))),
                new Family("LoraLinear transposed W, edge blocks", (g, x) -> {
                    Value rows = g.add("/rows", new Reshape(new int[] {128, 64}), x);
                    List<Value> in = java.util.Arrays.asList(rows, g.addConstant("w", random(r, 23, 64)), null, g.addConstant("a", random(r, 2, 64)), g.addConstant("lb", random(r, 23, 2)));
                    return g.addNode("/t", new LoraLinear(true, 1, 1), in, null).get(0);
                }));
        return f.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void runsAsSeveralTilesAndMatchesTheInterpreter(Family family) {
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 2, 4, 32, 32));
        g.addOutput("out", family.build().apply(g, x));
        Target target = Target.load("siracusa").withLevelSize("L1", L1).withDoubleFpu(true);
        String c = TargetFolder.sources(EmitSpec.inference("m.onnx", g), 3, target, false).get("network.c");
        Matcher m = Pattern.compile("/t \\([A-Za-z]+\\): (\\d+) tiles? through L1").matcher(c);
        assertTrue(m.find(), "no tile loop for /t:\n" + c);
        assertTrue(Integer.parseInt(m.group(1)) > 1, family + " runs as " + m.group(1) + " tile(s)");

        Tensor in = random(new Random(5), 2, 4, 32, 32);
        Tensor expected = new Interpreter(g).run(Map.of("x", in)).get("out");
        Tensor actual = new CEngine(CEngine.Options.sanitized(3).on(target)).infer(g, List.of(in)).get(0);
        Comparison cmp = new Comparison();
        cmp.add(actual, expected);
        assertTrue(cmp.passed(), family + ": worst error " + cmp.worstAbs());
        assertEquals(expected.shape().length, actual.shape().length);
    }
}
