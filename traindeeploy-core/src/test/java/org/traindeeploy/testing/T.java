package org.traindeeploy.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;

/** Test helpers: tensors from literals, seeded random tensors, approximate comparison, the project root. */
public final class T {
    private T() {}

    public static Path root() {
        String r = System.getProperty("traindeeploy.root");
        return r == null ? Path.of("").toAbsolutePath() : Path.of(r);
    }

    public static Tensor f(int[] shape, double... v) { return Tensor.floats(shape, v); }

    public static Tensor d(int[] shape, double... v) { return Tensor.ofReal(DType.DOUBLE, shape, v.clone()); }

    public static Tensor i64(int[] shape, long... v) { return Tensor.ofInt(DType.INT64, shape, v.clone()); }

    public static int[] s(int... dims) { return dims; }

    public static Tensor random(DType dtype, long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[(int) org.traindeeploy.ir.TensorType.elementCount(shape)];
        for (int i = 0; i < v.length; i++) v[i] = r.nextDouble() * 2 - 1;
        return Tensor.ofReal(dtype, shape, v).roundToType();
    }

    /** A value that only carries a name (for planner tests on synthetic buffers). */
    public static org.traindeeploy.ir.Value dummyValue(String name) {
        org.traindeeploy.ir.Graph g = new org.traindeeploy.ir.Graph();
        return g.addInput(name, org.traindeeploy.ir.TensorType.of(DType.FLOAT, 1));
    }

    public static void assertTensor(Tensor actual, int[] shape, double... expected) {
        assertArrayEquals(shape, actual.shape(), "shape");
        assertEquals(expected.length, actual.size(), "size");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.getDouble(i), 1e-6 * Math.max(1, Math.abs(expected[i])), "element " + i);
        }
    }
}
