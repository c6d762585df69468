package org.traindeeploy.ops;

import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Backward of Gelu: dX = dY ⊙ GELU′(X), with GELU′(x) = Φ(x) + x·φ(x) (or the tanh form's derivative). */
public record GeluGrad(boolean tanh) implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        return List.of(inputs.get(0).type());
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Gelu f = new Gelu(tanh);
        double[] dy = in.get(0).reals();
        double[] x = in.get(1).reals();
        double[] dx = new double[dy.length];
        for (int i = 0; i < dy.length; i++) dx[i] = dy[i] * f.derivative(x[i]);
        return List.of(OpSupport.realLike(in.get(0).type(), dx));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 25L * out.get(0).size(); }

    @Override public boolean canRunInPlace() { return true; }
}
