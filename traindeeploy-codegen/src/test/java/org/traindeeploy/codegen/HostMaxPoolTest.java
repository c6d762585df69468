package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.MaxPool;
import org.traindeeploy.ops.Window2d;

/**
 * The host build's max pooling (pool.c under TD_HOST: runs of interior outputs taken tap by tap with
 * a plain max, outputs whose tap sum is NaN redone by the exact scan) against the interpreter, bit
 * for bit, on inputs full of NaN, infinities and signed zeros, for windows with padding, strides
 * and dilation (cct2's 3x3/2 and an uneven one), on 3 cores (run boundaries inside rows).
 */
class HostMaxPoolTest {
    @Test
    void nanInfinityAndSignedZerosGiveTheInterpretersBits() {
        Random r = new Random(13);
        double[] d = new double[2 * 3 * 19 * 23];
        for (int i = 0; i < d.length; i++) {
            int k = r.nextInt(100);
            d[i] = k < 2 ? Double.NaN : k < 4 ? Double.POSITIVE_INFINITY : k < 6 ? Double.NEGATIVE_INFINITY
                    : k < 14 ? -0.0 : k < 22 ? 0.0 : r.nextInt(7) - 3;
        }
        Tensor in = Tensor.ofReal(DType.FLOAT, new int[] {2, 3, 19, 23}, d).roundToType();
        Window2d cct = Window2d.of(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, false);
        Window2d odd = Window2d.of(new int[] {2, 3}, new int[] {1, 2}, new int[] {0, 1, 1, 2}, new int[] {2, 2}, true);
        assertSameBits(cct, in, "3x3/2 pad 1");
        assertSameBits(odd, in, "2x3 stride (1,2) dilation 2, ceil");
    }

    private static void assertSameBits(Window2d w, Tensor in, String what) {
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, in.shape()));
        g.addOutput("y", g.add("/max", new MaxPool(w), x));
        Tensor expected = new Interpreter(g).run(Map.of("x", in)).get("y");
        List<Tensor> actual = new CEngine(CEngine.Options.sanitized(3)).infer(g, List.of(in));
        assertEquals(1, actual.size());
        int[] e = bits(expected), a = bits(actual.get(0));
        assertTrue(e.length > 100, what + ": " + e.length + " outputs");
        assertArrayEquals(e, a, what);
    }

    /** Float bits of each element, NaNs as one value (the C and Java NaN payloads may differ). */
    private static int[] bits(Tensor t) {
        double[] v = t.reals();
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Double.isNaN(v[i]) ? 0x7fc00000 : Float.floatToRawIntBits((float) v[i]);
        return b;
    }
}
