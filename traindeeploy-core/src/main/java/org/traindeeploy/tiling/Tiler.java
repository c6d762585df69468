package org.traindeeploy.tiling;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.target.Target;

/**
 * Chooses tile sizes for one node within an L1 budget (the policy over an op's {@link TileContract}):
 * streamed operands are double-buffered (2 × tile) so that DMA overlaps compute, resident inputs
 * and accumulating outputs are held once. Among the tilings that fit, it takes the one with the
 * fewest estimated cycles: DMA bytes over the link bandwidth plus per-transfer setup, against the
 * compute time, plus a per-tile overhead.
 */
public final class Tiler {
    private Tiler() {}

    /** Fork/barrier cost per tile, cycles (an estimate of the cluster runtime's overhead). */
    static final long TILE_OVERHEAD_CYCLES = 60;

    /** The chosen tiling of a node and what it moves. */
    public record Tiling(int[] tile, long l1Bytes, long tiles, long bytesIn, long bytesOut, long transfers, long cycles) {}

    public static Tiling tile(Node n, long l1Budget, Target target) {
        List<TensorType> in = new ArrayList<>();
        for (Value v : n.inputs()) in.add(v == null ? null : v.type());
        List<TensorType> out = n.outputs().stream().map(Value::type).toList();
        TileContract c = n.op().tileContract(in, out);
        double computeCycles = (2.0 * n.op().macs(in, out) + n.op().flops(in, out)) / target.flopsPerCycle();
        Target.DmaLink link = target.link("L2", "L1");
        double bw = link == null ? 8 : link.bytesPerCycle();
        long setup = link == null ? 0 : link.setupCycles();
        Tiling best = null;
        List<int[]> candidates = candidates(c.dims());
        long smallest = Long.MAX_VALUE;
        for (int[] t : candidates) {
            long l1 = l1Bytes(c, t);
            smallest = Math.min(smallest, l1);
            if (l1 > l1Budget) continue;
            Tiling tl = cost(c, t, l1, computeCycles, bw, setup);
            if (best == null || tl.cycles() < best.cycles() || tl.cycles() == best.cycles() && tl.tiles() < best.tiles()) best = tl;
        }
        if (best == null) {
            throw new CompileException("node '" + n.name() + "' (" + n.op().opType() + ") cannot be tiled into " + l1Budget
                    + " bytes of L1: its smallest tile needs " + smallest + " bytes (raise --l1)");
        }
        return best;
    }

    /** L1 bytes of a tiling: 2× for streamed operands, 1× for resident inputs and accumulators. */
    static long l1Bytes(TileContract c, int[] t) {
        long total = 0;
        for (TileContract.Footprint f : c.operands()) {
            long b = f.bytes(t, c.dims());
            total += streamed(c, f, t) ? 2 * b : b;
        }
        return total;
    }

    /** An operand is streamed when a dim it uses is split into more than one tile. */
    static boolean streamed(TileContract c, TileContract.Footprint f, int[] t) {
        for (int d = 0; d < c.dims().size(); d++) if (f.uses(d) && t[d] < c.dims().get(d).extent()) return true;
        return false;
    }

    static Tiling cost(TileContract c, int[] t, long l1, double computeCycles, double bw, long setup) {
        List<TileContract.Dim> dims = c.dims();
        long[] count = new long[dims.size()];
        long tiles = 1;
        for (int d = 0; d < dims.size(); d++) {
            count[d] = (dims.get(d).extent() + t[d] - 1) / t[d];
            tiles *= count[d];
        }
        long in = 0;
        long out = 0;
        long transfers = 0;
        for (TileContract.Footprint f : c.operands()) {
            long b = f.bytes(t, dims);
            if (b == 0) continue;
            // Loaded again whenever a dim at or outside its innermost used dim advances.
            int last = -1;
            for (int d = 0; d < dims.size(); d++) if (f.uses(d)) last = d;
            long loads = 1;
            for (int d = 0; d <= last; d++) loads *= count[d];
            if (!f.output()) {
                in += b * loads;
                transfers += loads;
            } else {
                long stores = 1;
                for (int d = 0; d < dims.size(); d++) if (f.uses(d)) stores *= count[d];
                out += b * stores;
                transfers += stores;
            }
        }
        double dma = (in + out) / bw + transfers * (double) setup;
        long cycles = (long) Math.ceil(Math.max(dma, computeCycles) + tiles * TILE_OVERHEAD_CYCLES);
        return new Tiling(t.clone(), l1, tiles, in, out, transfers, cycles);
    }

    /** Candidate tile sizes per dim (the full extent, halvings, and ⌈extent/k⌉), combined. */
    static List<int[]> candidates(List<TileContract.Dim> dims) {
        List<int[]> per = new ArrayList<>();
        for (TileContract.Dim d : dims) {
            TreeSet<Integer> s = new TreeSet<>();
            int e = Math.max(1, d.extent());
            for (int k = 1; k <= 16 && k <= e; k++) s.add((e + k - 1) / k);
            for (int v = e; v >= 1; v /= 2) s.add(v);
            for (int v = 1; v <= e; v *= 2) s.add(v);
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
