package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * Y = take(X, indices, axis): Y.shape = X.shape[:axis] + I.shape + X.shape[axis+1:], negative
 * indices count from the end. dX = GatherGrad(dY, indices): scatter-add into zeros.
 */
public record Gather(int axis) implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        TensorType x = inputs.get(0).type();
        TensorType i = inputs.get(1).type();
        if (axis >= x.rank()) throw new CompileException("Gather axis " + axis + " out of range for " + x);
        if (i.dtype() != DType.INT64 && i.dtype() != DType.INT32) throw new CompileException("Gather indices must be int64 or int32, got " + i);
        if (inputs.get(1).isConstant()) checkIndices(inputs.get(1).data(), x.dim(axis));
        return List.of(x.withShape(outShape(x.shape(), i.shape(), axis)));
    }

    static int[] outShape(int[] xs, int[] is, int axis) {
        int[] s = new int[xs.length - 1 + is.length];
        System.arraycopy(xs, 0, s, 0, axis);
        System.arraycopy(is, 0, s, axis, is.length);
        System.arraycopy(xs, axis + 1, s, axis + is.length, xs.length - axis - 1);
        return s;
    }

    static void checkIndices(Tensor idx, int dim) {
        for (long v : idx.toLongs()) {
            if (v < -dim || v >= dim) throw new CompileException("Gather index " + v + " out of range for a dimension of " + dim);
        }
    }

    /** For each output element, the flat source offset in X. */
    static int[] sourceOffsets(int[] xs, Tensor idx, int axis) {
        long[] ind = idx.toLongs();
        int dim = xs[axis];
        checkIndices(idx, dim);
        int outer = OpSupport.product(xs, 0, axis);
        int inner = OpSupport.product(xs, axis + 1, xs.length);
        int[] off = new int[outer * ind.length * inner];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (long j : ind) {
                int jj = (int) (j < 0 ? j + dim : j);
                for (int in = 0; in < inner; in++) off[k++] = (o * dim + jj) * inner + in;
            }
        }
        return off;
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        return List.of(x.gather(sourceOffsets(x.shape(), in.get(1), axis), outShape(x.shape(), in.get(1).shape(), axis)));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        return Arrays.asList(g.emit(new GatherGrad(axis, g.input(0).type().shape()), g.gradOutput(0), g.input(1)), null);
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }
}
