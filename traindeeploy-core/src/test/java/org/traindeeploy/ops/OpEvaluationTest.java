package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.traindeeploy.testing.T.assertTensor;
import static org.traindeeploy.testing.T.f;
import static org.traindeeploy.testing.T.i64;
import static org.traindeeploy.testing.T.s;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * Shape inference and reference evaluation of each op on small hand-computed examples, and the
 * attribute/shape errors each op reports.
 */
class OpEvaluationTest {
    /** Infer through a graph (as the importer does) and evaluate; checks both agree on the type. */
    static Tensor run(Op op, Tensor... in) { return runAll(op, in).get(0); }

    static List<Tensor> runAll(Op op, Tensor... in) {
        Graph g = new Graph();
        g.setFoldConstants(false);
        Value[] vs = new Value[in.length];
        for (int i = 0; i < in.length; i++) vs[i] = in[i] == null ? null : g.addConstant("c" + i, in[i]);
        List<Value> outs = g.addNode("n", op, Arrays.asList(vs), null);
        List<Tensor> r = op.evaluate(Arrays.asList(in));
        for (int i = 0; i < outs.size(); i++) assertEquals(outs.get(i).type(), r.get(i).type(), "inferred type of output " + i);
        return r;
    }

    static TensorType infer(Op op, TensorType... in) {
        Graph g = new Graph();
        Value[] vs = new Value[in.length];
        for (int i = 0; i < in.length; i++) vs[i] = g.addInput("x" + i, in[i]);
        return g.addNode("n", op, Arrays.asList(vs), null).get(0).type();
    }

    @Test void addBroadcasts() { assertTensor(run(new Add(), f(s(2, 2), 1, 2, 3, 4), f(s(2), 10, 20)), s(2, 2), 11, 22, 13, 24); }

    @Test void subMulDivOnIntegers() {
        assertTensor(run(new Sub(), i64(s(2), 5, 7), i64(s(1), 2)), s(2), 3, 5);
        assertTensor(run(new Mul(), i64(s(2), 5, 7), i64(s(), 3)), s(2), 15, 21);
        assertTensor(run(new Div(), i64(s(2), 7, -7), i64(s(), 2)), s(2), 3, -3);
    }

    @Test void divAndPow() {
        assertTensor(run(new Div(), f(s(2), 1, 3), f(s(2), 2, 4)), s(2), 0.5, 0.75);
        assertTensor(run(new Pow(), f(s(2), 2, 3), f(s(), 2)), s(2), 4, 9);
    }

    @Test void equalGivesBool() {
        Tensor r = run(new Equal(), i64(s(3), 1, 2, 3), i64(s(1), 2));
        assertEquals(DType.BOOL, r.dtype());
        assertTensor(r, s(3), 0, 1, 0);
    }

    @Test void broadcastMismatchIsAnError() {
        CompileException e = assertThrows(CompileException.class, () -> infer(new Add(), TensorType.of(DType.FLOAT, 2, 3), TensorType.of(DType.FLOAT, 4)));
        assertTrue(e.getMessage().contains("do not broadcast"), e.getMessage());
    }

    @Test void unaryOps() {
        assertTensor(run(new Relu(), f(s(3), -1, 0, 2)), s(3), 0, 0, 2);
        assertTensor(run(new Clip(-1, 1), f(s(3), -3, 0.5, 3)), s(3), -1, 0.5, 1);
        assertTensor(run(new Sqrt(), f(s(2), 4, 9)), s(2), 2, 3);
        assertTensor(run(new Neg(), f(s(1), 2)), s(1), -2);
        assertTensor(run(new Exp(), f(s(1), 0)), s(1), 1);
        assertTensor(run(new Erf(), f(s(3), 0, 0.5, -3)), s(3), 0, 0.5204998778130465, -0.9999779095030014);
        assertTensor(run(new Gelu(false), f(s(2), 1, -1)), s(2), 0.8413447460685429, -0.15865525393145707);
        assertTensor(run(new Gelu(true), f(s(1), 1)), s(1), 0.8411919906082768);
    }

    @Test void erfIsAccurateAcrossItsRange() {
        double[][] known = {{0.1, 0.1124629160182849}, {1, 0.8427007929497149}, {2, 0.9953222650189527}, {2.6, 0.9997639655834707}, {4, 0.9999999845827421}};
        for (double[] k : known) {
            assertEquals(k[1], MathFunctions.erf(k[0]), 1e-14, "erf(" + k[0] + ")");
            assertEquals(-k[1], MathFunctions.erf(-k[0]), 1e-14, "erf(" + -k[0] + ")");
        }
    }

    @Test void clipRejectsInvertedBounds() { assertThrows(CompileException.class, () -> new Clip(1, -1)); }

    @Test void softmaxAlongAxis() {
        double e = Math.E;
        Tensor r = run(new Softmax(0), f(s(2, 1), 0, 1));
        assertTensor(r, s(2, 1), 1 / (1 + e), e / (1 + e));
    }

    @Test void layerNormalization() {
        Tensor r = run(new LayerNormalization(1, 0), f(s(1, 2), 1, 3), f(s(2), 2, 2), f(s(2), 0, 1));
        assertTensor(r, s(1, 2), -2, 3);
    }

    @Test void layerNormRejectsWrongScale() {
        assertThrows(CompileException.class, () -> infer(new LayerNormalization(1, 1e-5), TensorType.of(DType.FLOAT, 2, 4), TensorType.of(DType.FLOAT, 3)));
    }

    @Test void reductions() {
        Tensor x = f(s(2, 3), 1, 2, 3, 4, 5, 6);
        assertTensor(run(new ReduceSum(s(1), false), x), s(2), 6, 15);
        assertTensor(run(new ReduceMean(s(0), true), x), s(1, 3), 2.5, 3.5, 4.5);
        assertTensor(run(new ReduceMean(s(), false), x), s(), 3.5);
        assertThrows(CompileException.class, () -> infer(new ReduceSum(s(1, 1), false), x.type()));
    }

    @Test void conv2dWithPadding() {
        Tensor x = f(s(1, 1, 2, 2), 1, 2, 3, 4);
        Tensor w = f(s(1, 1, 2, 2), 1, 0, 0, 1);
        Tensor y = run(new Conv(1, s(1, 1), s(0, 0, 1, 1), s(1, 1)), x, w, f(s(1), 10));
        assertTensor(y, s(1, 1, 2, 2), 15, 12, 13, 14);
    }

    @Test void convGroupsAndShapes() {
        assertEquals(TensorType.of(DType.FLOAT, 1, 4, 3, 3),
                infer(new Conv(2, s(2, 2), s(1, 1, 1, 1), s(1, 1)), TensorType.of(DType.FLOAT, 1, 4, 5, 5), TensorType.of(DType.FLOAT, 4, 2, 3, 3)));
        CompileException e = assertThrows(CompileException.class,
                () -> infer(new Conv(1, s(1, 1), s(0, 0, 0, 0), s(1, 1)), TensorType.of(DType.FLOAT, 1, 3, 5, 5), TensorType.of(DType.FLOAT, 4, 2, 3, 3)));
        assertTrue(e.getMessage().contains("input channels"), e.getMessage());
        assertThrows(CompileException.class, () -> new Conv(0, s(1, 1), s(0, 0, 0, 0), s(1, 1)));
    }

    @Test void pooling() {
        Tensor x = f(s(1, 1, 2, 3), 1, 5, 2, 4, 3, 6);
        assertTensor(run(new MaxPool(new Window2d(2, 2, 1, 1, 0, 0, 0, 0, 1, 1, false)), x), s(1, 1, 1, 2), 5, 6);
        assertTensor(run(new AveragePool(new Window2d(2, 2, 1, 1, 0, 0, 0, 0, 1, 1, false), false), x), s(1, 1, 1, 2), 3.25, 4);
        assertTensor(run(new AveragePool(new Window2d(2, 2, 2, 2, 1, 1, 1, 1, 1, 1, false), true), f(s(1, 1, 2, 2), 4, 4, 4, 4)), s(1, 1, 2, 2), 1, 1, 1, 1);
        assertTensor(run(new GlobalAveragePool(), x), s(1, 1, 1, 1), 3.5);
        assertEquals(3, new Window2d(2, 2, 2, 2, 0, 0, 0, 0, 1, 1, true).outH(5), "ceil mode keeps the partial window");
        assertThrows(CompileException.class, () -> new Window2d(0, 2, 1, 1, 0, 0, 0, 0, 1, 1, false));
    }

    @Test void maxPoolGradientGoesToFirstMaximum() {
        Tensor x = f(s(1, 1, 1, 2), 3, 3);
        Tensor dx = run(new MaxPoolGrad(new Window2d(1, 2, 1, 1, 0, 0, 0, 0, 1, 1, false)), f(s(1, 1, 1, 1), 7), x);
        assertTensor(dx, s(1, 1, 1, 2), 7, 0);
    }

    @Test void linearAndMatMul() {
        Tensor x = f(s(1, 2), 1, 2);
        assertTensor(run(new Linear(false, 1), x, f(s(2, 2), 1, 2, 3, 4), f(s(2), 1, 1)), s(1, 2), 8, 11);
        assertTensor(run(new Linear(true, 2), x, f(s(1, 2), 1, 2)), s(1, 1), 10);
        assertTensor(run(new MatMul(), f(s(2, 1, 2), 1, 2, 3, 4), f(s(2, 1), 1, 1)), s(2, 1, 1), 3, 7);
        assertThrows(CompileException.class, () -> infer(new Linear(false, 1), TensorType.of(DType.FLOAT, 2, 3), TensorType.of(DType.FLOAT, 4, 2)));
    }

    @Test void linearGradWeight() {
        Tensor dw = run(new LinearGradWeight(false, 1), f(s(2, 1), 1, 2), f(s(2, 2), 1, 0, 0, 1));
        assertTensor(dw, s(1, 2), 1, 2);
    }

    @Test void dataMovement() {
        Tensor x = f(s(2, 3), 1, 2, 3, 4, 5, 6);
        assertTensor(run(new Reshape(s(3, 2)), x), s(3, 2), 1, 2, 3, 4, 5, 6);
        assertTensor(run(new Transpose(s(1, 0)), x), s(3, 2), 1, 4, 2, 5, 3, 6);
        List<Tensor> parts = runAll(new Split(1, s(1, 2)), x);
        assertTensor(parts.get(0), s(2, 1), 1, 4);
        assertTensor(parts.get(1), s(2, 2), 2, 3, 5, 6);
        assertTensor(run(new Concat(0), x, f(s(1, 3), 7, 8, 9)), s(3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertTensor(run(new Gather(1), x, i64(s(2), 2, -3)), s(2, 2), 3, 1, 6, 4);
        assertTensor(run(new Expand(s(2, 2)), f(s(2, 1), 1, 2)), s(2, 2), 1, 1, 2, 2);
        assertTensor(run(new Where(), Tensor.ofInt(DType.BOOL, s(2), new long[] {1, 0}), f(s(2), 1, 2), f(s(1), 9)), s(2), 1, 9);
        assertTensor(run(new Cast(DType.INT64), f(s(2), 1.7, -1.7)), s(2), 1, -1);
        assertTensor(run(new ConstantOfShape(Tensor.scalar(DType.FLOAT, 3).reshape(1)), i64(s(2), 1, 2)), s(1, 2), 3, 3);
        assertThrows(CompileException.class, () -> new Transpose(s(0, 0)));
        assertThrows(CompileException.class, () -> infer(new Reshape(s(5)), x.type()));
        assertThrows(CompileException.class, () -> infer(new Split(1, s(1, 1)), x.type()));
        assertThrows(CompileException.class, () -> run(new Gather(0), x, i64(s(1), 2)));
    }

    @Test void sliceFollowsOnnxClampingAndNegativeSteps() {
        Tensor x = f(s(5), 0, 1, 2, 3, 4);
        assertTensor(run(Slice.fromOnnx(s(5), new long[] {1}, new long[] {Long.MAX_VALUE}, null, new long[] {2}), x), s(2), 1, 3);
        assertTensor(run(Slice.fromOnnx(s(5), new long[] {-1}, new long[] {Long.MIN_VALUE}, null, new long[] {-1}), x), s(5), 4, 3, 2, 1, 0);
        assertTensor(run(Slice.fromOnnx(s(5), new long[] {3}, new long[] {1}, null, null), x), s(0));
        assertTensor(run(new SliceGrad(s(1), s(2), s(5)), f(s(2), 7, 8)), s(5), 0, 7, 0, 8, 0);
    }

    @Test void lossesMatchTheirDefinitions() {
        Tensor z = f(s(2, 2), 0, 0, 1, 0);
        double ce = (Math.log(2) + (Math.log(1 + Math.E) - 1)) / 2;
        assertTensor(run(new SoftmaxCrossEntropy(), z, i64(s(2), 0, 0)), s(), ce);
        assertTensor(run(new MseLoss(), z, i64(s(2), 1, 0)), s(), (0 + 1 + 0 + 0) / 4.0);
        assertThrows(CompileException.class, () -> run(new SoftmaxCrossEntropy(), z, i64(s(2), 0, 5)));
    }

    @Test void optimizerUpdates() {
        List<Tensor> sgd = runAll(new SgdUpdate(0.1, 0.9, 0, false), f(s(1), 1), f(s(1), 2), f(s(1), 1));
        assertTensor(sgd.get(1), s(1), 2.9);
        assertTensor(sgd.get(0), s(1), 1 - 0.1 * 2.9);
        List<Tensor> adam = runAll(new AdamUpdate(0.1, 0.9, 0.999, 0, 0), f(s(1), 1), f(s(1), 0.5), f(s(1), 0), f(s(1), 0), Tensor.scalar(DType.FLOAT, 1));
        assertTensor(adam.get(0), s(1), 0.9);
        assertThrows(CompileException.class, () -> new AdamUpdate(0.1, 1.0, 0.999, 1e-8, 0));
    }
}
