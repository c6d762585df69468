package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ir.TileContract;
import org.traindeeploy.ir.TileContract.Axis;
import org.traindeeploy.ir.TileContract.Dim;
import org.traindeeploy.ir.TileContract.Operand;
import org.traindeeploy.ir.TileContract.Role;

/**
 * Weight gradient of Linear, inputs (X [..., K], dY [..., N]) with the leading axes flattened to
 * rows: dW = α·Xᵀ·dY [K,N], or with {@code transW} α·dYᵀ·X [N,K].
 */
public record LinearGradWeight(boolean transW, double alpha) implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        TensorType x = inputs.get(0).type();
        TensorType dy = inputs.get(1).type();
        int k = x.dim(-1);
        int n = dy.dim(-1);
        if (x.size() / Math.max(k, 1) != dy.size() / Math.max(n, 1)) {
            throw new org.traindeeploy.ir.CompileException("LinearGradWeight rows of " + x + " and " + dy + " differ");
        }
        return List.of(TensorType.of(x.dtype(), transW ? new int[] {n, k} : new int[] {k, n}));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor xt = in.get(0);
        Tensor dyt = in.get(1);
        int k = xt.type().dim(-1);
        int n = dyt.type().dim(-1);
        int rows = xt.size() / Math.max(k, 1);
        double[] x = xt.reals();
        double[] dy = dyt.reals();
        double[] dw = new double[k * n];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < k; i++) {
                double xv = x[r * k + i];
                for (int j = 0; j < n; j++) {
                    dw[transW ? j * k + i : i * n + j] += xv * dy[r * n + j];
                }
            }
        }
        for (int i = 0; i < dw.length; i++) dw[i] *= alpha;
        return List.of(Tensor.ofReal(xt.dtype(), transW ? new int[] {n, k} : new int[] {k, n}, dw));
    }

    @Override
    public long macs(List<TensorType> in, List<TensorType> out) { return (long) in.get(0).size() * in.get(1).dim(-1); }

    /** dW's K and N in parallel, the rows M as a reduction (dW accumulates over them). */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        if (!TileContracts.floats(in) || !TileContracts.floats(out)) return TileContract.whole(in, out);
        int k = in.get(0).dim(-1);
        int n = in.get(1).dim(-1);
        int rows = in.get(0).size() / Math.max(k, 1);
        return new TileContract(List.of(new Dim("K", k), new Dim("N", n), new Dim("rows", rows)), List.of(
                Operand.of("x", Role.IN, 0, 4, Axis.tiled(rows, 2), Axis.tiled(k, 0)),
                Operand.of("dy", Role.IN, 1, 4, Axis.tiled(rows, 2), Axis.tiled(n, 1)),
                transW ? Operand.of("dw", Role.OUT, 0, 4, Axis.tiled(n, 1), Axis.tiled(k, 0)) : Operand.of("dw", Role.OUT, 0, 4, Axis.tiled(k, 0), Axis.tiled(n, 1))));
    }
}
