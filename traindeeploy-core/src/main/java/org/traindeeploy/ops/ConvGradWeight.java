package org.traindeeploy.ops;

import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

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
    @Override
    public org.traindeeploy.tiling.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.convGradWeight(conv, weightShape, in, out);
    }
}
