package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Backward of MseLoss, inputs (dL, P, T): dP = dL·2(P − T)/|P|, T the target or onehot(labels). */
public record MseLossGrad() implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 3, 3, opType());
        MseLoss.check(inputs.subList(1, 3), opType());
        return List.of(inputs.get(1).type());
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        double dl = in.get(0).getDouble(0);
        double[] r = MseLoss.residual(in.get(1), in.get(2));
        for (int i = 0; i < r.length; i++) r[i] = dl * 2 * r[i] / r.length;
        return List.of(Tensor.ofReal(in.get(1).dtype(), in.get(1).shape(), r));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 3L * out.get(0).size(); }

    /** Whole rows (the normalized extent) per tile. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return org.traindeeploy.ir.TileContract.whole(in, out);
    }
}
