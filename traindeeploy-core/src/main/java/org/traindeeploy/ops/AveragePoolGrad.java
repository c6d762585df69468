package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Backward of AveragePool, input dY: every X element of a window receives dY / divisor. */
public record AveragePoolGrad(Window2d window, boolean countIncludePad, int[] inputShape) implements Op {
    public AveragePoolGrad {
        inputShape = inputShape.clone();
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        return List.of(inputs.get(0).type().withShape(inputShape));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        double[] dy = in.get(0).reals();
        double[] dx = new double[(int) TensorType.elementCount(inputShape)];
        Pool.forEachAverageWindow(window, countIncludePad, inputShape, (base, yi, h0, h1, w0, w1, stride, div) -> {
            double v = dy[yi] / div;
            for (int i = h0; i < h1; i++) for (int j = w0; j < w1; j++) dx[base + i * stride + j] += v;
        });
        return List.of(Tensor.ofReal(in.get(0).dtype(), inputShape, dx));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return (long) in.get(0).size() * window.kh() * window.kw(); }

    /** Planes (N·C) and output rows in parallel; input rows with the window's halo. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.planes(inputShape[0] * inputShape[1], in, out);
    }
}
