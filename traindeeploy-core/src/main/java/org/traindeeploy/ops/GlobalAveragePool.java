package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Y[n,c,1,1] = mean over spatial axes of X [N,C,...]. dX = Expand(dY, shape(X)) / (H·W). */
public record GlobalAveragePool() implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        TensorType x = inputs.get(0).type();
        OpSupport.requireFloat(x, "GlobalAveragePool input");
        if (x.rank() < 3) throw new CompileException("GlobalAveragePool needs [N,C,spatial...], got " + x);
        int[] s = x.shape();
        for (int i = 2; i < s.length; i++) s[i] = 1;
        return List.of(x.withShape(s));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        int[] axes = new int[in.get(0).rank() - 2];
        for (int i = 0; i < axes.length; i++) axes[i] = i + 2;
        return new ReduceMean(axes, true).evaluate(in);
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        TensorType x = g.input(0).type();
        Value e = g.emit(new Expand(x.shape()), g.gradOutput(0));
        return List.of(g.emit(new Mul(), e, g.scalar(1.0 / (x.size() / (x.dim(0) * x.dim(1))), e)));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return in.get(0).size(); }

    /** Blocks of planes (N·C), each plane whole. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int[] axes = new int[in.get(0).rank() - 2];
        for (int i = 0; i < axes.length; i++) axes[i] = i + 2;
        return TileContracts.keptBlock(axes, in, out);
    }
}
