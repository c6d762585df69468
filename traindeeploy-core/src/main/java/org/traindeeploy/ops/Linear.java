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
 * A fully connected layer: Y = α·X·op(W) + B + R, X [..., K], op(W) = W [K,N] or, with
 * {@code transW}, Wᵀ for W [N,K]; B [N] and the residual R (Y's shape) optional. MatMul with a
 * weight, Gemm, and MatMul + Add of a bias all become this op; {@code fuse-residual} folds an Add
 * of another tensor into R. Gradients: dX = Linear(dY, W, ¬transW, α); dW = LinearGradWeight(X, dY)
 * (α·Xᵀ·dY, or its transpose); dB = Σ_rows dY; dR = dY.
 */
public record Linear(boolean transW, double alpha) implements Op {
    public Linear {
        if (!Double.isFinite(alpha)) throw new CompileException("Linear alpha " + alpha + " is not finite");
    }

    /** {rows, K, N} for an input and weight type. */
    int[] dims(TensorType x, TensorType w) {
        if (x.rank() < 1 || w.rank() != 2) throw new CompileException("Linear needs X [...,K] and a 2-D weight, got " + x + " and " + w);
        int k = x.dim(-1);
        int wk = transW ? w.dim(1) : w.dim(0);
        int n = transW ? w.dim(0) : w.dim(1);
        if (wk != k) throw new CompileException("Linear input " + x + " does not match weight " + w + (transW ? " (transposed)" : ""));
        return new int[] {x.size() / Math.max(k, 1), k, n};
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 2, 4, opType());
        TensorType x = inputs.get(0).type();
        TensorType w = inputs.get(1).type();
        OpSupport.requireFloat(x, "Linear input");
        OpSupport.sameDType(x, w, opType());
        int[] d = dims(x, w);
        if (inputs.size() > 2 && inputs.get(2) != null && !Arrays.equals(inputs.get(2).type().shape(), new int[] {d[2]})) {
            throw new CompileException("Linear bias " + inputs.get(2).type() + " must be [" + d[2] + "]");
        }
        int[] s = x.shape();
        s[s.length - 1] = d[2];
        TensorType y = x.withShape(s);
        if (inputs.size() > 3 && inputs.get(3) != null && !inputs.get(3).type().equals(y)) {
            throw new CompileException("Linear residual " + inputs.get(3).type() + " must be " + y);
        }
        return List.of(y);
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor xt = in.get(0);
        Tensor wt = in.get(1);
        int[] d = dims(xt.type(), wt.type());
        int rows = d[0];
        int k = d[1];
        int n = d[2];
        double[] x = xt.reals();
        double[] w = wt.reals();
        double[] b = in.size() > 2 && in.get(2) != null ? in.get(2).reals() : null;
        double[] res = in.size() > 3 && in.get(3) != null ? in.get(3).reals() : null;
        double[] y = new double[rows * n];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int i = 0; i < k; i++) s += x[r * k + i] * (transW ? w[j * k + i] : w[i * n + j]);
                y[r * n + j] = alpha * s + (b == null ? 0 : b[j]) + (res == null ? 0 : res[r * n + j]);
            }
        }
        int[] s = xt.shape();
        s[s.length - 1] = n;
        return List.of(Tensor.ofReal(xt.dtype(), s, y));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        Value dy = g.gradOutput(0);
        Value dx = g.needsGrad(0) ? g.emit(new Linear(!transW, alpha), dy, g.input(1)) : null;
        Value dw = g.needsGrad(1) ? g.emit(new LinearGradWeight(transW, alpha), g.input(0), dy) : null;
        Value db = null;
        if (g.input(2) != null && g.needsGrad(2)) {
            int r = dy.type().rank();
            int[] axes = new int[r - 1];
            for (int i = 0; i < r - 1; i++) axes[i] = i;
            db = r == 1 ? dy : g.emit(new ReduceSum(axes, false), dy);
        }
        Value dr = g.input(3) != null && g.needsGrad(3) ? dy : null;
        return Arrays.asList(dx, dw, db, dr);
    }

    @Override
    public long macs(List<TensorType> in, List<TensorType> out) {
        int[] d = dims(in.get(0), in.get(1));
        return (long) d[0] * d[1] * d[2];
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return out.get(0).size(); }

    /** Rows M and columns N in parallel, K as a reduction: y accumulates over K tiles (the kernel adds b and r on K's first block). */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        if (!TileContracts.floats(in) || !TileContracts.floats(out)) return TileContract.whole(in, out);
        int[] d = dims(in.get(0), in.get(1));
        int m = d[0];
        int k = d[1];
        int n = d[2];
        List<Operand> ops = new java.util.ArrayList<>();
        ops.add(Operand.of("x", Role.IN, 0, 4, Axis.tiled(m, 0), Axis.tiled(k, 2)));
        ops.add(transW ? Operand.of("w", Role.IN, 1, 4, Axis.tiled(n, 1), Axis.tiled(k, 2)) : Operand.of("w", Role.IN, 1, 4, Axis.tiled(k, 2), Axis.tiled(n, 1)));
        if (in.size() > 2 && in.get(2) != null) ops.add(Operand.of("b", Role.IN, 2, 4, Axis.tiled(n, 1)));
        if (in.size() > 3 && in.get(3) != null) ops.add(Operand.of("r", Role.IN, 3, 4, Axis.tiled(m, 0), Axis.tiled(n, 1)));
        ops.add(Operand.of("y", Role.OUT, 0, 4, Axis.tiled(m, 0), Axis.tiled(n, 1)));
        return new TileContract(List.of(new Dim("M", m), new Dim("N", n), new Dim("K", k)), ops);
    }
}
