package org.traindeeploy.ir;

import java.util.Arrays;

/**
 * A static tensor type: element type and a fully known shape. Every value in the IR has one; the
 * batch size is bound at import, so no dimension is symbolic.
 */
public record TensorType(DType dtype, int[] shape) {

    /** Element counts above this are refused: buffers index with 32-bit ints in C and Java. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE / 8;

    public TensorType {
        shape = shape.clone();
        elementCount(shape);
    }

    public static TensorType of(DType dtype, int... shape) {
        return new TensorType(dtype, shape);
    }

    public int rank() { return shape.length; }

    public int dim(int axis) { return shape[axis < 0 ? axis + shape.length : axis]; }

    @Override
    public int[] shape() { return shape.clone(); }

    public int size() { return (int) elementCount(shape); }

    public long bytes() { return (long) size() * dtype.bytes(); }

    public TensorType withShape(int... newShape) { return new TensorType(dtype, newShape); }

    public TensorType withDType(DType d) { return new TensorType(d, shape); }

    /** Product of dims, refusing negative dims and products that would overflow a buffer index. */
    public static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new CompileException("negative dimension " + d + " in shape " + Arrays.toString(shape));
            n *= d;
            if (n > MAX_ELEMENTS) {
                throw new CompileException("shape " + Arrays.toString(shape) + " has more than " + MAX_ELEMENTS + " elements");
            }
        }
        return n;
    }

    public boolean sameShape(TensorType o) { return Arrays.equals(shape, o.shape); }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorType t && t.dtype == dtype && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() { return dtype.hashCode() * 31 + Arrays.hashCode(shape); }

    /** {@code float[2,3]}; a scalar is {@code float[]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(dtype.text()).append('[');
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(',');
            sb.append(shape[i]);
        }
        return sb.append(']').toString();
    }
}
