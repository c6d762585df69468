package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Y[i_perm[0], ...] = X[i_0, ...]: Y's axis k is X's axis perm[k]. dX = Transpose(dY, perm⁻¹). */
public record Transpose(int[] perm) implements Op {
    public Transpose {
        perm = perm.clone();
        boolean[] seen = new boolean[perm.length];
        for (int p : perm) {
            if (p < 0 || p >= perm.length || seen[p]) throw new CompileException("Transpose perm " + Arrays.toString(perm) + " is not a permutation");
            seen[p] = true;
        }
    }

    /** Swap the last two of {@code rank} axes. */
    public static Transpose lastTwo(int rank) {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) p[i] = i;
        p[rank - 1] = rank - 2;
        p[rank - 2] = rank - 1;
        return new Transpose(p);
    }

    public int[] inverse() {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        return inv;
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        TensorType x = inputs.get(0).type();
        if (x.rank() != perm.length) throw new CompileException("Transpose perm " + Arrays.toString(perm) + " does not fit " + x);
        int[] s = new int[perm.length];
        for (int i = 0; i < perm.length; i++) s[i] = x.dim(perm[i]);
        return List.of(x.withShape(s));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor x = in.get(0);
        int[] xs = x.shape();
        int[] ys = new int[perm.length];
        int[] xst = Tensor.strides(xs);
        int[] st = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            ys[i] = xs[perm[i]];
            st[i] = xst[perm[i]];
        }
        return List.of(x.gather(OpSupport.offsets(ys, st)[0], ys));
    }

    @Override public List<Value> gradient(GradientContext g) { return List.of(g.emit(new Transpose(inverse()), g.gradOutput(0))); }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }

    @Override public boolean equals(Object o) { return o instanceof Transpose t && Arrays.equals(t.perm, perm); }

    @Override public int hashCode() { return Arrays.hashCode(perm); }

    @Override public String toString() { return "Transpose" + Arrays.toString(perm); }

    @Override
    public org.traindeeploy.ir.TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        return TileContracts.bestCopy(-1, d -> new int[] {perm[d]}, in, out, null);
    }
}
