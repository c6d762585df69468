package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * 2-D average pooling: Y = Σ_window X / divisor, the divisor counting padding when
 * {@code countIncludePad} (PyTorch's rule for windows clipped by ceil mode). dX = AveragePoolGrad(dY).
 */
public record AveragePool(Window2d window, boolean countIncludePad) implements Op {
    public AveragePool {
        if (window.dh() != 1 || window.dw() != 1) throw new CompileException("AveragePool dilations other than 1 are not supported");
    }

    @Override public List<TensorType> inferTypes(List<Value> inputs) { return Pool.infer(window, inputs, opType()); }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        double[] a = x.reals();
        int[] ys = Pool.outShape(window, x.shape());
        double[] y = new double[(int) TensorType.elementCount(ys)];
        Pool.forEachAverageWindow(window, countIncludePad, x.shape(), (base, yi, h0, h1, w0, w1, stride, div) -> {
            double s = 0;
            for (int i = h0; i < h1; i++) for (int j = w0; j < w1; j++) s += a[base + i * stride + j];
            y[yi] = s / div;
        });
        return List.of(Tensor.ofReal(x.dtype(), ys, y));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        return List.of(g.emit(new AveragePoolGrad(window, countIncludePad, g.input(0).type().shape()), g.gradOutput(0)));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return (long) out.get(0).size() * window.kh() * window.kw(); }

    /** Planes (N·C) and output rows in parallel; input rows with the window's halo. */
    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.planes(in.get(0).dim(0) * in.get(0).dim(1), in, out);
    }
}
