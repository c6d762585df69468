package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.ArrayList;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Concatenate inputs along {@code axis}. dX_i = the slice of dY that X_i fills. */
public record Concat(int axis) implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        if (inputs.isEmpty()) throw new CompileException("Concat needs at least one input");
        TensorType first = inputs.get(0).type();
        if (axis >= first.rank()) throw new CompileException("Concat axis " + axis + " out of range for " + first);
        int total = 0;
        for (Value v : inputs) {
            TensorType t = v.type();
            if (t.dtype() != first.dtype() || t.rank() != first.rank()) throw new CompileException("Concat inputs " + first + " and " + t + " differ");
            for (int d = 0; d < t.rank(); d++) {
                if (d != axis && t.dim(d) != first.dim(d)) throw new CompileException("Concat inputs " + first + " and " + t + " differ off axis " + axis);
            }
            total += t.dim(axis);
        }
        int[] s = first.shape();
        s[axis] = total;
        return List.of(first.withShape(s));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        int[] s = in.get(0).shape();
        int total = 0;
        for (Tensor t : in) total += t.shape()[axis];
        s[axis] = total;
        Tensor y = Tensor.zeros(in.get(0).dtype(), s);
        int outer = OpSupport.product(s, 0, axis);
        int inner = OpSupport.product(s, axis + 1, s.length);
        int start = 0;
        for (Tensor t : in) {
            int len = t.shape()[axis] * inner;
            Copy.blocks(t.isReal() ? t.reals() : t.ints(), 0, len, y.isReal() ? y.reals() : y.ints(), start * inner, total * inner, outer, len);
            start += t.shape()[axis];
        }
        return List.of(y);
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        List<Value> out = new ArrayList<>();
        int rank = g.input(0).type().rank();
        int start = 0;
        TensorType yt = g.output(0).type();
        for (int i = 0; i < g.node().inputs().size(); i++) {
            TensorType t = g.input(i).type();
            if (g.needsGrad(i)) {
                int[] starts = new int[rank];
                int[] steps = new int[rank];
                java.util.Arrays.fill(steps, 1);
                starts[axis] = start;
                out.add(g.emit(new Slice(starts, steps, t.shape()), g.gradOutput(0)));
            } else {
                out.add(null);
            }
            start += t.dim(axis);
        }
        assert start == yt.dim(axis);
        return out;
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }

    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int a = OpSupport.normalizeAxis(axis, out.get(0).rank(), "Concat axis");
        return TileContracts.bestCopy(a, d -> {
            int[] xa = new int[in.size()];
            java.util.Arrays.fill(xa, d);
            return xa;
        }, in, out, null);
    }
}
