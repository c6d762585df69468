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

    /** Output and input channels of dW in parallel; batch and output rows as reductions (dW accumulates in L1). */
    /** Group 1: output-channel blocks; dY's channels of every image, X whole. Grouped: one tile. */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int[] dy = in.get(0).shape();
        int[] w = weightShape;
        if (conv.group() != 1 || dy.length != 4 || !TileContracts.floats(in) || !TileContracts.floats(out)) return TileContract.whole(in, out);
        return new TileContract(List.of(new Dim("M", w[0])), List.of(
                Operand.of("dy", Role.IN, 0, 4, Axis.whole(dy[0]), Axis.tiled(dy[1], 0), Axis.whole(dy[2] * dy[3])),
                Operand.flat("x", Role.IN, 1, in.get(1)),
                Operand.of("dw", Role.OUT, 0, 4, Axis.tiled(w[0], 0), Axis.whole(w[1] * w[2] * w[3]))));
    }
}
