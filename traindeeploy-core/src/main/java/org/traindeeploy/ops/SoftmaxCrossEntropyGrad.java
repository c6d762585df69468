package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Backward of SoftmaxCrossEntropy, inputs (dL, Z, y): dZ = dL·(softmax(Z) − onehot(y))/N. */
public record SoftmaxCrossEntropyGrad() implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 3, 3, opType());
        SoftmaxCrossEntropy.check(inputs.subList(1, 3), opType());
        return List.of(inputs.get(1).type());
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        double dl = in.get(0).getDouble(0);
        Tensor zt = in.get(1);
        int n = zt.shape()[0];
        int c = zt.shape()[1];
        double[] p = new Softmax(1).evaluate(List.of(zt)).get(0).reals();
        double[] dz = new double[p.length];
        for (int r = 0; r < n; r++) {
            int y = SoftmaxCrossEntropy.label(in.get(2), r, c);
            for (int k = 0; k < c; k++) dz[r * c + k] = dl * (p[r * c + k] - (k == y ? 1 : 0)) / n;
        }
        return List.of(Tensor.ofReal(zt.dtype(), zt.shape(), dz));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 14L * out.get(0).size(); }

    /** Whole rows (the normalized extent) per tile. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return org.traindeeploy.ir.TileContract.whole(in, out);
    }
}
