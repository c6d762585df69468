package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Y = X broadcast to {@code shape} (NumPy rules, as ONNX Expand with a static shape). dX = sum_to_X(dY). */
public record Expand(int[] shape) implements Op {
    public Expand {
        shape = shape.clone();
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        TensorType x = inputs.get(0).type();
        return List.of(x.withShape(OpSupport.broadcast(x.shape(), shape)));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        int[] out = OpSupport.broadcast(x.shape(), shape);
        return List.of(x.gather(OpSupport.offsets(out, OpSupport.broadcastStrides(x.shape(), out))[0], out));
    }

    @Override public List<Value> gradient(GradientContext g) { return List.of(g.sumToShape(g.gradOutput(0), g.input(0).type())); }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }

    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        if (in.get(0).rank() != out.get(0).rank()) return org.traindeeploy.ir.TileContract.whole(in, out);
        return TileContracts.bestCopy(-1, d -> new int[] {d}, in, out, null);
    }
}
