package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Backward of Slice: dX = zeros(inputShape) with dX[starts + i ⊙ steps] = dY[i]. */
public record SliceGrad(int[] starts, int[] steps, int[] inputShape) implements Op {
    public SliceGrad {
        starts = starts.clone();
        steps = steps.clone();
        inputShape = inputShape.clone();
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        TensorType dy = inputs.get(0).type();
        new Slice(starts, steps, dy.shape()).check(dy.withShape(inputShape));
        return List.of(dy.withShape(inputShape));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor dy = in.get(0);
        int[] off = new Slice(starts, steps, dy.shape()).sourceOffsets(inputShape);
        double[] d = dy.reals();
        double[] dx = new double[(int) TensorType.elementCount(inputShape)];
        for (int i = 0; i < off.length; i++) dx[off[i]] += d[i];
        return List.of(Tensor.ofReal(dy.dtype(), inputShape, dx));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }

    @Override
    public boolean equals(Object o) {
        return o instanceof SliceGrad s && Arrays.equals(s.starts, starts) && Arrays.equals(s.steps, steps) && Arrays.equals(s.inputShape, inputShape);
    }

    @Override public int hashCode() { return Arrays.hashCode(starts) * 31 + Arrays.hashCode(inputShape); }

    @Override
    public String toString() {
        return "SliceGrad[starts=" + Arrays.toString(starts) + ", steps=" + Arrays.toString(steps) + ", inputShape=" + Arrays.toString(inputShape) + "]";
    }
}
