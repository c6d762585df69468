package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ir.TileContract;

/** Y = Σ over {@code axes} of X (empty axes: all). dX = Expand(Reshape(dY, kept shape), shape(X)). */
public record ReduceSum(int[] axes, boolean keepDims) implements Op {
    public ReduceSum {
        axes = axes.clone();
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        TensorType x = inputs.get(0).type();
        OpSupport.requireFloat(x, opType() + " input");
        return List.of(x.withShape(Reduce.outShape(x.shape(), Reduce.normalize(axes, x.rank()), keepDims)));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        int[] a = Reduce.normalize(axes, x.rank());
        return List.of(Tensor.ofReal(x.dtype(), Reduce.outShape(x.shape(), a, keepDims), Reduce.sum(x.reals(), x.shape(), a)));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        int[] xs = g.input(0).type().shape();
        int[] kept = Reduce.keptShape(xs, Reduce.normalize(axes, xs.length));
        return List.of(g.emit(new Expand(xs), g.emit(new Reshape(kept), g.gradOutput(0))));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return in.get(0).size(); }

    /** Keeping one run of adjacent axes of X (a bias gradient, a per-channel sum): blocks of those axes. Other reductions run whole. */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.keptBlock(Reduce.normalize(axes, in.get(0).rank()), in, out);
    }
}
