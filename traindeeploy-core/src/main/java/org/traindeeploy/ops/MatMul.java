package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ir.TileContract;
import org.traindeeploy.ir.TileContract.Axis;
import org.traindeeploy.ir.TileContract.Dim;
import org.traindeeploy.ir.TileContract.Operand;
import org.traindeeploy.ir.TileContract.Role;

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

    /** Batch, M and N in parallel; K whole. An operand without batch dims (broadcast) is resident across the batch; other broadcasts run whole. */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        TensorType a = in.get(0);
        TensorType b = in.get(1);
        if (!TileContracts.floats(in) || !TileContracts.floats(out) || a.rank() < 2 || b.rank() < 2) return TileContract.whole(in, out);
        int m = a.dim(-2);
        int k = a.dim(-1);
        int n = b.dim(-1);
        int p = out.get(0).size() / Math.max(1, m * n);
        Operand oa;
        if (a.size() == (long) p * m * k) oa = Operand.of("a", Role.IN, 0, 4, Axis.tiled(p, 0), Axis.tiled(m, 1), Axis.whole(k));
        else if (a.size() == (long) m * k) oa = Operand.of("a", Role.IN, 0, 4, Axis.tiled(m, 1), Axis.whole(k));
        else return TileContract.whole(in, out);
        Operand ob;
        if (b.size() == (long) p * k * n) ob = Operand.of("b", Role.IN, 1, 4, Axis.tiled(p, 0), Axis.whole(k), Axis.tiled(n, 2));
        else if (b.size() == (long) k * n) ob = Operand.of("b", Role.IN, 1, 4, Axis.whole(k), Axis.tiled(n, 2));
        else return TileContract.whole(in, out);
        return new TileContract(List.of(new Dim("batch", p), new Dim("M", m), new Dim("N", n)),
                List.of(oa, ob, Operand.of("y", Role.OUT, 0, 4, Axis.tiled(p, 0), Axis.tiled(m, 1), Axis.tiled(n, 2))));
    }
}
