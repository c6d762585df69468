package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** The backward of an elementwise op, inputs (dY, X or Y): dX = dY ⊙ f′, element by element. */
public interface UnaryGrad extends Op {
    /** dX for one element, from dY and the saved forward tensor's element. */
    double apply(double dy, double saved);

    @Override
    default List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        if (!inputs.get(0).type().equals(inputs.get(1).type())) {
            throw new org.traindeeploy.ir.CompileException(opType() + " operands differ: " + inputs.get(0).type() + " vs " + inputs.get(1).type());
        }
        return List.of(inputs.get(0).type());
    }

    @Override
    default List<Tensor> evaluate(List<Tensor> in) {
        double[] dy = in.get(0).reals();
        double[] s = in.get(1).reals();
        double[] dx = new double[dy.length];
        for (int i = 0; i < dy.length; i++) dx[i] = apply(dy[i], s[i]);
        return List.of(OpSupport.realLike(in.get(0).type(), dx));
    }

    @Override
    default boolean canRunInPlace() { return true; }

    @Override
    default org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.elementwise(in, out);
    }
}
