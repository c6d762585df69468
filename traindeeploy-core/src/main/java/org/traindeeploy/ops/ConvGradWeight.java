package org.traindeeploy.ops;

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

/** Backward of Conv to its weight, inputs (dY, X): dW[w] = Σ over taps (x, w, y) of dY[y]·X[x]. */
public record ConvGradWeight(Conv conv, int[] weightShape) implements Op {
    public ConvGradWeight {
        weightShape = weightShape.clone();
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        return List.of(inputs.get(0).type().withShape(weightShape));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        double[] dy = in.get(0).reals();
        double[] x = in.get(1).reals();
        double[] dw = new double[(int) TensorType.elementCount(weightShape)];
        conv.forEachTap(in.get(1).shape(), weightShape, (xi, wi, yi) -> dw[wi] += dy[yi] * x[xi]);
        return List.of(Tensor.ofReal(in.get(0).dtype(), weightShape, dw));
    }

    @Override
    public long macs(List<TensorType> in, List<TensorType> out) { return conv.macs(List.of(in.get(1), out.get(0)), List.of(in.get(0))); }

    /**
     * The scalar loops of td_conv_grad_weight (conv.c): every dW element sums, per image, the
     * output rows whose input row lies inside X (a window) over all output columns (taps).
     * Pointwise convolutions run as matrix products and 3×3 windows over single input channels as
     * blocked sums over the staged plane (none: priced by their MACs).
     */
    @Override
    public ScalarLoops scalarLoops(List<TensorType> in, List<TensorType> out) {
        int[] dy = in.get(0).shape();
        int[] x = in.get(1).shape();
        int[] dw = out.get(0).shape();
        if (dy.length != 4 || x.length != 4 || dw.length != 4) return ScalarLoops.NONE;
        Window2d win = conv.window(dw[2], dw[3]);
        if (Conv.pointwise(win, conv.group(), x[2], x[3], dy[2], dy[3]) || Conv.depthwiseBlocked(win, dw[1], dy[2], dy[3])) return ScalarLoops.NONE;
        long rows = Conv.rowsInside(dy[2], win.kh(), win.sh(), win.pt(), win.dh(), x[2]);
        long windows = (long) dw[0] * dw[1] * dw[3] * dy[0] * rows;
        return new ScalarLoops(windows, windows * dy[3]);
    }

    /**
     * dW's blocks in parallel: groups (when grouped), output and input channels within a group
     * (each when more than one); images and output rows as reductions, innermost (dW accumulates
     * in L1 and is stored once per block). dY's box: the tile's images, channels and rows; X's: the
     * tile's images and input channels, the rows those output rows read (the window's halo).
     */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int[] dy = in.get(0).shape();
        int[] x = in.get(1).shape();
        int[] w = weightShape;
        if (dy.length != 4 || !TileContracts.floats(in) || !TileContracts.floats(out)) return TileContract.whole(in, out);
        int g = conv.group();
        int mg = w[0] / g;
        int cg = w[1];
        List<Dim> dims = new java.util.ArrayList<>();
        int dg = g > 1 ? TileContracts.addDim(dims, "G", g) : -1;
        int dm = mg > 1 ? TileContracts.addDim(dims, "M", mg) : -1;
        int dc = cg > 1 ? TileContracts.addDim(dims, "C", cg) : -1;
        int dn = TileContracts.addDim(dims, "N", dy[0]);
        int doh = TileContracts.addDim(dims, "OH", dy[2]);
        Axis ga = TileContracts.maybeTiled(g, dg);
        Axis ma = TileContracts.maybeTiled(mg, dm);
        Axis ca = TileContracts.maybeTiled(cg, dc);
        return new TileContract(dims, List.of(
                Operand.of("dy", Role.IN, 0, 4, Axis.tiled(dy[0], dn), ga, ma, Axis.tiled(dy[2], doh), Axis.whole(dy[3])),
                Operand.of("x", Role.IN, 1, 4, Axis.tiled(x[0], dn), ga, ca, TileContracts.rowsWithHalo(x[2], doh, conv.window(w[2], w[3])), Axis.whole(x[3])),
                Operand.of("dw", Role.OUT, 0, 4, ga, ma, ca, Axis.whole(w[2] * w[3]))));
    }
}
