package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.traindeeploy.conformance.Comparison;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.*;

/**
 * Kernels the conformance cases do not reach (grouped convolution and its gradients, average
 * pooling, gathers, slices, Where/Equal, Clip, tanh-GELU, Cast, SGD with Nesterov momentum, MSE)
 * in one graph whose results are flattened into one output, run by the generated C (sanitized,
 * 3 cores) and by the reference interpreter: once computing in double (the host), once in float only
 * (a host without a double FPU, TD_NO_DOUBLE, built with -Wdouble-promotion: no implicit double).
 */
class KernelZooTest {
    private static Tensor random(Random r, int... shape) {
        double[] d = new double[(int) TensorType.elementCount(shape)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextGaussian();
        return Tensor.ofReal(DType.FLOAT, shape, d).roundToType();
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "double FPU {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void uncommonKernelsMatchTheInterpreter(boolean doubleFpu) {
        Random r = new Random(3);
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 2, 4, 6, 6));
        List<Value> parts = new ArrayList<>();
        Conv dw = new Conv(2, new int[] {2, 1}, new int[] {1, 0, 1, 2}, new int[] {1, 2});
        Value w = g.addConstant("w", random(r, 6, 2, 3, 2));
        Value conv = g.add("/conv", dw, x, w, g.addConstant("b", random(r, 6)));
        parts.add(conv);
        Value dy = g.add("/dy", new Gelu(true), conv);
        parts.add(g.add("/gx", new ConvGradInput(dw, new int[] {2, 4, 6, 6}), dy, w));
        parts.add(g.add("/gw", new ConvGradWeight(dw, new int[] {6, 2, 3, 2}), dy, x));
        parts.add(g.add("/gelugrad", new GeluGrad(true), dy, conv));
        Window2d win = Window2d.of(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, true);
        Value avg = g.add("/avg", new AveragePool(win, false), x);
        parts.add(avg);
        parts.add(g.add("/avgc", new AveragePool(win, true), x));
        parts.add(g.add("/avggrad", new AveragePoolGrad(win, false, new int[] {2, 4, 6, 6}), avg));
        Window2d mw = Window2d.of(new int[] {2, 3}, new int[] {1, 2}, new int[] {0, 1, 1, 1}, new int[] {2, 1}, false);
        parts.add(g.add("/maxgrad", new MaxPoolGrad(mw), g.add("/max", new MaxPool(mw), x), x));
        Value clip = g.add("/clip", new Clip(-0.5, 0.7), x);
        parts.add(clip);
        parts.add(g.add("/clipgrad", new ClipGrad(-0.5, 0.7), clip, x));
        parts.add(g.add("/sqrt", new Sqrt(), g.add("/sq", new Pow(), g.add("/erf", new Erf(), x), g.addConstant("two", Tensor.scalar(DType.FLOAT, 2)))));
        parts.add(g.add("/div", new Div(), g.add("/exp", new Exp(), g.add("/neg", new Neg(), x)), g.add("/sub", new Sub(), x, g.addConstant("row", random(r, 6)))));
        Slice sl = new Slice(new int[] {1, 3, 5, 0}, new int[] {-1, -2, -2, 3}, new int[] {2, 2, 3, 2});
        Value s = g.add("/slice", sl, x);
        parts.add(g.add("/slicegrad", new SliceGrad(sl.starts(), sl.steps(), new int[] {2, 4, 6, 6}), s));
        Value idx = g.addConstant("idx", Tensor.vector(3, -1, 0, 3));
        Value ga = g.add("/gather", new Gather(2), x, idx);
        parts.add(ga);
        parts.add(g.add("/gathergrad", new GatherGrad(2, new int[] {2, 4, 6, 6}), ga, idx));
        List<Value> halves = g.addNode("/split", new Split(1, new int[] {1, 3}), List.of(x), null);
        Value cat = g.add("/concat", new Concat(1), halves.get(1), halves.get(0));
        parts.add(g.add("/transpose", new Transpose(new int[] {3, 1, 0, 2}), cat));
        Value mean = g.add("/mean", new ReduceMean(new int[] {-1, 1}, true), x);
        parts.add(g.add("/expand", new Expand(new int[] {2, 4, 6, 6}), mean));
        parts.add(g.add("/softmax", new Softmax(2), x));
        Value rounded = g.add("/toint", new Cast(DType.INT64), g.add("/scale", new Mul(), x, g.addConstant("three", Tensor.scalar(DType.FLOAT, 3))));
        Value eq = g.add("/eq", new org.traindeeploy.ops.Equal(), rounded, g.addConstant("zero", Tensor.scalar(DType.INT64, 0)));
        parts.add(g.add("/where", new Where(), eq, x, g.add("/fromint", new Cast(DType.FLOAT), rounded)));
        Value flat = g.add("/flat", new Reshape(new int[] {2 * 4 * 6 * 6}), x);
        List<Value> sgd = g.addNode("/sgd", new SgdUpdate(0.1, 0.9, 0.01, true), List.of(flat, g.add("/g2", new Relu(), flat), g.add("/v", new Neg(), flat)), null);
        parts.add(sgd.get(0));
        parts.add(sgd.get(1));
        Value logits = g.add("/logits", new Reshape(new int[] {8, 36}), x);
        Value labels = g.addConstant("labels", Tensor.vector(0, 5, 35, 7, 1, 2, 3, 4));
        parts.add(g.add("/mse", new MseLoss(), logits, labels));
        parts.add(g.add("/msegrad", new MseLossGrad(), g.add("/mse2", new MseLoss(), logits, labels), logits, labels));

        List<Value> flatParts = new ArrayList<>();
        for (Value p : parts) flatParts.add(g.add(g.uniqueName("/flat_" + p.name()), new Reshape(new int[] {1, p.type().size()}), p));
        g.addOutput("out", g.add("/all", new Concat(1), flatParts.toArray(new Value[0])));

        Tensor in = random(r, 2, 4, 6, 6);
        Tensor expected = new Interpreter(g).run(Map.of("x", in)).get("out");
        CEngine.Options o = doubleFpu ? CEngine.Options.sanitized(3)
                : new CEngine.Options(3, CEngine.SANITIZE_CFLAGS + " -Wdouble-promotion", null).on(org.traindeeploy.target.Target.load("host").withDoubleFpu(false));
        Tensor actual = new CEngine(o).infer(g, List.of(in)).get(0);
        assertTrue(Arrays.equals(expected.shape(), actual.shape()));
        Comparison c = new Comparison();
        c.add(actual, expected);
        assertEquals("", KernelParts.mismatches(parts, actual, expected));
        assertTrue(c.passed());
    }
}
