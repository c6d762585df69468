package org.traindeeploy.ir;

import java.util.Arrays;

/**
 * A dense row-major tensor value. Floating tensors keep their elements in a {@code double[]}
 * (float32 tensors hold values exactly representable as float, see {@link #roundToType()}); integer
 * and boolean tensors keep theirs in a {@code long[]}. Instances are treated as immutable once
 * handed to the IR or the interpreter.
 */
public final class Tensor {
    private final TensorType type;
    private final double[] real;
    private final long[] integer;

    private Tensor(TensorType type, double[] real, long[] integer) {
        this.type = type;
        this.real = real;
        this.integer = integer;
    }

    public static Tensor zeros(TensorType type) {
        return type.dtype().isFloat() ? new Tensor(type, new double[type.size()], null) : new Tensor(type, null, new long[type.size()]);
    }

    public static Tensor zeros(DType dtype, int... shape) { return zeros(TensorType.of(dtype, shape)); }

    /** A floating tensor over {@code data} (not copied). */
    public static Tensor ofReal(DType dtype, int[] shape, double[] data) {
        TensorType t = TensorType.of(dtype, shape);
        if (!dtype.isFloat()) throw new IllegalArgumentException("not a floating dtype: " + dtype);
        if (data.length != t.size()) throw new IllegalArgumentException("data length " + data.length + " != " + t);
        return new Tensor(t, data, null);
    }

    /** An integer or boolean tensor over {@code data} (not copied). */
    public static Tensor ofInt(DType dtype, int[] shape, long[] data) {
        TensorType t = TensorType.of(dtype, shape);
        if (dtype.isFloat()) throw new IllegalArgumentException("not an integer dtype: " + dtype);
        if (data.length != t.size()) throw new IllegalArgumentException("data length " + data.length + " != " + t);
        return new Tensor(t, null, data);
    }

    public static Tensor scalar(DType dtype, double v) {
        return dtype.isFloat() ? ofReal(dtype, new int[0], new double[] {v}) : ofInt(dtype, new int[0], new long[] {(long) v});
    }

    public static Tensor vector(long... v) { return ofInt(DType.INT64, new int[] {v.length}, v.clone()); }

    public static Tensor floats(int[] shape, double... v) { return ofReal(DType.FLOAT, shape, v.clone()).roundToType(); }

    public TensorType type() { return type; }

    public DType dtype() { return type.dtype(); }

    public int[] shape() { return type.shape(); }

    public int rank() { return type.rank(); }

    public int size() { return type.size(); }

    public boolean isReal() { return real != null; }

    /** The backing array of a floating tensor; callers must not modify a tensor they did not create. */
    public double[] reals() {
        if (real == null) throw new IllegalStateException("not a floating tensor: " + type);
        return real;
    }

    /** The backing array of an integer tensor; callers must not modify a tensor they did not create. */
    public long[] ints() {
        if (integer == null) throw new IllegalStateException("not an integer tensor: " + type);
        return integer;
    }

    public double getDouble(int i) { return real != null ? real[i] : integer[i]; }

    public long getLong(int i) { return integer != null ? integer[i] : (long) real[i]; }

    /** Elements as longs (for shape-like inputs). */
    public long[] toLongs() {
        if (integer != null) return integer.clone();
        long[] out = new long[real.length];
        for (int i = 0; i < out.length; i++) out[i] = (long) real[i];
        return out;
    }

    /** This tensor with its elements rounded to its dtype's precision (float32 rounding for FLOAT). */
    public Tensor roundToType() {
        if (type.dtype() == DType.FLOAT) {
            for (int i = 0; i < real.length; i++) real[i] = (float) real[i];
        }
        return this;
    }

    /** A copy converted to {@code to}. Float to integer truncates toward zero, as ONNX Cast does. */
    public Tensor cast(DType to) {
        int n = size();
        if (to.isFloat()) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) d[i] = getDouble(i);
            return ofReal(to, type.shape(), d).roundToType();
        }
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = to == DType.BOOL ? (getDouble(i) != 0 ? 1 : 0) : getLong(i);
            if (to == DType.INT32) l[i] = (int) l[i];
        }
        return ofInt(to, type.shape(), l);
    }

    /** The same elements under another shape of equal size. */
    public Tensor reshape(int... shape) {
        TensorType t = type.withShape(shape);
        if (t.size() != size()) throw new IllegalArgumentException("cannot reshape " + type + " to " + Arrays.toString(shape));
        return new Tensor(t, real, integer);
    }

    /** A tensor of the given shape whose element i is this tensor's element {@code offsets[i]}. */
    public Tensor gather(int[] offsets, int[] shape) {
        if (real != null) {
            double[] d = new double[offsets.length];
            for (int i = 0; i < d.length; i++) d[i] = real[offsets[i]];
            return ofReal(type.dtype(), shape, d);
        }
        long[] l = new long[offsets.length];
        for (int i = 0; i < l.length; i++) l[i] = integer[offsets[i]];
        return ofInt(type.dtype(), shape, l);
    }

    public Tensor copy() {
        return new Tensor(type, real == null ? null : real.clone(), integer == null ? null : integer.clone());
    }

    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** A short, stable rendering: full for up to 8 elements, else the first few and the count. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(type.toString()).append('{');
        int n = Math.min(size(), 8);
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(',');
            if (real != null) sb.append(formatReal(real[i]));
            else sb.append(integer[i]);
        }
        if (size() > n) sb.append(",...");
        return sb.append('}').toString();
    }

    static String formatReal(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return Float.toString((float) v);
    }
}
