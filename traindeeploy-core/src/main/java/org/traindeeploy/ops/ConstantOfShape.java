package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Y = a tensor of the (compile-time) shape given by the input, filled with {@code value} (one element). */
public record ConstantOfShape(Tensor value) implements Op {
    public ConstantOfShape {
        if (value.size() != 1) throw new CompileException("ConstantOfShape value must have one element, has " + value.size());
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        int[] shape = OpSupport.toIntArray(OpSupport.constantInput(inputs, 0, "ConstantOfShape shape").toLongs(), "ConstantOfShape dimension");
        return List.of(TensorType.of(value.dtype(), shape));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        int[] shape = OpSupport.toIntArray(in.get(0).toLongs(), "ConstantOfShape dimension");
        Tensor t = Tensor.zeros(value.dtype(), shape);
        if (t.isReal()) Arrays.fill(t.reals(), value.getDouble(0));
        else Arrays.fill(t.ints(), value.getLong(0));
        return List.of(t);
    }
}
