package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Backward of Gather, inputs (dY, indices): dX = zeros(inputShape), dX[src(i)] += dY[i]. */
public record GatherGrad(int axis, int[] inputShape) implements Op {
    public GatherGrad {
        inputShape = inputShape.clone();
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        return List.of(inputs.get(0).type().withShape(inputShape));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        int[] off = Gather.sourceOffsets(inputShape, in.get(1), axis);
        double[] dy = in.get(0).reals();
        double[] dx = new double[(int) TensorType.elementCount(inputShape)];
        for (int i = 0; i < off.length; i++) dx[off[i]] += dy[i];
        return List.of(Tensor.ofReal(in.get(0).dtype(), inputShape, dx));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return in.get(0).size(); }

    @Override public boolean equals(Object o) { return o instanceof GatherGrad g && g.axis == axis && Arrays.equals(g.inputShape, inputShape); }

    @Override public int hashCode() { return axis * 31 + Arrays.hashCode(inputShape); }

    @Override public String toString() { return "GatherGrad[axis=" + axis + ", inputShape=" + Arrays.toString(inputShape) + "]"; }
}
