package org.traindeeploy.ops;

import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Y = X broadcast to {@code shape} (NumPy rules, as ONNX Expand with a static shape). dX = sum_to_X(dY). */
public record Expand(int[] shape) implements Op {
    public Expand {
        shape = shape.clone();
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        TensorType x = inputs.get(0).type();
        return List.of(x.withShape(OpSupport.broadcast(x.shape(), shape)));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        int[] out = OpSupport.broadcast(x.shape(), shape);
        int[] off = OpSupport.offsets(out, OpSupport.broadcastStrides(x.shape(), out))[0];
        if (x.isReal()) {
            double[] a = x.reals();
            double[] y = new double[off.length];
            for (int i = 0; i < y.length; i++) y[i] = a[off[i]];
            return List.of(Tensor.ofReal(x.dtype(), out, y));
        }
        long[] a = x.ints();
        long[] y = new long[off.length];
        for (int i = 0; i < y.length; i++) y[i] = a[off[i]];
        return List.of(Tensor.ofInt(x.dtype(), out, y));
    }

    @Override public List<Value> gradient(GradientContext g) { return List.of(g.sumToShape(g.gradOutput(0), g.input(0).type())); }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }
}
