package org.traindeeploy.tiling;

import org.traindeeploy.ir.TileContract;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ir.Op;
import org.traindeeploy.target.CostModel;
import org.traindeeploy.target.Target;
import org.traindeeploy.ir.TileContract.Operand;
import org.traindeeploy.ir.TileContract.Role;

/**
 * Chooses tile sizes for one node within an L1 budget (the policy over its op's {@link TileContract}).
 * The L1 layout it prices is the one the code generator lays out: one 16-byte-aligned region per
 * distinct buffer (operands that share a planned buffer share a region), two copies of a region
 * that is loaded or stored more than once (double buffering: the next tile's DMA runs while the
 * cores compute on the current one), one copy otherwise; kernel scratch once. Among the tilings
 * that fit and whose every box is one (at most 2-D) DMA, it takes the one with the fewest
 * estimated cycles: the DMA time (bytes over the link's bandwidth plus a setup per transfer)
 * overlapped with the compute time except for the first load and the last store. The compute time
 * is the target's calibrated {@link CostModel} (critical-path instructions per tile, per output,
 * per MAC, per input element, split over the cores as the kernels split it, times cycles per
 * instruction; docs/cost-model.md), or without one the work over the peak throughput plus a
 * per-tile overhead.
 */
public final class Tiler {
    private Tiler() {}

    /** L1 regions are aligned to this many bytes, as the code generator places them. */
    public static final int ALIGN = 16;

    /** Barriers and per-tile argument setup, cycles, for a target without a cost model. */
    static final long TILE_OVERHEAD_CYCLES = 60;

    /**
     * The chosen tiling: tile size and tile count per dim, the L1 bytes it occupies, and the bytes
     * every operand moves ({@code moved[k]} for contract operand k: loads for inputs, stores for
     * outputs, 0 for scratch and for an operand that shares another's buffer and DMA); {@code sharing}
     * as {@link #sharing}.
     */
    public record Tiling(TileContract contract, int[] sharing, int[] tile, int[] count, long l1Bytes, long tiles, long[] moved, long transfers, long cycles) {
        public long bytesIn() { return sum(Role.IN); }

        public long bytesOut() { return sum(Role.OUT); }

        private long sum(Role r) {
            long s = 0;
            for (int k = 0; k < moved.length; k++) if (contract.operands().get(k).role() == r) s += moved[k];
            return s;
        }

        /** How many tiles one step of dim d spans in the flattened loop (the product of the inner dims' counts). */
        public long inner(int d) {
            long p = 1;
            for (int k = d + 1; k < count.length; k++) p *= count[k];
            return p;
        }

        /** Tiles between two loads (inputs) or stores (outputs) of operand k: the inner count of its last used dim. */
        public long period(int k) { return inner(contract.operands().get(k).lastDim()); }

        /** Whether operand k's region needs two copies in L1 (it is loaded or stored more than once). */
        public boolean doubled(int k) { return contract.operands().get(k).role() != Role.SCRATCH && period(k) < tiles; }

        /** Whether the L1 region of operand k (k its first operand) has two copies: any operand in it is doubled. */
        public boolean twoCopies(int k) {
            for (int j = k; j < sharing.length; j++) if (sharing[j] == k && doubled(j)) return true;
            return false;
        }

        /** Tiles between two uses of a new copy of region k: the shortest period of the operands in it. */
        public long regionPeriod(int k) {
            long p = Long.MAX_VALUE;
            for (int j = k; j < sharing.length; j++) if (sharing[j] == k) p = Math.min(p, period(j));
            return p;
        }
    }

    /** Operand sharing: for contract operand k, the first operand in the same planned buffer (k itself if none). */
    public static int[] sharing(Node n, TileContract c, Function<Value, Object> bufferOf) {
        int[] rep = new int[c.operands().size()];
        for (int k = 0; k < rep.length; k++) {
            rep[k] = k;
            Object bk = key(n, c.operands().get(k), bufferOf);
            if (bk == null) continue;
            for (int j = 0; j < k; j++) {
                if (Objects.equals(bk, key(n, c.operands().get(j), bufferOf))) {
                    rep[k] = rep[j];
                    break;
                }
            }
        }
        return rep;
    }

    private static Object key(Node n, Operand o, Function<Value, Object> bufferOf) {
        if (o.role() == Role.SCRATCH) return null;
        Value v = o.role() == Role.IN ? n.input(o.index()) : n.output(o.index());
        return v == null ? null : bufferOf.apply(v);
    }

    /** The best tiling of node n whose operands share buffers as {@code bufferOf} says. */
    public static Tiling tile(Node n, long l1Budget, Target target, Function<Value, Object> bufferOf) {
        List<TensorType> in = new ArrayList<>();
        for (Value v : n.inputs()) in.add(v == null ? null : v.type());
        List<TensorType> out = n.outputs().stream().map(Value::type).toList();
        TileContract c = n.op().tileContract(in, out);
        int[] rep = sharing(n, c, bufferOf);
        return TilingMemo.get(target, TilingMemo.Key.of(n.op(), in, out, rep, l1Budget), () -> search(n, c, rep, in, out, l1Budget, target));
    }

    /** The search behind {@link #tile}: every candidate tiling of contract c, the fastest that fits. */
    private static Tiling search(Node n, TileContract c, int[] rep, List<TensorType> in, List<TensorType> out, long l1Budget, Target target) {
        long macs = n.op().macs(in, out);
        Compute compute = compute(n.op().opType(), macs, n.op().flops(in, out), n.op().scalarLoops(in, out), target);
        Target.DmaLink link = target.link("L2", "L1");
        double bw = link == null ? 8 : link.bytesPerCycle();
        long setup = link == null ? 0 : link.setupCycles();
        Tiling best = null;
        long smallest = Long.MAX_VALUE;
        for (int[] t : candidates(c.dims())) {
            Tiling tl = evaluate(c, t, rep, compute, bw, setup, l1Budget);
            if (tl == null) continue;
            smallest = Math.min(smallest, tl.l1Bytes());
            if (tl.l1Bytes() > l1Budget) continue;
            if (best == null || tl.cycles() < best.cycles() || tl.cycles() == best.cycles() && tl.tiles() < best.tiles()) best = tl;
        }
        if (best == null) {
            throw new CompileException("node '" + n.name() + "' (" + n.op().opType() + ") cannot be tiled into " + l1Budget
                    + " bytes of L1: its smallest tile needs " + smallest + " bytes (raise --l1)");
        }
        return best;
    }

    /** The compute cycles of a tiling t (tiles per dim: count) of contract c. */
    interface Compute {
        double cycles(TileContract c, int[] t, int[] count, long tiles);
    }

    /**
     * How a node's compute is priced: with the target's calibrated cost model (critical-path
     * instructions times cycles per instruction, docs/cost-model.md), or without one as its work
     * over the cluster's peak throughput plus {@link #TILE_OVERHEAD_CYCLES} per tile.
     */
    static Compute compute(String opType, long macs, long flops, Target target) {
        return compute(opType, macs, flops, Op.ScalarLoops.NONE, target);
    }

    /** As above, for a node whose kernel runs {@code loops} scalar window loops (docs/cost-model.md). */
    static Compute compute(String opType, long macs, long flops, Op.ScalarLoops loops, Target target) {
        CostModel cm = target.cost();
        if (cm == null) {
            double w = (2.0 * macs + flops) / target.flopsPerCycle();
            return (c, t, count, tiles) -> w + tiles * TILE_OVERHEAD_CYCLES;
        }
        double cpi = target.cyclesPerInstruction() > 0 ? target.cyclesPerInstruction() : 1;
        return (c, t, count, tiles) -> cm.instructions(opType, features(c, t, count, tiles, macs, loops, target.cores())) * cpi;
    }

    /**
     * What the cost model prices of tiling t (tiles per dim: count) of contract c for a node of
     * {@code macs} MACs on {@code cores} cores: tiles, output and input elements summed over the
     * tiles, and the busiest core's share of a tile (its work units: output elements, in blocks of
     * 4 columns for a node with MACs, as the kernels split them).
     */
    static CostModel.Features features(TileContract c, int[] t, int[] count, long tiles, long macs, int cores) {
        return features(c, t, count, tiles, macs, Op.ScalarLoops.NONE, cores);
    }

    /** As above, with the node's scalar window loops (the same on every tiling: a tile runs its share of them). */
    static CostModel.Features features(TileContract c, int[] t, int[] count, long tiles, long macs, Op.ScalarLoops loops, int cores) {
        long outs = 0;
        long ins = 0;
        for (Operand o : c.operands()) {
            if (o.role() == Role.OUT) outs += elements(c, o, t, count);
            else if (o.role() == Role.IN) ins += elements(c, o, t, count);
        }
        long units = (outs + tiles - 1) / tiles;
        if (macs > 0) units = (units + 3) / 4;
        return new CostModel.Features(tiles, outs, ins, macs, CostModel.busy(units, cores), loops.windows(), loops.taps());
    }

    /** Elements of operand o's boxes summed over every tile (t: tile size per dim, count: tiles per dim). */
    private static long elements(TileContract c, Operand o, int[] t, int[] count) {
        List<TileContract.Dim> dims = c.dims();
        long e = 1;
        for (TileContract.Axis a : o.axes()) {
            if (a.dim() < 0) {
                e *= a.window();
            } else {
                e *= covered(a, t[a.dim()], dims.get(a.dim()).extent());
            }
        }
        for (int d = 0; d < count.length; d++) if (!o.uses(d)) e *= count[d];
        return e;
    }

    /** The cost-model features of a chosen tiling of node n on the target's cores (docs/cost-model.md). */
    public static CostModel.Features features(Node n, Tiling t, Target target) {
        List<TensorType> in = new ArrayList<>();
        for (Value v : n.inputs()) in.add(v == null ? null : v.type());
        List<TensorType> out = n.outputs().stream().map(Value::type).toList();
        return features(t.contract(), t.tile(), t.count(), t.tiles(), n.op().macs(in, out), n.op().scalarLoops(in, out), target.cores());
    }

    /** A Reshape whose output shares its input's buffer: a view, with no code and no bytes moved. */
    public static boolean isView(Node n, Function<Value, Object> bufferOf) {
        return n.op().isView() && bufferOf.apply(n.input(0)) == bufferOf.apply(n.output(0));
    }

    /** Node n tiled with every operand in its own buffer. */
    public static Tiling tile(Node n, long l1Budget, Target target) { return tile(n, l1Budget, target, v -> v); }

    /** The tiling t of contract c priced with a fixed compute time plus {@link #TILE_OVERHEAD_CYCLES} per tile. */
    static Tiling evaluate(TileContract c, int[] t, int[] rep, double computeCycles, double bw, long setup) {
        return evaluate(c, t, rep, (cc, tt, count, tiles) -> computeCycles + tiles * TILE_OVERHEAD_CYCLES, bw, setup);
    }

    /** The tiling t of contract c (null if a box is not one 2-D copy, or an accumulator would be revisited). */
    static Tiling evaluate(TileContract c, int[] t, int[] rep, Compute compute, double bw, long setup) {
        return evaluate(c, t, rep, compute, bw, setup, Long.MAX_VALUE);
    }

    /**
     * As above; a tiling whose L1 exceeds {@code l1Budget} is returned unpriced (its L1 bytes only,
     * cycles {@code Long.MAX_VALUE}): the search only needs its size, and pricing the bytes moved
     * and the compute of every oversized candidate was most of the search's time.
     */
    static Tiling evaluate(TileContract c, int[] t, int[] rep, Compute compute, double bw, long setup, long l1Budget) {
        List<TileContract.Dim> dims = c.dims();
        int nd = dims.size();
        int[] count = new int[nd];
        long tiles = 1;
        for (int d = 0; d < nd; d++) {
            count[d] = (Math.max(1, dims.get(d).extent()) + t[d] - 1) / t[d];
            tiles *= count[d];
        }
        List<Operand> ops = c.operands();
        long[] moved = new long[ops.size()];
        long l1 = 0;
        long transfers = 0;
        Tiling shape = new Tiling(c, rep, t, count, 0, tiles, moved, 0, 0);
        for (int k = 0; k < ops.size(); k++) {
            Operand o = ops.get(k);
            if (o.role() != Role.SCRATCH && o.layout(t, dims) == null) return null;
            if (rep[k] != k) {
                // A second operand in the same buffer: same region, so the same box in every tile.
                if (tiles > 1 && !o.axes().equals(ops.get(rep[k]).axes())) return null;
            } else {
                l1 += roundUp(o.maxBytes(t)) * (shape.twoCopies(k) ? 2 : 1);
            }
            if (o.role() == Role.OUT) {
                // Accumulating over a dim outside the output's last used dim would revisit a stored box.
                for (int d = 0; d < o.lastDim(); d++) if (!o.uses(d) && count[d] > 1) return null;
            }
        }
        if (l1 > l1Budget) return new Tiling(c, rep, t.clone(), count, l1, tiles, moved, 0, Long.MAX_VALUE);
        for (int k = 0; k < ops.size(); k++) {
            Operand o = ops.get(k);
            if (rep[k] != k && o.role() == ops.get(rep[k]).role()) continue;
            if (o.role() == Role.SCRATCH) continue;
            long b = o.elemBytes();
            for (TileContract.Axis a : o.axes()) b *= a.dim() < 0 ? a.window() : covered(a, t[a.dim()], dims.get(a.dim()).extent());
            long visits = 1;
            int last = o.lastDim();
            if (o.role() == Role.IN) for (int d = 0; d <= last; d++) if (!o.uses(d)) visits *= count[d];
            moved[k] = b * visits;
            long times = 1;
            for (int d = 0; d <= last; d++) times *= count[d];
            transfers += times;
        }
        double dma = sum(moved) / bw + transfers * (double) setup;
        double computeCycles = compute.cycles(c, t, count, tiles);
        long cycles = (long) Math.ceil(Math.max(dma, computeCycles) + Math.min(dma, computeCycles) / tiles);
        return new Tiling(c, rep, t.clone(), count, l1, tiles, moved, transfers, cycles);
    }

    /** Elements of axis a summed over every tile of its dim (tiles of size t over extent). */
    private static long covered(TileContract.Axis a, int t, int extent) {
        long total = 0;
        for (long s = 0; s < extent; s += t) total += a.hi(s, Math.min(t, extent - s)) - a.lo(s);
        return total;
    }

    private static long sum(long[] v) {
        long s = 0;
        for (long x : v) s += x;
        return s;
    }

    public static long roundUp(long b) { return (b + ALIGN - 1) / ALIGN * ALIGN; }

    /** Candidate tile sizes per dim (⌈extent/k⌉ for small k, and powers of two), combined. */
    static List<int[]> candidates(List<TileContract.Dim> dims) {
        List<int[]> per = new ArrayList<>();
        for (TileContract.Dim d : dims) {
            TreeSet<Integer> s = new TreeSet<>();
            int e = Math.max(1, d.extent());
            for (int k = 1; k <= 12 && k <= e; k++) s.add((e + k - 1) / k);
            for (int v = 1; v <= e; v *= 2) s.add(v);
            for (int v = e; v >= 1; v /= 2) s.add(v);
            per.add(s.stream().mapToInt(Integer::intValue).toArray());
        }
        List<int[]> out = new ArrayList<>();
        combine(per, 0, new int[dims.size()], out);
        return out;
    }

    private static void combine(List<int[]> per, int i, int[] cur, List<int[]> out) {
        if (i == per.size()) {
            out.add(cur.clone());
            return;
        }
        for (int v : per.get(i)) {
            cur[i] = v;
            combine(per, i + 1, cur, out);
        }
    }
}
