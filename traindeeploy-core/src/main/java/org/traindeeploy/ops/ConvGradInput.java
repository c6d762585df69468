package org.traindeeploy.ops;

import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

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
    @Override
    public org.traindeeploy.tiling.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.convGradInput(conv, in, out);
    }
}
