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

/** Backward of Conv to its input, inputs (dY, W): dX[x] = Σ over taps (x, w, y) of dY[y]·W[w]. */
public record ConvGradInput(Conv conv, int[] inputShape) implements Op {
    public ConvGradInput {
        inputShape = inputShape.clone();
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        return List.of(inputs.get(0).type().withShape(inputShape));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        double[] dy = in.get(0).reals();
        double[] w = in.get(1).reals();
        double[] dx = new double[(int) TensorType.elementCount(inputShape)];
        conv.forEachTap(inputShape, in.get(1).shape(), (xi, wi, yi) -> dx[xi] += dy[yi] * w[wi]);
        return List.of(Tensor.ofReal(in.get(0).dtype(), inputShape, dx));
    }

    @Override
    public long macs(List<TensorType> in, List<TensorType> out) { return conv.macs(List.of(out.get(0), in.get(1)), List.of(in.get(0))); }

    /**
     * The scalar loops of td_conv_grad_input (conv.c): every dX element gathers, per output channel
     * of its group (a window), the kernel rows that reach it (those a stride skips cost only their
     * test) and each of their columns (a tap); group-1 ones with 3-wide rows and unit strides run
     * register blocks (none). Pointwise convolutions (a matrix product) and
     * depthwise 3×3 ones (a blocked direct form over the staged dY) have none: priced by their MACs.
     */
    @Override
    public ScalarLoops scalarLoops(List<TensorType> in, List<TensorType> out) {
        int[] dy = in.get(0).shape();
        int[] w = in.get(1).shape();
        int[] dx = out.get(0).shape();
        if (dy.length != 4 || w.length != 4 || dx.length != 4) return ScalarLoops.NONE;
        Window2d win = conv.window(w[2], w[3]);
        if (Conv.pointwise(win, conv.group(), dx[2], dx[3], dy[2], dy[3])) return ScalarLoops.NONE;
        // conv.c's td_dw_grad_input_fits: depthwise 3×3, dilation 1, the dY plane staged (spread by the strides) with a border of 2
        if (w[1] == 1 && w[0] == conv.group() && win.kh() == 3 && win.kw() == 3 && win.dh() == 1 && win.dw() == 1
                && dx[2] > 0 && dx[3] > 0 && (dx[2] + 2L) * (dx[3] + 2L) <= Conv.DW_STAGE) return ScalarLoops.NONE;
        long mg = w[0] / conv.group();
        long rows = 0;
        for (int hy = 0; hy < dx[2]; hy++) {
            for (int i = 0; i < win.kh(); i++) {
                long ty = (long) hy + win.pt() - (long) i * win.dh();
                if (ty >= 0 && ty % win.sh() == 0 && ty / win.sh() < dy[2]) rows++;
            }
        }
        // conv.c's blocked group-1 form (3-wide rows, unit strides and dilation): register blocks only
        if (conv.group() == 1 && win.kw() == 3 && win.sw() == 1 && win.dw() == 1 && win.sh() == 1 && win.dh() == 1) return ScalarLoops.NONE;
        long columns = (long) dx[1] * dx[3];
        long windows = (long) dx[0] * columns * dx[2] * mg;
        return new ScalarLoops(windows, (long) dx[0] * columns * mg * rows * win.kw());
    }

    /**
     * dX's blocks in parallel: images, groups (when grouped), input channels within a group (when
     * more than one), input rows in units of the stride; the output channels of a group as a
     * reduction, innermost (dX accumulates in L1). dY's box: the tile's images and channels, the
     * output rows whose windows reach the tile's input rows; W's: the tile's channel blocks.
     */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int[] dy = in.get(0).shape();
        int[] w = in.get(1).shape();
        int[] dx = out.get(0).shape();
        if (dy.length != 4 || !TileContracts.floats(in) || !TileContracts.floats(out)) return TileContract.whole(in, out);
        int g = conv.group();
        int mg = w[0] / g;
        int cg = w[1];
        Window2d win = conv.window(w[2], w[3]);
        List<Dim> dims = new java.util.ArrayList<>();
        int dn = TileContracts.addDim(dims, "N", dx[0]);
        int dg = g > 1 ? TileContracts.addDim(dims, "G", g) : -1;
        int dc = cg > 1 ? TileContracts.addDim(dims, "C", cg) : -1;
        int dh = TileContracts.addDim(dims, "H", (dx[2] + win.sh() - 1) / win.sh());
        int dm = mg > 1 ? TileContracts.addDim(dims, "M", mg) : -1;
        Axis ga = TileContracts.maybeTiled(g, dg);
        Axis ma = TileContracts.maybeTiled(mg, dm);
        Axis ca = TileContracts.maybeTiled(cg, dc);
        // dX rows [sh·s, sh·(s+e)) receive the taps of dY rows [s + ⌈(pt − (kh−1)·dh)/sh⌉, s + e + ⌊(pt − 1)/sh⌋ + 1).
        int first = -Math.floorDiv(-(win.pt() - (win.kh() - 1) * win.dh()), win.sh());
        int window = Math.floorDiv(win.pt() - 1, win.sh()) + 2 - first;
        return new TileContract(dims, List.of(
                Operand.of("dy", Role.IN, 0, 4, Axis.tiled(dy[0], dn), ga, ma, Axis.strided(dy[2], dh, 1, first, window), Axis.whole(dy[3])),
                Operand.of("w", Role.IN, 1, 4, ga, ma, ca, Axis.whole(w[2] * w[3])),
                Operand.of("dx", Role.OUT, 0, 4, Axis.tiled(dx[0], dn), ga, ca, Axis.strided(dx[2], dh, win.sh(), 0, win.sh()), Axis.whole(dx[3]))));
    }
}
