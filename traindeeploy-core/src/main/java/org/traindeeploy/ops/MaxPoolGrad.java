package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Backward of MaxPool, inputs (dY, X): dX[argmax of window] += dY (first maximum in row-major window order). */
public record MaxPoolGrad(Window2d window) implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        return List.of(inputs.get(1).type());
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(1);
        int[] arg = MaxPool.argmax(window, x.reals(), x.shape());
        double[] dy = in.get(0).reals();
        double[] dx = new double[x.size()];
        for (int i = 0; i < arg.length; i++) if (arg[i] >= 0) dx[arg[i]] += dy[i];
        return List.of(Tensor.ofReal(x.dtype(), x.shape(), dx));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return (long) in.get(0).size() * window.kh() * window.kw(); }

    /** Planes (N·C) and output rows in parallel; input rows with the window's halo. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.planes(in.get(1).dim(0) * in.get(1).dim(1), in, out);
    }
}
