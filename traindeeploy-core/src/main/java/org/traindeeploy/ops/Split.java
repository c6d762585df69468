package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Split X along {@code axis} into pieces of the given sizes. dX = Concat(dY_i) (zeros for unused pieces). */
public record Split(int axis, int[] sizes) implements Op {
    public Split {
        sizes = sizes.clone();
        for (int s : sizes) if (s < 0) throw new CompileException("Split size " + s + " is negative");
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        TensorType x = inputs.get(0).type();
        if (axis >= x.rank()) throw new CompileException("Split axis " + axis + " out of range for " + x);
        if (Arrays.stream(sizes).sum() != x.dim(axis)) {
            throw new CompileException("Split sizes " + Arrays.toString(sizes) + " do not add up to dimension " + x.dim(axis) + " of " + x);
        }
        List<TensorType> out = new ArrayList<>();
        for (int s : sizes) {
            int[] sh = x.shape();
            sh[axis] = s;
            out.add(x.withShape(sh));
        }
        return out;
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        int[] xs = x.shape();
        int outer = OpSupport.product(xs, 0, axis);
        int inner = OpSupport.product(xs, axis + 1, xs.length);
        List<Tensor> out = new ArrayList<>();
        int start = 0;
        for (int s : sizes) {
            int[] sh = xs.clone();
            sh[axis] = s;
            Tensor y = Tensor.zeros(x.dtype(), sh);
            Object src = x.isReal() ? x.reals() : x.ints();
            Object dst = y.isReal() ? y.reals() : y.ints();
            Copy.blocks(src, start * inner, xs[axis] * inner, dst, 0, s * inner, outer, s * inner);
            out.add(y);
            start += s;
        }
        return out;
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        Value[] parts = new Value[sizes.length];
        for (int i = 0; i < sizes.length; i++) parts[i] = g.gradOutputOrZero(i);
        return List.of(g.emit(new Concat(axis), parts));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }

    @Override public boolean equals(Object o) { return o instanceof Split s && s.axis == axis && Arrays.equals(s.sizes, sizes); }

    @Override public int hashCode() { return axis * 31 + Arrays.hashCode(sizes); }

    @Override public String toString() { return "Split[axis=" + axis + ", sizes=" + Arrays.toString(sizes) + "]"; }

    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int a = OpSupport.normalizeAxis(axis, in.get(0).rank(), "Split axis");
        return TileContracts.bestCopy(a, d -> new int[] {d}, in, out, null);
    }
}
