package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Y = X converted to {@code to}. Between floating types dX = Cast(dY, type(X)); otherwise no gradient. */
public record Cast(DType to) implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        return List.of(inputs.get(0).type().withDType(to));
    }

    @Override public List<Tensor> evaluate(List<Tensor> in) { return List.of(in.get(0).cast(to)); }

    @Override
    public List<Value> gradient(GradientContext g) {
        DType from = g.input(0).type().dtype();
        if (!from.isFloat() || !to.isFloat()) return java.util.Collections.singletonList(null);
        return List.of(g.emit(new Cast(from), g.gradOutput(0)));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }
}
