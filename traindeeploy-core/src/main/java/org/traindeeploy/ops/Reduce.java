package org.traindeeploy.ops;

import java.util.Arrays;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.TensorType;

/** Axis bookkeeping shared by ReduceSum and ReduceMean. */
public final class Reduce {
    private Reduce() {}

    /** Sorted, distinct, non-negative axes; empty means all axes. */
    public static int[] normalize(int[] axes, int rank) {
        if (axes.length == 0) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        int[] a = new int[axes.length];
        for (int i = 0; i < axes.length; i++) a[i] = OpSupport.normalizeAxis(axes[i], rank, "reduce axis");
        Arrays.sort(a);
        for (int i = 1; i < a.length; i++) if (a[i] == a[i - 1]) throw new CompileException("reduce axis " + a[i] + " given twice");
        return a;
    }

    /** The input shape with reduced axes set to 1. */
    static int[] keptShape(int[] shape, int[] axes) {
        int[] s = shape.clone();
        for (int a : axes) s[a] = 1;
        return s;
    }

    static int[] outShape(int[] shape, int[] axes, boolean keepDims) {
        if (keepDims) return keptShape(shape, axes);
        return java.util.stream.IntStream.range(0, shape.length).filter(i -> Arrays.binarySearch(axes, i) < 0).map(i -> shape[i]).toArray();
    }

    /** Sum of x over axes, laid out in the kept shape. */
    static double[] sum(double[] x, int[] shape, int[] axes) {
        int[] kept = keptShape(shape, axes);
        double[] out = new double[(int) TensorType.elementCount(kept)];
        int[] off = OpSupport.offsets(shape, OpSupport.broadcastStrides(kept, shape))[0];
        for (int i = 0; i < x.length; i++) out[off[i]] += x[i];
        return out;
    }

    static int count(int[] shape, int[] axes) {
        int n = 1;
        for (int a : axes) n *= shape[a];
        return n;
    }
}
