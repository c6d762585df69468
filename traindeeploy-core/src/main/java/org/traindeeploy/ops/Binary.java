package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** An elementwise op on two tensors with NumPy broadcasting. Integer inputs compute in 64-bit integers. */
public interface Binary extends Op {
    double apply(double a, double b);

    /** Integer form; ops that are not defined on integers throw. */
    default long applyInt(long a, long b) {
        throw new CompileException(opType() + " is not supported on integer tensors");
    }

    /** The output element type for these input types (the inputs' own, except for comparisons). */
    default DType resultType(DType in) { return in; }

    @Override
    default List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        TensorType a = inputs.get(0).type();
        TensorType b = inputs.get(1).type();
        DType d = OpSupport.sameDType(a, b, opType());
        return List.of(TensorType.of(resultType(d), OpSupport.broadcast(a.shape(), b.shape())));
    }

    @Override
    default List<Tensor> evaluate(List<Tensor> inputs) {
        Tensor a = inputs.get(0);
        Tensor b = inputs.get(1);
        int[] out = OpSupport.broadcast(a.shape(), b.shape());
        int[][] off = OpSupport.offsets(out, OpSupport.broadcastStrides(a.shape(), out), OpSupport.broadcastStrides(b.shape(), out));
        int n = off[0].length;
        DType rt = resultType(a.dtype());
        if (a.isReal()) {
            double[] x = a.reals();
            double[] y = b.reals();
            if (rt.isFloat()) {
                double[] r = new double[n];
                for (int i = 0; i < n; i++) r[i] = apply(x[off[0][i]], y[off[1][i]]);
                return List.of(Tensor.ofReal(rt, out, r));
            }
            long[] r = new long[n];
            for (int i = 0; i < n; i++) r[i] = (long) apply(x[off[0][i]], y[off[1][i]]);
            return List.of(Tensor.ofInt(rt, out, r));
        }
        long[] x = a.ints();
        long[] y = b.ints();
        long[] r = new long[n];
        for (int i = 0; i < n; i++) r[i] = applyInt(x[off[0][i]], y[off[1][i]]);
        return List.of(Tensor.ofInt(rt, out, r));
    }

    @Override
    default boolean canRunInPlace() { return true; }

    @Override
    default org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.elementwise(in, out);
    }
}
