package org.traindeeploy.ops;

import java.util.ArrayList;
import java.util.List;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.TileContract;
import org.traindeeploy.ir.TileContract.Axis;
import org.traindeeploy.ir.TileContract.Dim;
import org.traindeeploy.ir.TileContract.Operand;
import org.traindeeploy.ir.TileContract.Role;

/**
 * Tile geometries shared by several ops (see {@link TileContract}): flat elementwise chunks, row
 * blocks, plane blocks, region copies, and a window's input rows. Ops with a geometry of their own
 * (Linear, Conv, ...) state it in their own {@code tileContract}. An op whose operands do not match
 * its family's layout (a dtype the tiled kernels do not take, a broadcast they do not index) gets
 * {@link TileContract#whole}: one tile.
 */
final class TileContracts {
    private TileContracts() {}

    private static final Role IN = Role.IN;
    private static final Role OUT = Role.OUT;

    static boolean floats(List<TensorType> ts) {
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
            else return broadcast(in, out);
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).size() != n) return TileContract.whole(in, out);
            ops.add(Operand.of("out" + i, OUT, i, 4, Axis.tiled(n, 0)));
        }
        return new TileContract(List.of(new Dim("elements", Math.max(1, n))), ops);
    }


    /**
     * Operands broadcast against the output (a bias [C] or [C,1,1], a channel scale [N,C,1,1]): the
     * output's axes of extent > 1, adjacent ones merged where every input has both or neither, are
     * the dims; an input's axis is bound to its dim when it has it and stays one element when it is
     * broadcast along it. Every box is dense in L1; the kernel walks the tile with broadcast strides.
     */
    static TileContract broadcast(List<TensorType> in, List<TensorType> out) {
        int[] y = out.get(0).shape();
        int r = y.length;
        List<boolean[]> has = new ArrayList<>();
        for (TensorType t : in) {
            if (t == null) continue;
            if (t.rank() > r) return TileContract.whole(in, out);
            boolean[] h = new boolean[r];
            for (int a = 0; a < r; a++) {
                int d = a - (r - t.rank()) >= 0 ? t.dim(a - (r - t.rank())) : 1;
                if (d == y[a] && y[a] > 1) h[a] = true;
                else if (d != 1) return TileContract.whole(in, out);
            }
            has.add(h);
        }
        for (TensorType t : out) if (!java.util.Arrays.equals(t.shape(), y)) return TileContract.whole(in, out);
        // Groups of output axes: per group its extent and, per input, whether the input has it.
        List<Integer> extent = new ArrayList<>();
        List<boolean[]> present = new ArrayList<>();
        for (int a = 0; a < r; a++) {
            if (y[a] == 1) continue;
            boolean[] p = new boolean[has.size()];
            for (int k = 0; k < p.length; k++) p[k] = has.get(k)[a];
            int last = extent.size() - 1;
            if (last >= 0 && java.util.Arrays.equals(present.get(last), p)) {
                extent.set(last, extent.get(last) * y[a]);
            } else {
                extent.add(y[a]);
                present.add(p);
            }
        }
        if (extent.isEmpty()) return TileContract.whole(in, out);
        List<Dim> dims = new ArrayList<>();
        for (int d = 0; d < extent.size(); d++) dims.add(new Dim("axis " + d, extent.get(d)));
        List<Operand> ops = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < in.size(); i++) {
            if (in.get(i) == null) continue;
            List<Axis> axes = new ArrayList<>();
            for (int d = 0; d < extent.size(); d++) axes.add(present.get(d)[k] ? Axis.tiled(extent.get(d), d) : Axis.whole(1));
            ops.add(new Operand("in" + i, IN, i, 4, axes));
            k++;
        }
        for (int i = 0; i < out.size(); i++) {
            List<Axis> axes = new ArrayList<>();
            for (int d = 0; d < extent.size(); d++) axes.add(Axis.tiled(extent.get(d), d));
            ops.add(new Operand("out" + i, OUT, i, 4, axes));
        }
        return new TileContract(dims, ops);
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






    /** Appends dim (name, extent) and returns its index. */
    static int addDim(List<Dim> dims, String name, int extent) {
        dims.add(new Dim(name, extent));
        return dims.size() - 1;
    }

    /** An axis of {@code size} bound to dim d, or whole when d < 0 (the dim was left out: size 1). */
    static Axis maybeTiled(int size, int d) { return d < 0 ? Axis.whole(size) : Axis.tiled(size, d); }

    /** The input rows a block of output rows reads: [sh·s − pt, sh·(s+e−1) − pt + (kh−1)·dh + 1). */
    static Axis rowsWithHalo(int h, int dim, Window2d win) {
        return Axis.strided(h, dim, win.sh(), -win.pt(), (win.kh() - 1) * win.dh() + 1);
    }

    /**
     * A reduction of X over {@code reduced} (normalized axes) that keeps one run of adjacent axes
     * (those of extent > 1 that are not reduced): blocks of the kept run; X's box is [outer, block,
     * inner], Y's the block. Any other reduction runs whole.
     */
    static TileContract keptBlock(int[] reduced, List<TensorType> in, List<TensorType> out) {
        int[] xs = in.get(0).shape();
        if (!floats(in) || !floats(out)) return TileContract.whole(in, out);
        boolean[] red = new boolean[xs.length];
        for (int a : reduced) red[a] = true;
        int d0 = -1;
        int d1 = -1;
        for (int a = 0; a < xs.length; a++) {
            if (red[a] || xs[a] == 1) continue;
            if (d0 < 0) d0 = a;
            d1 = a;
        }
        if (d0 < 0) return TileContract.whole(in, out);
        for (int a = d0; a <= d1; a++) if (red[a] && xs[a] != 1) return TileContract.whole(in, out);
        int kept = OpSupport.product(xs, d0, d1 + 1);
        return new TileContract(List.of(new Dim("kept", kept)), List.of(
                Operand.of("x", IN, 0, 4, Axis.whole(OpSupport.product(xs, 0, d0)), Axis.tiled(kept, 0), Axis.whole(OpSupport.product(xs, d1 + 1, xs.length))),
                Operand.of("y", OUT, 0, 4, Axis.tiled(kept, 0))));
    }

    /**
     * Per-channel ops over X [N, C, inner...] (batch normalization): channel blocks; X-sized operands
     * are [N, channel block, inner] boxes, [C] operands their block.
     */
    static TileContract channels(int n, int c, int inner, List<TensorType> in, List<TensorType> out) {
        if (!floats(in) || !floats(out) || c < 1) return TileContract.whole(in, out);
        List<Operand> ops = new ArrayList<>();
        for (int k = 0; k < in.size() + out.size(); k++) {
            boolean isIn = k < in.size();
            int i = isIn ? k : k - in.size();
            TensorType t = isIn ? in.get(i) : out.get(i);
            if (t == null) continue;
            Role role = isIn ? IN : OUT;
            String name = (isIn ? "in" : "out") + i;
            if (t.rank() >= 2 && t.size() == (long) n * c * inner && t.dim(1) == c) {
                ops.add(Operand.of(name, role, i, 4, Axis.whole(n), Axis.tiled(c, 0), Axis.whole(inner)));
            } else if (t.rank() == 1 && t.size() == c) {
                ops.add(Operand.of(name, role, i, 4, Axis.tiled(c, 0)));
            } else {
                return TileContract.whole(in, out);
            }
        }
        return new TileContract(List.of(new Dim("channels", c)), ops);
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
