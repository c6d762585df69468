package org.traindeeploy.ops;

import org.traindeeploy.ir.Op;
import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ir.TileContract;
import org.traindeeploy.ir.TileContract.Axis;
import org.traindeeploy.ir.TileContract.Operand;
import org.traindeeploy.ir.TileContract.Role;

/**
 * Backward of LayerNormalization, inputs (dY, X, γ), outputs (dX, dγ, dβ). Statistics are
 * recomputed from X: x̂ = (x − μ)/σ, g = dY ⊙ γ, dX = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂))/σ,
 * dγ = Σ_rows dY ⊙ x̂, dβ = Σ_rows dY.
 */
public record LayerNormGrad(int axis, double epsilon) implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 3, 3, opType());
        TensorType p = inputs.get(2).type();
        return List.of(inputs.get(1).type(), p, p);
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor xt = in.get(1);
        int n = OpSupport.product(xt.shape(), axis, xt.rank());
        int rows = xt.size() / Math.max(n, 1);
        double[] dy = in.get(0).reals();
        double[] x = xt.reals();
        double[] gamma = in.get(2).reals();
        double[] dx = new double[x.length];
        double[] dg = new double[n];
        double[] db = new double[n];
        for (int r = 0; r < rows; r++) {
            int off = r * n;
            double[] st = LayerNormalization.stats(x, off, n, epsilon);
            double mg = 0;
            double mgx = 0;
            for (int k = 0; k < n; k++) {
                double xh = (x[off + k] - st[0]) * st[1];
                double gk = dy[off + k] * gamma[k];
                mg += gk;
                mgx += gk * xh;
                dg[k] += dy[off + k] * xh;
                db[k] += dy[off + k];
            }
            mg /= n;
            mgx /= n;
            for (int k = 0; k < n; k++) {
                double xh = (x[off + k] - st[0]) * st[1];
                dx[off + k] = (dy[off + k] * gamma[k] - mg - xh * mgx) * st[1];
            }
        }
        TensorType pt = in.get(2).type();
        return List.of(OpSupport.realLike(xt.type(), dx), OpSupport.realLike(pt, dg), OpSupport.realLike(pt, db));
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 14L * out.get(0).size(); }

    /** Whole rows (the normalized extent) per tile: dY, X, dX by rows; γ whole; dγ, dβ accumulate over every row block; row statistics as L1 scratch. */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        int cols = OpSupport.product(in.get(1).shape(), axis, in.get(1).rank());
        if (in.get(2).size() != cols) return TileContract.whole(in, out);
        TileContract c = TileContracts.rows(in.get(1).size() / Math.max(1, cols), cols, in, out);
        if (c.dims().isEmpty()) return c;
        List<Operand> ops = new java.util.ArrayList<>(c.operands());
        ops.add(Operand.of("row statistics", Role.SCRATCH, -1, 16, Axis.tiled(c.dims().get(0).extent(), 0)));
        return new TileContract(c.dims(), ops);
    }
}
