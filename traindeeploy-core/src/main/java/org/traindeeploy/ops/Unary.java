package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** An elementwise op on one floating tensor: {@code y = f(x)}, same type as x. */
public interface Unary extends Op {
    double apply(double x);

    @Override
    default List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        OpSupport.requireFloat(inputs.get(0).type(), opType() + " input");
        return List.of(inputs.get(0).type());
    }

    @Override
    default List<Tensor> evaluate(List<Tensor> inputs) {
        double[] x = inputs.get(0).reals();
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = apply(x[i]);
        return List.of(OpSupport.realLike(inputs.get(0).type(), y));
    }

    @Override
    default boolean canRunInPlace() { return true; }

    @Override
    default org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.elementwise(in, out);
    }
}
