package org.traindeeploy.ops;

import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * Batched matrix product of two computed tensors: A [..., M, K] · B [..., K, N] with the batch axes
 * broadcast (a constant 2-D B becomes {@link Linear}). dA = sum_to_A(dY·Bᵀ), dB = sum_to_B(Aᵀ·dY).
 */
public record MatMul() implements Op {
    static int[] outShape(int[] a, int[] b) {
        if (a.length < 2 || b.length < 2) throw new CompileException("MatMul of rank-1 operands is not supported: " + Arrays.toString(a) + " x " + Arrays.toString(b));
        if (a[a.length - 1] != b[b.length - 2]) throw new CompileException("MatMul shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not match");
        int[] batch = OpSupport.broadcast(Arrays.copyOf(a, a.length - 2), Arrays.copyOf(b, b.length - 2));
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = a[a.length - 2];
        s[batch.length + 1] = b[b.length - 1];
        return s;
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 2, opType());
        TensorType a = inputs.get(0).type();
        TensorType b = inputs.get(1).type();
        OpSupport.requireFloat(a, "MatMul input");
        OpSupport.sameDType(a, b, opType());
        return List.of(a.withShape(outShape(a.shape(), b.shape())));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor at = in.get(0);
        Tensor bt = in.get(1);
        int[] as = at.shape();
        int[] bs = bt.shape();
        int[] ys = outShape(as, bs);
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int n = bs[bs.length - 1];
        int[] batch = Arrays.copyOf(ys, ys.length - 2);
        int[][] off = OpSupport.offsets(batch,
                OpSupport.broadcastStrides(Arrays.copyOf(as, as.length - 2), batch),
                OpSupport.broadcastStrides(Arrays.copyOf(bs, bs.length - 2), batch));
        double[] a = at.reals();
        double[] b = bt.reals();
        double[] y = new double[(int) TensorType.elementCount(ys)];
        for (int p = 0; p < off[0].length; p++) {
            int ao = off[0][p] * m * k;
            int bo = off[1][p] * k * n;
            int yo = p * m * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int q = 0; q < k; q++) s += a[ao + i * k + q] * b[bo + q * n + j];
                    y[yo + i * n + j] = s;
                }
            }
        }
        return List.of(Tensor.ofReal(at.dtype(), ys, y));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        Value dy = g.gradOutput(0);
        Value a = g.input(0);
        Value b = g.input(1);
        Value da = null;
        Value db = null;
        if (g.needsGrad(0)) da = g.sumToShape(g.emit(new MatMul(), dy, g.emit(Transpose.lastTwo(b.type().rank()), b)), a.type());
        if (g.needsGrad(1)) db = g.sumToShape(g.emit(new MatMul(), g.emit(Transpose.lastTwo(a.type().rank()), a), dy), b.type());
        return Arrays.asList(da, db);
    }

    @Override
    public long macs(List<TensorType> in, List<TensorType> out) { return (long) out.get(0).size() * in.get(0).dim(-1); }

    /** Batch, M and N in parallel; K whole. An operand broadcast over the batch is resident across it. */
    @Override
    public org.traindeeploy.tiling.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.matmul(in.get(0), in.get(1), out.get(0), in, out);
    }
}
