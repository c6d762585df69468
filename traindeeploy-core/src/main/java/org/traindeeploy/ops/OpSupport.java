package org.traindeeploy.ops;

import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Small checks and index arithmetic shared by the op classes. */
public final class OpSupport {
    private OpSupport() {}

    public static void arity(List<?> inputs, int min, int max, String op) {
        int present = inputs.size();
        if (present < min || present > max) {
            throw new CompileException(op + " takes " + (min == max ? "" + min : min + " to " + max) + " inputs, got " + present);
        }
        for (int i = 0; i < min; i++) {
            if (inputs.get(i) == null) throw new CompileException(op + " input " + i + " is required");
        }
    }

    public static TensorType type(List<Value> inputs, int i) { return inputs.get(i).type(); }

    public static void requireFloat(TensorType t, String what) {
        if (!t.dtype().isFloat()) throw new CompileException(what + " must be float, got " + t);
    }

    /** The constant tensor of input i, or an error naming it. */
    public static Tensor constantInput(List<Value> inputs, int i, String what) {
        Value v = inputs.get(i);
        if (v == null || !v.isConstant()) {
            throw new CompileException(what + (v == null ? "" : " ('" + v.name() + "')") + " must be known at compile time");
        }
        return v.data();
    }

    public static int normalizeAxis(long axis, int rank, String what) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.max(rank, 1)) throw new CompileException(what + " " + axis + " is out of range for rank " + rank);
        return (int) a;
    }

    public static int toInt(long v, String what) {
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) throw new CompileException(what + " " + v + " is out of range");
        return (int) v;
    }

    /** NumPy broadcasting of two shapes. */
    public static int[] broadcast(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            int db = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new CompileException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Strides of {@code in} laid against the broadcast shape {@code out}: 0 along broadcast axes. */
    public static int[] broadcastStrides(int[] in, int[] out) {
        int[] s = new int[out.length];
        int[] own = Tensor.strides(in);
        int off = out.length - in.length;
        for (int i = 0; i < in.length; i++) s[i + off] = in[i] == 1 ? 0 : own[i];
        return s;
    }

    /**
     * For each element of {@code out} in row-major order, the flat offsets into inputs laid out by
     * the given strides. Returns an array [k][n].
     */
    public static int[][] offsets(int[] out, int[]... strides) {
        int n = (int) TensorType.elementCount(out);
        int[][] res = new int[strides.length][n];
        int[] idx = new int[out.length];
        int[] cur = new int[strides.length];
        for (int e = 0; e < n; e++) {
            for (int k = 0; k < strides.length; k++) res[k][e] = cur[k];
            for (int d = out.length - 1; d >= 0; d--) {
                idx[d]++;
                for (int k = 0; k < strides.length; k++) cur[k] += strides[k][d];
                if (idx[d] < out[d]) break;
                for (int k = 0; k < strides.length; k++) cur[k] -= strides[k][d] * out[d];
                idx[d] = 0;
            }
        }
        return res;
    }

    /** Result dtype of an arithmetic op on two inputs: they must agree. */
    public static DType sameDType(TensorType a, TensorType b, String op) {
        if (a.dtype() != b.dtype()) throw new CompileException(op + " inputs have different types " + a + " and " + b);
        return a.dtype();
    }

    public static long[] ints(Tensor t) { return t.toLongs(); }

    public static int[] toIntArray(long[] v, String what) {
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) r[i] = toInt(v[i], what);
        return r;
    }

    public static int product(int[] shape, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) p *= shape[i];
        return p;
    }

    public static List<TensorType> one(TensorType t) { return List.of(t); }

    public static List<Tensor> one(Tensor t) { return List.of(t); }

    public static Tensor realLike(TensorType t, double[] data) { return Tensor.ofReal(t.dtype(), t.shape(), data); }
}
