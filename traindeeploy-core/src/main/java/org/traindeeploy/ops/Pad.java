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
 * Constant padding: Y has shape {@code begins + X.shape + ends} per axis, X at offset {@code begins},
 * {@code value} elsewhere (ONNX Pad, mode "constant", non-negative pads). dX = Slice(dY) of X's box.
 * A zero pad of the spatial axes before a Conv or AveragePool folds into that node's pads
 * ({@link org.traindeeploy.passes.FoldPad}).
 */
public record Pad(int[] begins, int[] ends, double value) implements Op {
    public Pad {
        begins = begins.clone();
        ends = ends.clone();
        if (begins.length != ends.length) throw new CompileException("Pad begins and ends have different lengths");
        for (int i = 0; i < begins.length; i++) {
            if (begins[i] < 0 || ends[i] < 0) throw new CompileException("Pad pads " + Arrays.toString(begins) + " / " + Arrays.toString(ends) + ": negative pads (cropping) are not supported");
        }
        if (Double.isNaN(value)) throw new CompileException("Pad constant value NaN is not supported");
    }

    /** Whether only the trailing two (spatial) axes of a rank-4 tensor are padded, with zeros. */
    public boolean isZeroSpatial2d() {
        return begins.length == 4 && value == 0 && begins[0] == 0 && begins[1] == 0 && ends[0] == 0 && ends[1] == 0;
    }

    public int[] outShape(int[] x) {
        if (x.length != begins.length) throw new CompileException("Pad has pads for rank " + begins.length + " but its input has rank " + x.length);
        int[] y = new int[x.length];
        for (int i = 0; i < x.length; i++) y[i] = OpSupport.toInt((long) x[i] + begins[i] + ends[i], "Pad output extent");
        return y;
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        TensorType x = inputs.get(0).type();
        OpSupport.requireFloat(x, "Pad input");
        return List.of(x.withShape(outShape(x.shape())));
    }

    /** The Slice that reads X's box back out of Y. */
    public Slice inverse(int[] xShape) {
        int[] steps = new int[xShape.length];
        Arrays.fill(steps, 1);
        return new Slice(begins, steps, xShape);
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        int[] ys = outShape(x.shape());
        double[] y = new double[(int) TensorType.elementCount(ys)];
        Arrays.fill(y, value);
        int[] off = inverse(x.shape()).sourceOffsets(ys);
        double[] xv = x.reals();
        for (int i = 0; i < off.length; i++) y[off[i]] = xv[i];
        return List.of(Tensor.ofReal(x.dtype(), ys, y));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        return List.of(g.emit(inverse(g.input(0).type().shape()), g.gradOutput(0)));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pad p && Arrays.equals(p.begins, begins) && Arrays.equals(p.ends, ends) && Double.compare(p.value, value) == 0;
    }

    @Override public int hashCode() { return Arrays.hashCode(begins) * 31 + Arrays.hashCode(ends); }

    @Override
    public String toString() { return "Pad[begins=" + Arrays.toString(begins) + ", ends=" + Arrays.toString(ends) + ", value=" + value + "]"; }
}
