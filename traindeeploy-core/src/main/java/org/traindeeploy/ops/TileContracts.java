package org.traindeeploy.ops;

import java.util.ArrayList;
import java.util.List;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.tiling.TileContract;
import org.traindeeploy.tiling.TileContract.Axis;
import org.traindeeploy.tiling.TileContract.Dim;
import org.traindeeploy.tiling.TileContract.Operand;
import org.traindeeploy.tiling.TileContract.Role;

/**
 * The tile geometry of every op family the code generator can run as a loop of tiles (see
 * {@link TileContract}). An op whose operands do not match its family's layout (a dtype the tiled
 * kernels do not take, a broadcast they do not index) gets {@link TileContract#whole}: one tile.
 */
final class TileContracts {
    private TileContracts() {}

    private static final Role IN = Role.IN;
    private static final Role OUT = Role.OUT;

    private static boolean floats(List<TensorType> ts) {
        for (TensorType t : ts) if (t != null && t.dtype() != DType.FLOAT) return false;
        return true;
    }

    /** Flat chunks of the output: operands of the output's size stream along, scalars stay whole. */
    static TileContract elementwise(List<TensorType> in, List<TensorType> out) {
        if (out.isEmpty() || !floats(in) || !floats(out)) return TileContract.whole(in, out);
        int n = out.get(0).size();
        List<Operand> ops = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            TensorType t = in.get(i);
            if (t == null) continue;
            if (t.size() == n) ops.add(Operand.of("in" + i, IN, i, 4, Axis.tiled(n, 0)));
            else if (t.size() == 1) ops.add(Operand.of("in" + i, IN, i, 4, Axis.whole(1)));
            else return TileContract.whole(in, out);
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).size() != n) return TileContract.whole(in, out);
            ops.add(Operand.of("out" + i, OUT, i, 4, Axis.tiled(n, 0)));
        }
        return new TileContract(List.of(new Dim("elements", Math.max(1, n))), ops);
    }

    /** A copy of the flat elements (a Reshape that is not a view): chunks of both, any element type. */
    static TileContract flatCopy(List<TensorType> in, List<TensorType> out) {
        TensorType x = in.get(0);
        TensorType y = out.get(0);
        if (x.size() != y.size() || x.dtype() != y.dtype() || x.size() < 1) return TileContract.whole(in, out);
        int eb = x.dtype().bytes();
        return new TileContract(List.of(new Dim("elements", x.size())),
                List.of(Operand.of("x", IN, 0, eb, Axis.tiled(x.size(), 0)), Operand.of("y", OUT, 0, eb, Axis.tiled(y.size(), 0))));
    }

    /** Row blocks: operands of rows × cols elements stream by rows; the others ({@code cols} long: γ, β) stay whole. */
    static TileContract rows(int rows, int cols, List<TensorType> in, List<TensorType> out) {
        if (!floats(in) || !floats(out) || rows < 1 || cols < 1) return TileContract.whole(in, out);
        List<Operand> ops = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            TensorType t = in.get(i);
            if (t == null) continue;
            ops.add(rowOperand("in" + i, IN, i, t, rows, cols));
        }
        for (int i = 0; i < out.size(); i++) ops.add(rowOperand("out" + i, OUT, i, out.get(i), rows, cols));
        return new TileContract(List.of(new Dim("rows", rows)), ops);
    }

    private static Operand rowOperand(String name, Role role, int index, TensorType t, int rows, int cols) {
        if ((long) rows * cols == t.size()) return Operand.of(name, role, index, 4, Axis.tiled(rows, 0), Axis.whole(cols));
        return Operand.flat(name, role, index, t);
    }

    /** LayerNormGrad: dY, X, dX by rows; γ whole; dγ, dβ accumulate over every row block; row statistics as scratch. */
    static TileContract layerNormGrad(int rows, int cols, List<TensorType> in, List<TensorType> out) {
        if (in.get(2).size() != cols) return TileContract.whole(in, out);
        TileContract c = rows(rows, cols, in, out);
        if (c.dims().isEmpty()) return c;
        List<Operand> ops = new ArrayList<>(c.operands());
        ops.add(Operand.of("row statistics", Role.SCRATCH, -1, 16, Axis.tiled(rows, 0)));
        return new TileContract(c.dims(), ops);
    }

    /** y = x W (+ b + r): dims M, N and K; y accumulates over K (the kernel adds b and r on K's first block). */
    static TileContract linear(int m, int k, int n, boolean transW, List<TensorType> in, List<TensorType> out) {
        if (!floats(in) || !floats(out)) return TileContract.whole(in, out);
        List<Operand> ops = new ArrayList<>();
        ops.add(Operand.of("x", IN, 0, 4, Axis.tiled(m, 0), Axis.tiled(k, 2)));
        ops.add(transW ? Operand.of("w", IN, 1, 4, Axis.tiled(n, 1), Axis.tiled(k, 2)) : Operand.of("w", IN, 1, 4, Axis.tiled(k, 2), Axis.tiled(n, 1)));
        if (in.size() > 2 && in.get(2) != null) ops.add(Operand.of("b", IN, 2, 4, Axis.tiled(n, 1)));
        if (in.size() > 3 && in.get(3) != null) ops.add(Operand.of("r", IN, 3, 4, Axis.tiled(m, 0), Axis.tiled(n, 1)));
        ops.add(Operand.of("y", OUT, 0, 4, Axis.tiled(m, 0), Axis.tiled(n, 1)));
        return new TileContract(List.of(new Dim("M", m), new Dim("N", n), new Dim("K", k)), ops);
    }

    /** dW = x^T dy: dims K, N and the rows, over which dW accumulates. */
    static TileContract linearGradWeight(int rows, int k, int n, boolean transW, List<TensorType> in, List<TensorType> out) {
        if (!floats(in) || !floats(out)) return TileContract.whole(in, out);
        return new TileContract(List.of(new Dim("K", k), new Dim("N", n), new Dim("rows", rows)), List.of(
                Operand.of("x", IN, 0, 4, Axis.tiled(rows, 2), Axis.tiled(k, 0)),
                Operand.of("dy", IN, 1, 4, Axis.tiled(rows, 2), Axis.tiled(n, 1)),
                transW ? Operand.of("dw", OUT, 0, 4, Axis.tiled(n, 1), Axis.tiled(k, 0)) : Operand.of("dw", OUT, 0, 4, Axis.tiled(k, 0), Axis.tiled(n, 1))));
    }

    /** Batched products: dims batch, M, N; an operand without batch dims (broadcast) is shared by every batch. */
    static TileContract matmul(TensorType a, TensorType b, TensorType y, List<TensorType> in, List<TensorType> out) {
        if (!floats(in) || !floats(out) || a.rank() < 2 || b.rank() < 2) return TileContract.whole(in, out);
        int m = a.dim(-2);
        int k = a.dim(-1);
        int n = b.dim(-1);
        int p = y.size() / Math.max(1, m * n);
        Operand oa;
        if (a.size() == (long) p * m * k) oa = Operand.of("a", IN, 0, 4, Axis.tiled(p, 0), Axis.tiled(m, 1), Axis.whole(k));
        else if (a.size() == (long) m * k) oa = Operand.of("a", IN, 0, 4, Axis.tiled(m, 1), Axis.whole(k));
        else return TileContract.whole(in, out);
        Operand ob;
        if (b.size() == (long) p * k * n) ob = Operand.of("b", IN, 1, 4, Axis.tiled(p, 0), Axis.whole(k), Axis.tiled(n, 2));
        else if (b.size() == (long) k * n) ob = Operand.of("b", IN, 1, 4, Axis.whole(k), Axis.tiled(n, 2));
        else return TileContract.whole(in, out);
        return new TileContract(List.of(new Dim("batch", p), new Dim("M", m), new Dim("N", n)),
                List.of(oa, ob, Operand.of("y", OUT, 0, 4, Axis.tiled(p, 0), Axis.tiled(m, 1), Axis.tiled(n, 2))));
    }

    /** Conv (group 1): dims images, output channels, output rows; X's rows with the window's halo, all channels. */
    static TileContract conv(Conv op, List<TensorType> in, List<TensorType> out) {
        int[] x = in.get(0).shape();
        int[] w = in.get(1).shape();
        int[] y = out.get(0).shape();
        if (op.group() != 1 || x.length != 4 || !floats(in) || !floats(out)) return TileContract.whole(in, out);
        Window2d win = op.window(w[2], w[3]);
        List<Operand> ops = new ArrayList<>();
        ops.add(Operand.of("x", IN, 0, 4, Axis.tiled(x[0], 0), Axis.whole(x[1]), rowsWithHalo(x[2], 2, win), Axis.whole(x[3])));
        ops.add(Operand.of("w", IN, 1, 4, Axis.tiled(w[0], 1), Axis.whole(w[1] * w[2] * w[3])));
        if (in.size() > 2 && in.get(2) != null) ops.add(Operand.of("b", IN, 2, 4, Axis.tiled(w[0], 1)));
        ops.add(Operand.of("y", OUT, 0, 4, Axis.tiled(y[0], 0), Axis.tiled(y[1], 1), Axis.tiled(y[2], 2), Axis.whole(y[3])));
        return new TileContract(List.of(new Dim("N", y[0]), new Dim("M", y[1]), new Dim("OH", y[2])), ops);
    }

    /** The input rows a block of output rows reads: [sh·s − pt, sh·(s+e−1) − pt + (kh−1)·dh + 1). */
    private static Axis rowsWithHalo(int h, int dim, Window2d win) {
        return Axis.strided(h, dim, win.sh(), -win.pt(), (win.kh() - 1) * win.dh() + 1);
    }

    /** dW of a group-1 Conv by output-channel blocks: dY's channels of every image, X whole. */
    static TileContract convGradWeight(Conv conv, int[] w, List<TensorType> in, List<TensorType> out) {
        int[] dy = in.get(0).shape();
        if (conv.group() != 1 || dy.length != 4 || !floats(in) || !floats(out)) return TileContract.whole(in, out);
        return new TileContract(List.of(new Dim("M", w[0])), List.of(
                Operand.of("dy", IN, 0, 4, Axis.whole(dy[0]), Axis.tiled(dy[1], 0), Axis.whole(dy[2] * dy[3])),
                Operand.flat("x", IN, 1, in.get(1)),
                Operand.of("dw", OUT, 0, 4, Axis.tiled(w[0], 0), Axis.whole(w[1] * w[2] * w[3]))));
    }

    /** dX of a group-1 Conv by images × input-channel blocks: dY of the images (all channels), W's column block. */
    static TileContract convGradInput(Conv conv, List<TensorType> in, List<TensorType> out) {
        int[] dy = in.get(0).shape();
        int[] w = in.get(1).shape();
        int[] dx = out.get(0).shape();
        if (conv.group() != 1 || dy.length != 4 || !floats(in) || !floats(out)) return TileContract.whole(in, out);
        return new TileContract(List.of(new Dim("N", dx[0]), new Dim("C", dx[1])), List.of(
                Operand.of("dy", IN, 0, 4, Axis.tiled(dy[0], 0), Axis.whole(dy[1] * dy[2] * dy[3])),
                Operand.of("w", IN, 1, 4, Axis.whole(w[0]), Axis.tiled(w[1], 1), Axis.whole(w[2] * w[3])),
                Operand.of("dx", OUT, 0, 4, Axis.tiled(dx[0], 0), Axis.tiled(dx[1], 1), Axis.whole(dx[2] * dx[3]))));
    }

    /** MaxPool: planes × output rows, X's rows with the window's halo. */
    static TileContract maxPool(Window2d win, int[] x, int[] y, List<TensorType> in, List<TensorType> out) {
        if (x.length != 4 || !floats(in)) return TileContract.whole(in, out);
        int planes = x[0] * x[1];
        return new TileContract(List.of(new Dim("planes", planes), new Dim("OH", y[2])), List.of(
                Operand.of("x", IN, 0, 4, Axis.tiled(planes, 0), rowsWithHalo(x[2], 1, win), Axis.whole(x[3])),
                Operand.of("y", OUT, 0, 4, Axis.tiled(planes, 0), Axis.tiled(y[2], 1), Axis.whole(y[3]))));
    }

    /** Pooling ops whose windows stay inside a plane: plane blocks, every operand [planes, plane size]. */
    static TileContract planes(int planes, List<TensorType> in, List<TensorType> out) {
        if (!floats(in) || !floats(out) || planes < 1) return TileContract.whole(in, out);
        List<Operand> ops = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            if (in.get(i) == null) continue;
            if (in.get(i).size() % planes != 0) return TileContract.whole(in, out);
            ops.add(Operand.of("in" + i, IN, i, 4, Axis.tiled(planes, 0), Axis.whole(in.get(i).size() / planes)));
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).size() % planes != 0) return TileContract.whole(in, out);
            ops.add(Operand.of("out" + i, OUT, i, 4, Axis.tiled(planes, 0), Axis.whole(out.get(i).size() / planes)));
        }
        return new TileContract(List.of(new Dim("planes", planes)), ops);
    }

    /** ReduceSum keeping exactly one axis d of X (a bias gradient): blocks of d. */
    static TileContract reduceKeepingOne(int[] axes, List<TensorType> in, List<TensorType> out) {
        int[] xs = in.get(0).shape();
        if (!floats(in)) return TileContract.whole(in, out);
        boolean[] red = new boolean[xs.length];
        for (int a : Reduce.normalize(axes, xs.length)) red[a] = true;
        int d = -1;
        for (int a = 0; a < xs.length; a++) {
            if (red[a] || xs[a] == 1) continue;
            if (d >= 0) return TileContract.whole(in, out);
            d = a;
        }
        if (d < 0) return TileContract.whole(in, out);
        int outer = OpSupport.product(xs, 0, d);
        int inner = OpSupport.product(xs, d + 1, xs.length);
        return new TileContract(List.of(new Dim("kept", xs[d])), List.of(
                Operand.of("x", IN, 0, 4, Axis.whole(outer), Axis.tiled(xs[d], 0), Axis.whole(inner)),
                Operand.of("y", OUT, 0, 4, Axis.tiled(xs[d], 0))));
    }

    /**
     * Region copies (Transpose, Slice, Expand, Concat, Split): blocks of one output axis
     * {@code yAxis}; {@code xAxis[i]} is the matching axis of input i (−1: not along it; the input
     * is read whole or, for a broadcast axis, as its single index).
     */
    static TileContract copy(int yAxis, int[] xAxis, List<TensorType> in, List<TensorType> out, SliceBox slice) {
        int extent = out.get(0).shape()[yAxis];
        List<Operand> ops = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            TensorType t = in.get(i);
            int eb = t.dtype().bytes();
            List<Axis> axes = new ArrayList<>();
            for (int a = 0; a < t.rank(); a++) {
                if (slice != null) axes.add(a == xAxis[i] ? Axis.strided(t.dim(a), 0, slice.steps()[a], slice.starts()[a], 1)
                        : Axis.fixed(t.dim(a), slice.starts()[a], (slice.counts()[a] - 1) * slice.steps()[a] + 1));
                else axes.add(a == xAxis[i] && t.dim(a) > 1 ? Axis.tiled(t.dim(a), 0) : Axis.whole(t.dim(a)));
            }
            ops.add(new Operand("in" + i, IN, i, eb, axes));
        }
        for (int i = 0; i < out.size(); i++) {
            TensorType t = out.get(i);
            List<Axis> axes = new ArrayList<>();
            for (int a = 0; a < t.rank(); a++) axes.add(a == yAxis ? Axis.tiled(t.dim(a), 0) : Axis.whole(t.dim(a)));
            ops.add(new Operand("out" + i, OUT, i, t.dtype().bytes(), axes));
        }
        return new TileContract(List.of(new Dim("axis " + yAxis, extent)), ops);
    }

    /** A positive-step slice box: per axis start, step and count. */
    record SliceBox(int[] starts, int[] steps, int[] counts) {}

    /**
     * A copy tiled along the longest output axis (not {@code avoid}) for which every box of a
     * one-unit tile is a single 2-D copy; {@code xAxisOf} maps that output axis to each input's axis.
     */
    static TileContract bestCopy(int avoid, java.util.function.IntFunction<int[]> xAxisOf, List<TensorType> in, List<TensorType> out, SliceBox slice) {
        int[] y = out.get(0).shape();
        Integer[] order = new Integer[y.length];
        for (int a = 0; a < y.length; a++) order[a] = a;
        java.util.Arrays.sort(order, (p, q) -> Integer.compare(y[q], y[p]));
        for (int a : order) {
            if (a == avoid || y[a] <= 1) continue;
            TileContract c = copy(a, xAxisOf.apply(a), in, out, slice);
            boolean ok = true;
            for (Operand o : c.operands()) ok &= o.layout(new int[] {1}, c.dims()) != null;
            if (ok) return c;
        }
        return TileContract.whole(in, out);
    }
}
