package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * A strided box of X, in a resolved form with one entry per axis: Y[i] = X[starts + i ⊙ steps],
 * Y's shape is {@code counts}. The importer turns ONNX's starts/ends/axes/steps (with clamping
 * and negative indices) into this form. dX = SliceGrad(dY): dY scattered into zeros.
 */
public record Slice(int[] starts, int[] steps, int[] counts) implements Op {
    public Slice {
        starts = starts.clone();
        steps = steps.clone();
        counts = counts.clone();
        if (starts.length != steps.length || starts.length != counts.length) throw new CompileException("Slice spec lengths differ");
        for (int s : steps) if (s == 0) throw new CompileException("Slice step 0");
    }

    /**
     * Resolve ONNX Slice semantics for a tensor of shape {@code shape}.
     */
    public static Slice fromOnnx(int[] shape, long[] starts, long[] ends, long[] axes, long[] steps) {
        int r = shape.length;
        int[] st = new int[r];
        int[] sp = new int[r];
        int[] ct = shape.clone();
        Arrays.fill(sp, 1);
        if (ends.length != starts.length || (axes != null && axes.length != starts.length) || (steps != null && steps.length != starts.length)) {
            throw new CompileException("Slice starts/ends/axes/steps have different lengths");
        }
        boolean[] seen = new boolean[r];
        for (int i = 0; i < starts.length; i++) {
            int a = OpSupport.normalizeAxis(axes == null ? i : axes[i], r, "Slice axis");
            if (seen[a]) throw new CompileException("Slice axis " + a + " given twice");
            seen[a] = true;
            long step = steps == null ? 1 : steps[i];
            if (step == 0) throw new CompileException("Slice step 0 on axis " + a);
            long dim = shape[a];
            long s = starts[i];
            long e = ends[i];
            if (s < 0) s += dim;
            if (e < 0) e += dim;
            long count;
            if (step > 0) {
                s = Math.max(0, Math.min(s, dim));
                e = Math.max(0, Math.min(e, dim));
                count = e > s ? (e - s + step - 1) / step : 0;
            } else {
                s = Math.max(-1, Math.min(s, dim - 1));
                e = Math.max(-1, Math.min(e, dim - 1));
                count = s > e ? (s - e + (-step) - 1) / (-step) : 0;
            }
            st[a] = (int) Math.max(s, 0);
            sp[a] = OpSupport.toInt(step, "Slice step");
            ct[a] = (int) count;
        }
        return new Slice(st, sp, ct);
    }

    void check(TensorType x) {
        if (x.rank() != starts.length) throw new CompileException("Slice spec has rank " + starts.length + " but input is " + x);
        for (int a = 0; a < starts.length; a++) {
            if (counts[a] == 0) continue;
            long last = starts[a] + (long) (counts[a] - 1) * steps[a];
            if (starts[a] < 0 || starts[a] >= x.dim(a) || last < 0 || last >= x.dim(a)) {
                throw new CompileException("Slice reads outside axis " + a + " of " + x);
            }
        }
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        TensorType x = inputs.get(0).type();
        check(x);
        return List.of(x.withShape(counts));
    }

    /** Flat offsets into X of Y's elements, in Y order. */
    int[] sourceOffsets(int[] xShape) {
        int[] xs = Tensor.strides(xShape);
        int[] st = new int[xs.length];
        int base = 0;
        for (int a = 0; a < xs.length; a++) {
            st[a] = xs[a] * steps[a];
            base += xs[a] * starts[a];
        }
        int[] off = OpSupport.offsets(counts, st)[0];
        for (int i = 0; i < off.length; i++) off[i] += base;
        return off;
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        return List.of(x.gather(sourceOffsets(x.shape()), counts));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        return List.of(g.emit(new SliceGrad(starts, steps, g.input(0).type().shape()), g.gradOutput(0)));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Slice s && Arrays.equals(s.starts, starts) && Arrays.equals(s.steps, steps) && Arrays.equals(s.counts, counts);
    }

    @Override public int hashCode() { return Arrays.hashCode(starts) * 31 + Arrays.hashCode(counts); }

    @Override
    public String toString() {
        return "Slice[starts=" + Arrays.toString(starts) + ", steps=" + Arrays.toString(steps) + ", counts=" + Arrays.toString(counts) + "]";
    }

    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        for (int s : steps) if (s < 1) return org.traindeeploy.ir.TileContract.whole(in, out);
        return TileContracts.bestCopy(-1, d -> new int[] {d}, in, out, new TileContracts.SliceBox(starts, steps, counts));
    }
}
