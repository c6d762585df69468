package org.traindeeploy.ops;

import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.tiling.TileContract;
import org.traindeeploy.tiling.TileContract.Axis;
import org.traindeeploy.tiling.TileContract.Dim;
import org.traindeeploy.tiling.TileContract.Operand;
import org.traindeeploy.tiling.TileContract.Role;

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

    /** Keeping exactly one axis d of X (a bias gradient): blocks of d. Other reductions run whole. */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int[] xs = in.get(0).shape();
        if (!TileContracts.floats(in)) return TileContract.whole(in, out);
        boolean[] red = new boolean[xs.length];
        for (int a : Reduce.normalize(axes, xs.length)) red[a] = true;
        int d = -1;
        for (int a = 0; a < xs.length; a++) {
            if (red[a] || xs[a] == 1) continue;
            if (d >= 0) return TileContract.whole(in, out);
            d = a;
        }
        if (d < 0) return TileContract.whole(in, out);
        return new TileContract(List.of(new Dim("kept", xs[d])), List.of(
                Operand.of("x", Role.IN, 0, 4, Axis.whole(OpSupport.product(xs, 0, d)), Axis.tiled(xs[d], 0), Axis.whole(OpSupport.product(xs, d + 1, xs.length))),
                Operand.of("y", Role.OUT, 0, 4, Axis.tiled(xs[d], 0))));
    }
}
