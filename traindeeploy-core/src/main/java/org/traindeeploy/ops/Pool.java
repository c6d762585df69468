package org.traindeeploy.ops;

import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Shape rules shared by the 2-D pooling ops. */
final class Pool {
    private Pool() {}

    static int[] outShape(Window2d win, int[] x) {
        if (x.length != 4) throw new CompileException("pooling supports 2-D inputs [N,C,H,W], got rank " + x.length);
        return new int[] {x[0], x[1], win.outH(x[2]), win.outW(x[3])};
    }

    static List<TensorType> infer(Window2d win, List<Value> inputs, String op) {
        OpSupport.arity(inputs, 1, 1, op);
        TensorType x = inputs.get(0).type();
        OpSupport.requireFloat(x, op + " input");
        return List.of(x.withShape(outShape(win, x.shape())));
    }

    /**
     * For average pooling, visit each output element with its window: {@code f(yi, h0, h1, w0, w1, divisor)}
     * where [h0,h1)×[w0,w1) is the window clipped to the input, and the divisor follows PyTorch.
     */
    static void forEachAverageWindow(Window2d win, boolean countIncludePad, int[] xs, AvgWindow f) {
        int oh = win.outH(xs[2]);
        int ow = win.outW(xs[3]);
        int h = xs[2];
        int w = xs[3];
        int yi = 0;
        for (int plane = 0; plane < xs[0] * xs[1]; plane++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++, yi++) {
                    int h0 = y * win.sh() - win.pt();
                    int w0 = x * win.sw() - win.pl();
                    int h1 = Math.min(h0 + win.kh(), h + win.pb());
                    int w1 = Math.min(w0 + win.kw(), w + win.pr());
                    int padded = (h1 - h0) * (w1 - w0);
                    h0 = Math.max(h0, 0);
                    w0 = Math.max(w0, 0);
                    h1 = Math.min(h1, h);
                    w1 = Math.min(w1, w);
                    int div = countIncludePad ? padded : (h1 - h0) * (w1 - w0);
                    f.visit(plane * h * w, yi, h0, h1, w0, w1, w, Math.max(div, 1));
                }
            }
        }
    }

    interface AvgWindow {
        void visit(int planeBase, int yi, int h0, int h1, int w0, int w1, int rowStride, int divisor);
    }
}
