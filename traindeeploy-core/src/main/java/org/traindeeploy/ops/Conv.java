package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ir.TileContract;
import org.traindeeploy.ir.TileContract.Axis;
import org.traindeeploy.ir.TileContract.Dim;
import org.traindeeploy.ir.TileContract.Operand;
import org.traindeeploy.ir.TileContract.Role;

/**
 * 2-D convolution (cross-correlation) with groups: X [N,C,H,W], W [M, C/g, kh, kw], B [M]?;
 * Y[n,m,oh,ow] = B[m] + Σ_{c,i,j} X[n, g·C/g + c, oh·s − p + i·d, ow·s − p + j·d] · W[m,c,i,j].
 * dX = ConvGradInput(dY, W), dW = ConvGradWeight(dY, X), dB = Σ_{n,h,w} dY.
 */
public record Conv(int group, int[] strides, int[] pads, int[] dilations) implements Op {
    public Conv {
        strides = strides.clone();
        pads = pads.clone();
        dilations = dilations.clone();
        if (group < 1) throw new CompileException("Conv group " + group + " must be positive");
    }

    public Window2d window(int kh, int kw) { return Window2d.of(new int[] {kh, kw}, strides, pads, dilations, false); }

    /** Output shape for input and weight shapes, validating channels and groups. */
    public int[] outShape(int[] x, int[] w) {
        if (x.length != 4 || w.length != 4) throw new CompileException("Conv supports 2-D inputs [N,C,H,W] and weights [M,C/g,kh,kw], got " + Arrays.toString(x) + " and " + Arrays.toString(w));
        if (x[1] % group != 0 || w[0] % group != 0) throw new CompileException("Conv channels " + x[1] + "->" + w[0] + " are not divisible by group " + group);
        if (w[1] * group != x[1]) throw new CompileException("Conv weight " + Arrays.toString(w) + " expects " + (w[1] * group) + " input channels, input has " + x[1]);
        Window2d win = window(w[2], w[3]);
        return new int[] {x[0], w[0], win.outH(x[2]), win.outW(x[3])};
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 3, opType());
        TensorType x = inputs.get(0).type();
        TensorType w = inputs.get(1).type();
        OpSupport.requireFloat(x, "Conv input");
        OpSupport.sameDType(x, w, opType());
        int[] y = outShape(x.shape(), w.shape());
        // ONNX: B is 1-D [M]; its gradient (a sum of dY over N, H, W) has exactly that type.
        if (inputs.size() > 2 && inputs.get(2) != null && !inputs.get(2).type().equals(x.withShape(y[1]))) {
            throw new CompileException("Conv bias " + inputs.get(2).type() + " must be " + x.withShape(y[1]) + " (one per output channel, of the input's type)");
        }
        return List.of(x.withShape(y));
    }

    /**
     * Visits every (x, w, y) flat index triple of the convolution, in output order, calling
     * {@code f}; used by the forward and both gradients so that all three share one geometry.
     */
    void forEachTap(int[] xs, int[] ws, Tap f) {
        int n = xs[0];
        int c = xs[1];
        int h = xs[2];
        int wd = xs[3];
        int m = ws[0];
        int cg = ws[1];
        int mg = m / group;
        Window2d win = window(ws[2], ws[3]);
        int oh = win.outH(h);
        int ow = win.outW(wd);
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < m; oc++) {
                int g = oc / mg;
                for (int y = 0; y < oh; y++) {
                    for (int x = 0; x < ow; x++) {
                        int yi = ((b * m + oc) * oh + y) * ow + x;
                        for (int ic = 0; ic < cg; ic++) {
                            int cc = g * cg + ic;
                            for (int i = 0; i < win.kh(); i++) {
                                int hy = y * win.sh() - win.pt() + i * win.dh();
                                if (hy < 0 || hy >= h) continue;
                                for (int j = 0; j < win.kw(); j++) {
                                    int wx = x * win.sw() - win.pl() + j * win.dw();
                                    if (wx < 0 || wx >= wd) continue;
                                    f.tap(((b * c + cc) * h + hy) * wd + wx, ((oc * cg + ic) * win.kh() + i) * win.kw() + j, yi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    interface Tap {
        void tap(int xi, int wi, int yi);
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor xt = in.get(0);
        Tensor wt = in.get(1);
        int[] ys = outShape(xt.shape(), wt.shape());
        double[] x = xt.reals();
        double[] w = wt.reals();
        double[] y = new double[(int) TensorType.elementCount(ys)];
        forEachTap(xt.shape(), wt.shape(), (xi, wi, yi) -> y[yi] += x[xi] * w[wi]);
        if (in.size() > 2 && in.get(2) != null) {
            double[] b = in.get(2).reals();
            int plane = ys[2] * ys[3];
            for (int i = 0; i < y.length; i++) y[i] += b[(i / plane) % ys[1]];
        }
        return List.of(Tensor.ofReal(xt.dtype(), ys, y));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        Value dy = g.gradOutput(0);
        Value dx = g.needsGrad(0) ? g.emit(new ConvGradInput(this, g.input(0).type().shape()), dy, g.input(1)) : null;
        Value dw = g.needsGrad(1) ? g.emit(new ConvGradWeight(this, g.input(1).type().shape()), dy, g.input(0)) : null;
        Value db = g.input(2) != null && g.needsGrad(2) ? g.emit(new ReduceSum(new int[] {0, 2, 3}, false), dy) : null;
        return Arrays.asList(dx, dw, db);
    }

    @Override
    public long macs(List<TensorType> in, List<TensorType> out) {
        int[] w = in.get(1).shape();
        return (long) out.get(0).size() * w[1] * w[2] * w[3];
    }

    /**
     * The scalar loops of the cluster kernel (td_conv_direct, conv.c): pointwise convolutions
     * ({@link #pointwise}) run as matrix products and 3×3 windows over single input channels
     * ({@link #depthwiseBlocked}) as blocked direct forms, both priced by their MACs alone; group 1
     * with 3-wide rows, unit horizontal stride and dilation runs register blocks of 4 output
     * channels × 4 (or 2) columns, priced by its MACs, and only the leftover columns and channels
     * one element at a time; every other convolution (grouped, strided, other widths) gathers each
     * output element's window one input channel at a time. Windows: elements so computed × input
     * channels per group; taps: the kernel-row-inside-the-input × kernel-column iterations of those
     * windows.
     */
    @Override
    public ScalarLoops scalarLoops(List<TensorType> in, List<TensorType> out) {
        int[] x = in.get(0).shape();
        int[] w = in.get(1).shape();
        int[] y = out.get(0).shape();
        if (x.length != 4 || w.length != 4 || y.length != 4) return ScalarLoops.NONE;
        Window2d win = window(w[2], w[3]);
        if (pointwise(win, group, x[2], x[3], y[2], y[3]) || depthwiseBlocked(win, w[1], y[2], y[3])) return ScalarLoops.NONE;
        int n = y[0], m = y[1], oh = y[2], ow = y[3], cg = w[1];
        long points;
        if (group == 1 && win.kw() == 3 && win.sw() == 1 && win.dw() == 1 && m >= 4 && ow >= 2 && cg > 0) {
            int mb = m / 4, xb = ow / 4, x2 = ow % 4 >= 2 ? 1 : 0;
            long rc = ow - xb * 4L - 2L * x2, rm = m - mb * 4L;
            points = n * (mb * 4L * oh * rc + rm * oh * ow);
        } else {
            points = (long) n * m * oh * ow;
        }
        long rows = rowsInside(oh, win.kh(), win.sh(), win.pt(), win.dh(), x[2]);
        long windows = points * cg;
        long taps = oh == 0 ? 0 : Math.round((double) windows * win.kw() * rows / oh);
        return new ScalarLoops(windows, taps);
    }

    /** conv.c's td_conv_pointwise: a 1×1 window, unit strides, no padding, the plane kept (h = oh, w = ow), group 1 — a matrix product per image. */
    static boolean pointwise(Window2d win, int group, int h, int w, int oh, int ow) {
        return group == 1 && win.kh() == 1 && win.kw() == 1 && win.sh() == 1 && win.sw() == 1 && win.pt() == 0 && win.pl() == 0 && h == oh && w == ow;
    }

    /**
     * Floats of conv.c's staged plane: the blocked 3×3 single-input-channel forms need their plane to
     * fit. Defined here once; td_args.h emits it as TD_DW_STAGE.
     */
    public static final int DW_STAGE = 256;

    /** conv.c's td_dw_forward_fits: a 3×3 window over single input channels (cg = 1), dilation 1, horizontal stride 1 or 2, the padded plane staged. */
    static boolean depthwiseBlocked(Window2d win, int cg, int oh, int ow) {
        return cg == 1 && win.kh() == 3 && win.kw() == 3 && win.dh() == 1 && win.dw() == 1 && (win.sw() == 1 || win.sw() == 2) && oh > 0 && ow > 0
                && ((long) (oh - 1) * win.sh() + 3) * ((long) (ow - 1) * win.sw() + 3) <= DW_STAGE;
    }

    /** Kernel rows inside an input of {@code h} rows summed over {@code oh} output rows: Σ_oy #{i : 0 ≤ oy·s − p + i·d < h}. */
    static long rowsInside(int oh, int kh, int s, int p, int d, int h) {
        long r = 0;
        for (int oy = 0; oy < oh; oy++) {
            for (int i = 0; i < kh; i++) {
                long hy = (long) oy * s - p + (long) i * d;
                if (hy >= 0 && hy < h) r++;
            }
        }
        return r;
    }

    /**
     * Group 1: dims images, output channels, output rows; X's rows with the window's halo, all
     * input channels. Grouped (e.g. depthwise): dims images, groups, output channels within a
     * group (when more than one), output rows; X's channels of the tile's groups with the halo rows.
     */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int[] x = in.get(0).shape();
        int[] w = in.get(1).shape();
        int[] y = out.get(0).shape();
        if (x.length != 4 || !TileContracts.floats(in) || !TileContracts.floats(out)) return TileContract.whole(in, out);
        if (group != 1) return groupedContract(in, x, w, y);
        List<Operand> ops = new java.util.ArrayList<>();
        ops.add(Operand.of("x", Role.IN, 0, 4, Axis.tiled(x[0], 0), Axis.whole(x[1]), TileContracts.rowsWithHalo(x[2], 2, window(w[2], w[3])), Axis.whole(x[3])));
        ops.add(Operand.of("w", Role.IN, 1, 4, Axis.tiled(w[0], 1), Axis.whole(w[1] * w[2] * w[3])));
        if (in.size() > 2 && in.get(2) != null) ops.add(Operand.of("b", Role.IN, 2, 4, Axis.tiled(w[0], 1)));
        ops.add(Operand.of("y", Role.OUT, 0, 4, Axis.tiled(y[0], 0), Axis.tiled(y[1], 1), Axis.tiled(y[2], 2), Axis.whole(y[3])));
        return new TileContract(List.of(new Dim("N", y[0]), new Dim("M", y[1]), new Dim("OH", y[2])), ops);
    }

    /** Dims N, G, Mg (only when a group has several output channels), OH; operands viewed per group. */
    private TileContract groupedContract(List<TensorType> in, int[] x, int[] w, int[] y) {
        int cg = w[1];
        int mg = w[0] / group;
        List<Dim> dims = new java.util.ArrayList<>(List.of(new Dim("N", y[0]), new Dim("G", group)));
        int dm = -1;
        if (mg > 1) {
            dm = dims.size();
            dims.add(new Dim("Mg", mg));
        }
        int doh = dims.size();
        dims.add(new Dim("OH", y[2]));
        Axis mAxis = mg > 1 ? Axis.tiled(mg, dm) : Axis.whole(1);
        List<Operand> ops = new java.util.ArrayList<>();
        ops.add(Operand.of("x", Role.IN, 0, 4, Axis.tiled(x[0], 0), Axis.tiled(group, 1), Axis.whole(cg), TileContracts.rowsWithHalo(x[2], doh, window(w[2], w[3])),
                Axis.whole(x[3])));
        ops.add(Operand.of("w", Role.IN, 1, 4, Axis.tiled(group, 1), mAxis, Axis.whole(cg * w[2] * w[3])));
        if (in.size() > 2 && in.get(2) != null) ops.add(Operand.of("b", Role.IN, 2, 4, Axis.tiled(group, 1), mAxis));
        ops.add(Operand.of("y", Role.OUT, 0, 4, Axis.tiled(y[0], 0), Axis.tiled(group, 1), mAxis, Axis.tiled(y[2], doh), Axis.whole(y[3])));
        return new TileContract(dims, ops);
    }
}
