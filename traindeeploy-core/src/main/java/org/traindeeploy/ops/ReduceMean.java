package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Y = mean over {@code axes} of X (empty axes: all). dX = Expand(Reshape(dY, kept shape), shape(X)) / n. */
public record ReduceMean(int[] axes, boolean keepDims) implements Op {
    public ReduceMean {
        axes = axes.clone();
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) { return new ReduceSum(axes, keepDims).inferTypes(inputs); }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        int[] a = Reduce.normalize(axes, x.rank());
        double[] s = Reduce.sum(x.reals(), x.shape(), a);
        int n = Reduce.count(x.shape(), a);
        for (int i = 0; i < s.length; i++) s[i] /= n;
        return List.of(Tensor.ofReal(x.dtype(), Reduce.outShape(x.shape(), a, keepDims), s));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        int[] xs = g.input(0).type().shape();
        int[] a = Reduce.normalize(axes, xs.length);
        Value e = g.emit(new Expand(xs), g.emit(new Reshape(Reduce.keptShape(xs, a)), g.gradOutput(0)));
        return List.of(g.emit(new Mul(), e, g.scalar(1.0 / Reduce.count(xs, a), e)));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return in.get(0).size(); }
}
