package org.traindeeploy.ops;

import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Backward of Relu: dX = dY ⊙ [Y > 0], from the forward output Y. */
public record ReluGrad() implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        return List.of(inputs.get(0).type());
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        double[] dy = in.get(0).reals();
        double[] y = in.get(1).reals();
        double[] dx = new double[dy.length];
        for (int i = 0; i < dy.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
        return List.of(OpSupport.realLike(in.get(0).type(), dx));
    }

    @Override public boolean canRunInPlace() { return true; }
}
