package org.traindeeploy.ops;

import org.traindeeploy.ir.TileContract;
import org.traindeeploy.ir.Op;
import java.util.ArrayList;
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
 * A Linear layer with its LoRA adapter in the same kernel:
 * <pre>
 * T = X·Aᵀ                              A [R, K]  (output 1: the backward's dB reads it)
 * Y = α·X·op(W) + B_bias + s·T·Bᵀ        B [N, R]  (output 0)
 * </pre>
 * inputs (X, W, bias or null, A, B), op(W) as in {@link Linear}. {@code fuse-lora} makes it from
 * {@code Linear(x, W, b)}, {@code Linear(x, A, transW)} and {@code Linear(t, B, transW, s, residual
 * = the first)} after autodiff, so it has no gradient rule. Values are exactly those three Linears'
 * (each output rounded to its type as the interpreter rounds them).
 *
 * <p>Tiles: rows M and output columns N; K and the rank R are never split (T needs every term of
 * X·Aᵀ before the low-rank term of any output). T does not depend on N: it is an accumulator over
 * N's tiles in the contract's sense, computed by the first N tile of its rows and kept in L1 for the
 * others ({@code t_ready} in td_lora_linear).
 */
public record LoraLinear(boolean transW, double alpha, double scale) implements Op {
    public LoraLinear {
        if (!Double.isFinite(alpha) || !Double.isFinite(scale)) throw new CompileException("LoraLinear alpha " + alpha + " / scale " + scale + " is not finite");
    }

    /** {rows, K, N, R}. */
    int[] dims(List<TensorType> in) {
        int[] d = new Linear(transW, alpha).dims(in.get(0), in.get(1));
        TensorType a = in.get(3);
        TensorType b = in.get(4);
        if (a.rank() != 2 || b.rank() != 2 || a.dim(1) != d[1] || b.dim(0) != d[2] || b.dim(1) != a.dim(0)) {
            throw new CompileException("LoraLinear needs A [R, " + d[1] + "] and B [" + d[2] + ", R], got " + a + " and " + b);
        }
        return new int[] {d[0], d[1], d[2], a.dim(0)};
    }

    private static List<TensorType> types(List<Value> v) {
        List<TensorType> t = new ArrayList<>();
        for (Value x : v) t.add(x == null ? null : x.type());
        return t;
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        if (inputs.size() != 5) throw new CompileException(opType() + " takes 5 inputs (X, W, bias or none, A, B), got " + inputs.size());
        for (int i : new int[] {0, 1, 3, 4}) if (inputs.get(i) == null) throw new CompileException(opType() + " input " + i + " is required");
        TensorType y = new Linear(transW, alpha).inferTypes(inputs.subList(0, 3)).get(0);
        OpSupport.sameDType(inputs.get(0).type(), inputs.get(3).type(), opType());
        OpSupport.sameDType(inputs.get(0).type(), inputs.get(4).type(), opType());
        int[] d = dims(types(inputs));
        int[] s = inputs.get(0).type().shape();
        s[s.length - 1] = d[3];
        return List.of(y, inputs.get(0).type().withShape(s));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor base = new Linear(transW, alpha).evaluate(Arrays.asList(in.get(0), in.get(1), in.get(2))).get(0).roundToType();
        Tensor t = new Linear(true, 1.0).evaluate(List.of(in.get(0), in.get(3))).get(0).roundToType();
        Tensor y = new Linear(true, scale).evaluate(Arrays.asList(t, in.get(4), null, base)).get(0);
        return List.of(y, t);
    }

    @Override
    public long macs(List<TensorType> in, List<TensorType> out) {
        int[] d = dims(in);
        return (long) d[0] * d[1] * d[2] + (long) d[0] * d[1] * d[3] + (long) d[0] * d[3] * d[2];
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return out.get(0).size(); }

    /** Rows M and columns N in parallel; X, W, A with K whole, A and B with R whole; T over M only (kept over N's tiles). */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        if (!TileContracts.floats(in) || !TileContracts.floats(out)) return TileContract.whole(in, out);
        int[] d = dims(in);
        int m = d[0];
        int k = d[1];
        int n = d[2];
        int r = d[3];
        List<Operand> ops = new ArrayList<>();
        ops.add(Operand.of("x", Role.IN, 0, 4, Axis.tiled(m, 0), Axis.whole(k)));
        ops.add(transW ? Operand.of("w", Role.IN, 1, 4, Axis.tiled(n, 1), Axis.whole(k)) : Operand.of("w", Role.IN, 1, 4, Axis.whole(k), Axis.tiled(n, 1)));
        if (in.get(2) != null) ops.add(Operand.of("b", Role.IN, 2, 4, Axis.tiled(n, 1)));
        ops.add(Operand.of("a", Role.IN, 3, 4, Axis.whole(r), Axis.whole(k)));
        ops.add(Operand.of("lb", Role.IN, 4, 4, Axis.tiled(n, 1), Axis.whole(r)));
        ops.add(Operand.of("y", Role.OUT, 0, 4, Axis.tiled(m, 0), Axis.tiled(n, 1)));
        ops.add(Operand.of("t", Role.OUT, 1, 4, Axis.tiled(m, 0), Axis.whole(r)));
        return new TileContract(List.of(new Dim("M", m), new Dim("N", n)), ops);
    }
}
