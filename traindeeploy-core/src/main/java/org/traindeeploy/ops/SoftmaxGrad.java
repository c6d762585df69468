package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Backward of Softmax along {@code axis}: dX = Y ⊙ (dY − Σ_axis(dY ⊙ Y)), inputs (dY, Y). */
public record SoftmaxGrad(int axis) implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        return List.of(inputs.get(0).type());
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        int[] s = Softmax.split(in.get(0).shape(), axis);
        double[] dy = in.get(0).reals();
        double[] y = in.get(1).reals();
        double[] dx = new double[dy.length];
        for (int o = 0; o < s[0]; o++) {
            for (int i = 0; i < s[2]; i++) {
                int base = o * s[1] * s[2] + i;
                double dot = 0;
                for (int k = 0; k < s[1]; k++) dot += dy[base + k * s[2]] * y[base + k * s[2]];
                for (int k = 0; k < s[1]; k++) {
                    int j = base + k * s[2];
                    dx[j] = y[j] * (dy[j] - dot);
                }
            }
        }
        return List.of(OpSupport.realLike(in.get(0).type(), dx));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 4L * out.get(0).size(); }

    /** Whole rows (the normalized extent) per tile. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.rows(OpSupport.product(in.get(0).shape(), 0, axis), OpSupport.product(in.get(0).shape(), axis, in.get(0).rank()), in, out);
    }
}
