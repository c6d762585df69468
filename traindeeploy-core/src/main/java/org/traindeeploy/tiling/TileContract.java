package org.traindeeploy.tiling;

import java.util.ArrayList;
import java.util.List;
import org.traindeeploy.ir.TensorType;

/**
 * What an op needs to be correct when its work is split into tiles (the geometry; the tiler
 * chooses sizes, the policy). The work is a loop nest over {@code dims}; each operand's tile is a
 * box whose bytes are {@code fixedBytes × Π over the dims it uses of min(full, coef·t + halo)}.
 * An input that uses no split dim stays resident in L1 for the whole node; an output that does not
 * use a split dim is an accumulator kept in L1 across those tiles and stored once.
 *
 * @param dims the splittable dimensions, outermost first
 * @param operands one footprint per input and output (outputs after inputs)
 */
public record TileContract(List<Dim> dims, List<Footprint> operands) {
    public TileContract {
        dims = List.copyOf(dims);
        operands = List.copyOf(operands);
    }

    /** A splittable dimension of the work, of {@code extent} units. */
    public record Dim(String name, int extent) {}

    /**
     * An operand's tile: per dim index it uses, {@code coef·t + halo} units of that dim (clamped to
     * {@code full}), times {@code fixedBytes}.
     */
    public record Footprint(String operand, boolean output, long fixedBytes, int[] dims, int[] coef, int[] halo, int[] full) {
        public static Footprint of(String name, boolean output, long fixedBytes, int... dims) {
            int[] one = new int[dims.length];
            java.util.Arrays.fill(one, 1);
            return new Footprint(name, output, fixedBytes, dims, one, new int[dims.length], new int[dims.length]);
        }

        /** Bytes of one tile when dim i has tile size t[i]. */
        public long bytes(int[] t, List<Dim> all) {
            long b = fixedBytes;
            for (int k = 0; k < dims.length; k++) {
                int d = dims[k];
                long units = (long) coef[k] * t[d] + halo[k];
                long cap = full[k] > 0 ? full[k] : (long) coef[k] * all.get(d).extent() + Math.max(halo[k], 0);
                b *= Math.max(1, Math.min(units, cap));
            }
            return b;
        }

        public boolean uses(int dim) {
            for (int d : dims) if (d == dim) return true;
            return false;
        }

        /** A copy that also spans dim {@code d} with the given geometry. */
        public Footprint with(int d, int c, int h, int f) {
            int n = dims.length;
            int[] nd = java.util.Arrays.copyOf(dims, n + 1);
            int[] nc = java.util.Arrays.copyOf(coef, n + 1);
            int[] nh = java.util.Arrays.copyOf(halo, n + 1);
            int[] nf = java.util.Arrays.copyOf(full, n + 1);
            nd[n] = d;
            nc[n] = c;
            nh[n] = h;
            nf[n] = f;
            return new Footprint(operand, output, fixedBytes, nd, nc, nh, nf);
        }
    }

    /**
     * The default contract: the work is the elements of the first output, split into contiguous
     * chunks. Operands of the output's size stream along; smaller ones (broadcast, per-channel
     * parameters, scalars) stay resident.
     */
    public static TileContract elementwise(List<TensorType> in, List<TensorType> out) {
        int n = out.isEmpty() ? 1 : Math.max(1, out.get(0).size());
        List<Footprint> ops = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) ops.add(streamOrResident("in" + i, false, in.get(i), n));
        for (int i = 0; i < out.size(); i++) ops.add(streamOrResident("out" + i, true, out.get(i), n));
        return new TileContract(List.of(new Dim("elements", n)), ops);
    }

    private static Footprint streamOrResident(String name, boolean output, TensorType t, int n) {
        if (t == null) return Footprint.of(name, output, 0);
        int eb = t.dtype().bytes();
        if (t.size() == n) return Footprint.of(name, output, eb, 0);
        if (t.size() > n && t.size() % n == 0) return Footprint.of(name, output, (long) eb * (t.size() / n), 0);
        return Footprint.of(name, output, t.bytes());
    }

    /**
     * Row-wise work over the leading {@code rows} units, each row of every operand being
     * {@code size / rows} elements; operands that are not row-shaped (e.g. a layer norm's scale) stay resident.
     */
    public static TileContract rows(int rows, List<TensorType> in, List<TensorType> out) {
        List<Footprint> ops = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) ops.add(rowOperand("in" + i, false, in.get(i), rows));
        for (int i = 0; i < out.size(); i++) ops.add(rowOperand("out" + i, true, out.get(i), rows));
        return new TileContract(List.of(new Dim("rows", Math.max(rows, 1))), ops);
    }

    private static Footprint rowOperand(String name, boolean output, TensorType t, int rows) {
        if (t == null) return Footprint.of(name, output, 0);
        if (rows > 0 && t.size() % rows == 0 && t.size() >= rows && t.size() / rows >= 1 && t.rank() > 1 || t.size() == rows && rows > 1) {
            return Footprint.of(name, output, (long) t.dtype().bytes() * (t.size() / rows), 0);
        }
        return Footprint.of(name, output, t.bytes());
    }
}
