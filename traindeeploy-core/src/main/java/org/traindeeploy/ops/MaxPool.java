package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ir.TileContract;
import org.traindeeploy.ir.TileContract.Axis;
import org.traindeeploy.ir.TileContract.Dim;
import org.traindeeploy.ir.TileContract.Operand;
import org.traindeeploy.ir.TileContract.Role;

/**
 * 2-D max pooling. Y[n,c,oh,ow] = max over the window (padding never wins). dX = MaxPoolGrad(dY, X):
 * each dY goes to the first maximal element of its window (row-major), as PyTorch does.
 */
public record MaxPool(Window2d window) implements Op {
    @Override public List<TensorType> inferTypes(List<Value> inputs) { return Pool.infer(window, inputs, opType()); }

    /** For each output element, the flat input index of the first maximum in its window (−1 if none). */
    static int[] argmax(Window2d win, double[] x, int[] xs) {
        int oh = win.outH(xs[2]);
        int ow = win.outW(xs[3]);
        int h = xs[2];
        int w = xs[3];
        int[] arg = new int[xs[0] * xs[1] * oh * ow];
        int yi = 0;
        for (int plane = 0; plane < xs[0] * xs[1]; plane++) {
            int base = plane * h * w;
            for (int y = 0; y < oh; y++) {
                for (int xo = 0; xo < ow; xo++, yi++) {
                    int best = -1;
                    double m = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < win.kh(); i++) {
                        int hy = y * win.sh() - win.pt() + i * win.dh();
                        if (hy < 0 || hy >= h) continue;
                        for (int j = 0; j < win.kw(); j++) {
                            int wx = xo * win.sw() - win.pl() + j * win.dw();
                            if (wx < 0 || wx >= w) continue;
                            int k = base + hy * w + wx;
                            if (best < 0 || x[k] > m || Double.isNaN(x[k])) {
                                best = k;
                                m = x[k];
                            }
                        }
                    }
                    arg[yi] = best;
                }
            }
        }
        return arg;
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        double[] a = x.reals();
        int[] arg = argmax(window, a, x.shape());
        double[] y = new double[arg.length];
        for (int i = 0; i < y.length; i++) y[i] = arg[i] < 0 ? Double.NEGATIVE_INFINITY : a[arg[i]];
        return List.of(Tensor.ofReal(x.dtype(), Pool.outShape(window, x.shape()), y));
    }

    @Override public List<Value> gradient(GradientContext g) { return List.of(g.emit(new MaxPoolGrad(window), g.gradOutput(0), g.input(0))); }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return (long) out.get(0).size() * window.kh() * window.kw(); }

    /** Planes (N·C) and output rows in parallel; input rows with the window's halo. */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int[] x = in.get(0).shape();
        int[] y = out.get(0).shape();
        if (x.length != 4 || !TileContracts.floats(in)) return TileContract.whole(in, out);
        int planes = x[0] * x[1];
        return new TileContract(List.of(new Dim("planes", planes), new Dim("OH", y[2])), List.of(
                Operand.of("x", Role.IN, 0, 4, Axis.tiled(planes, 0), TileContracts.rowsWithHalo(x[2], 1, window), Axis.whole(x[3])),
                Operand.of("y", Role.OUT, 0, 4, Axis.tiled(planes, 0), Axis.tiled(y[2], 1), Axis.whole(y[3]))));
    }
}
