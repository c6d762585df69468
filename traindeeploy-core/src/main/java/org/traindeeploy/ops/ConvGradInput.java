package org.traindeeploy.ops;

import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.tiling.TileContract;
import org.traindeeploy.tiling.TileContract.Axis;
import org.traindeeploy.tiling.TileContract.Dim;
import org.traindeeploy.tiling.TileContract.Operand;
import org.traindeeploy.tiling.TileContract.Role;

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

    /** Batch, input channels and input rows in parallel, output channels as a reduction; dY rows with the kernel's halo. */
    /** Group 1: images × input-channel blocks; dY of the images (all channels), W's input-channel block. Grouped: one tile. */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int[] dy = in.get(0).shape();
        int[] w = in.get(1).shape();
        int[] dx = out.get(0).shape();
        if (conv.group() != 1 || dy.length != 4 || !TileContracts.floats(in) || !TileContracts.floats(out)) return TileContract.whole(in, out);
        return new TileContract(List.of(new Dim("N", dx[0]), new Dim("C", dx[1])), List.of(
                Operand.of("dy", Role.IN, 0, 4, Axis.tiled(dy[0], 0), Axis.whole(dy[1] * dy[2] * dy[3])),
                Operand.of("w", Role.IN, 1, 4, Axis.whole(w[0]), Axis.tiled(w[1], 1), Axis.whole(w[2] * w[3])),
                Operand.of("dx", Role.OUT, 0, 4, Axis.tiled(dx[0], 0), Axis.tiled(dx[1], 1), Axis.whole(dx[2] * dx[3]))));
    }
}
