package org.traindeeploy.testing;

import java.util.SplittableRandom;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;

/** A seeded input tensor for forward-pass comparisons. */
public final class Probe {
    private Probe() {}

    public static Tensor input(int[] shape) {
        SplittableRandom r = new SplittableRandom(42);
        double[] v = new double[(int) TensorType.elementCount(shape)];
        for (int i = 0; i < v.length; i++) v[i] = r.nextDouble() * 2 - 1;
        return Tensor.ofReal(DType.FLOAT, shape, v).roundToType();
    }
}
