package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import static org.traindeeploy.testing.GradCheck.uniform;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.testing.GradCheck;

/** Every gradient rule against central finite differences in float64, on small seeded random shapes. */
class GradientRulesTest {
    static Tensor u(long seed, int... shape) { return uniform(seed, -1, 1, shape); }

    static Tensor pos(long seed, int... shape) { return uniform(seed, 0.5, 2, shape); }

    static Tensor idx(long... v) { return Tensor.ofInt(DType.INT64, new int[] {v.length}, v); }

    static Arguments c(String name, Op op, List<Tensor> in, int... diff) { return Arguments.of(name, op, in, diff); }

    static Stream<Arguments> cases() {
        Window2d w3 = new Window2d(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false);
        Window2d w2ceil = new Window2d(2, 2, 2, 2, 0, 0, 0, 0, 1, 1, true);
        return Stream.of(
                c("Add broadcast", new Add(), List.of(u(1, 2, 3), u(2, 3)), 0, 1),
                c("Add broadcast keep-1", new Add(), List.of(u(1, 2, 1, 3), u(2, 4, 1)), 0, 1),
                c("Sub broadcast", new Sub(), List.of(u(3, 2, 3), u(4, 1, 3)), 0, 1),
                c("Mul broadcast", new Mul(), List.of(u(5, 2, 3), u(6, 3)), 0, 1),
                c("Div broadcast", new Div(), List.of(u(7, 2, 3), pos(8, 2, 1)), 0, 1),
                c("Pow const exponent", new Pow(), List.of(pos(9, 2, 3), Tensor.scalar(DType.DOUBLE, 3)), 0),
                c("Neg", new Neg(), List.of(u(10, 4)), 0),
                c("Sqrt", new Sqrt(), List.of(pos(11, 5)), 0),
                c("Exp", new Exp(), List.of(u(12, 5)), 0),
                c("Relu", new Relu(), List.of(u(13, 2, 5)), 0),
                c("Clip", new Clip(-0.5, 0.5), List.of(u(14, 2, 5)), 0),
                c("Erf", new Erf(), List.of(u(15, 6)), 0),
                c("Gelu erf", new Gelu(false), List.of(u(16, 6)), 0),
                c("Gelu tanh", new Gelu(true), List.of(u(17, 6)), 0),
                c("Softmax last axis", new Softmax(1), List.of(u(18, 2, 4)), 0),
                c("Softmax middle axis", new Softmax(1), List.of(u(19, 2, 3, 2)), 0),
                c("LayerNormalization", new LayerNormalization(1, 1e-5), List.of(u(20, 3, 4), u(21, 4), u(22, 4)), 0, 1, 2),
                c("LayerNormalization two axes", new LayerNormalization(1, 1e-5), List.of(u(23, 2, 2, 3), u(24, 2, 3)), 0, 1),
                c("ReduceSum", new ReduceSum(new int[] {1}, false), List.of(u(25, 2, 3, 2)), 0),
                c("ReduceMean keepdims", new ReduceMean(new int[] {0, 2}, true), List.of(u(26, 2, 3, 2)), 0),
                c("MaxPool", new MaxPool(w3), List.of(u(27, 1, 2, 5, 5)), 0),
                c("MaxPool ceil", new MaxPool(w2ceil), List.of(u(28, 1, 1, 5, 5)), 0),
                c("AveragePool with pad", new AveragePool(w3, true), List.of(u(29, 1, 2, 5, 5)), 0),
                c("AveragePool ceil no pad count", new AveragePool(w2ceil, false), List.of(u(30, 1, 1, 5, 5)), 0),
                c("GlobalAveragePool", new GlobalAveragePool(), List.of(u(31, 2, 3, 2, 2)), 0),
                c("Reshape", new Reshape(new int[] {3, 4}), List.of(u(32, 2, 6)), 0),
                c("Transpose", new Transpose(new int[] {2, 0, 1}), List.of(u(33, 2, 3, 4)), 0),
                c("Split", new Split(1, new int[] {1, 3}), List.of(u(34, 2, 4)), 0),
                c("Slice negative step", Slice.fromOnnx(new int[] {3, 5}, new long[] {4}, new long[] {0}, new long[] {1}, new long[] {-2}), List.of(u(35, 3, 5)), 0),
                c("Concat", new Concat(1), List.of(u(36, 2, 2), u(37, 2, 3)), 0, 1),
                c("Gather repeated index", new Gather(1), List.of(u(38, 2, 4), idx(3, 0, 3, -1)), 0),
                c("Expand", new Expand(new int[] {2, 3, 4}), List.of(u(39, 3, 1)), 0),
                c("Where", new Where(), List.of(Tensor.ofInt(DType.BOOL, new int[] {2, 1}, new long[] {1, 0}), u(40, 2, 3), u(41, 3)), 1, 2),
                c("Cast double to float and back", new Cast(DType.DOUBLE), List.of(u(42, 3)), 0),
                c("Conv", new Conv(1, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}), List.of(u(43, 2, 2, 4, 4), u(44, 3, 2, 3, 3), u(45, 3)), 0, 1, 2),
                c("Conv grouped strided dilated", new Conv(2, new int[] {2, 1}, new int[] {0, 1, 1, 0}, new int[] {1, 2}), List.of(u(46, 1, 4, 5, 5), u(47, 4, 2, 2, 2)), 0, 1),
                c("Conv depthwise", new Conv(3, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}), List.of(u(48, 1, 3, 4, 4), u(49, 3, 1, 3, 3), u(50, 3)), 0, 1, 2),
                c("Linear", new Linear(false, 1.0), List.of(u(51, 2, 3, 4), u(52, 4, 5), u(53, 5)), 0, 1, 2),
                c("Linear transposed with alpha", new Linear(true, 0.5), List.of(u(54, 3, 4), u(55, 2, 4), u(56, 2)), 0, 1, 2),
                c("Linear with residual", new Linear(false, 2.0), Arrays.asList(u(61, 2, 3), u(62, 3, 4), null, u(63, 2, 4)), 0, 1, 3),
                c("MatMul batched broadcast", new MatMul(), List.of(u(57, 2, 1, 3, 4), u(58, 3, 4, 2)), 0, 1),
                c("SoftmaxCrossEntropy", new SoftmaxCrossEntropy(), Arrays.asList(u(59, 3, 5), idx(4, 0, 2)), 0),
                c("MseLoss", new MseLoss(), Arrays.asList(u(60, 3, 4), idx(1, 3, 0)), 0),
                c("MseLoss float target", new MseLoss(), Arrays.asList(u(64, 2, 3, 2), u(65, 2, 3, 2)), 0),
                c("Sigmoid", Activation.of(Activation.Kind.SIGMOID), List.of(wide(66, 2, 5)), 0),
                c("Tanh", Activation.of(Activation.Kind.TANH), List.of(wide(67, 2, 5)), 0),
                c("HardSigmoid", new Activation(Activation.Kind.HARD_SIGMOID, 1 / 6.0, 0.5), List.of(wide(68, 3, 6)), 0),
                c("HardSigmoid ONNX default", new Activation(Activation.Kind.HARD_SIGMOID, 0.2, 0.5), List.of(wide(69, 3, 6)), 0),
                c("HardSwish", Activation.of(Activation.Kind.HARD_SWISH), List.of(wide(70, 3, 6)), 0),
                c("LeakyRelu", new Activation(Activation.Kind.LEAKY_RELU, 0.1, 0), List.of(u(71, 2, 6)), 0),
                c("Pad", new Pad(new int[] {0, 1, 2, 0}, new int[] {1, 0, 1, 3}, 0.5), List.of(u(72, 1, 2, 3, 3)), 0),
                c("BatchNormalization inference", new BatchNormalization(1e-5, 0.9, false),
                        List.of(u(73, 2, 3, 2, 2), u(74, 3), u(75, 3), u(76, 3), pos(77, 3)), 0, 1, 2),
                c("BatchNormalization training (output Y)", new FirstOutput(new BatchNormalization(1e-5, 0.9, true)),
                        List.of(u(78, 2, 3, 2, 2), u(79, 3), u(80, 3), u(81, 3), pos(82, 3)), 0, 1, 2),
                c("BatchNormalization training rank 2", new FirstOutput(new BatchNormalization(1e-3, 0.9, true)),
                        List.of(u(83, 4, 3), u(84, 3), u(85, 3), u(86, 3), pos(87, 3)), 0, 1, 2));
    }

    /** Values across the kinks of the hard activations (±3, ±2.5), seeded away from them. */
    static Tensor wide(long seed, int... shape) { return uniform(seed, -4.5, 4.5, shape); }

    /**
     * An op's first output alone: a training-mode BatchNormalization's other outputs are the
     * running statistics, state that no loss reads and that has no gradient.
     */
    record FirstOutput(Op inner) implements Op {
        @Override public String opType() { return inner.opType(); }

        @Override public List<org.traindeeploy.ir.TensorType> inferTypes(List<org.traindeeploy.ir.Value> in) { return List.of(inner.inferTypes(in).get(0)); }

        @Override public List<Tensor> evaluate(List<Tensor> in) { return List.of(inner.evaluate(in).get(0)); }

        @Override public List<org.traindeeploy.ir.Value> gradient(GradientContext g) { return inner.gradient(g); }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesFiniteDifferences(String name, Op op, List<Tensor> inputs, int[] diff) {
        GradCheck.check(op, inputs, diff);
    }
}
