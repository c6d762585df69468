package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.traindeeploy.codegen.BufferPlan.Buffer;
import org.traindeeploy.codegen.NetworkModel.L1Macro;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.TileContract;
import org.traindeeploy.ir.TileContract.Axis;
import org.traindeeploy.ir.TileContract.Layout;
import org.traindeeploy.ir.TileContract.Operand;
import org.traindeeploy.ir.TileContract.Role;
import org.traindeeploy.tiling.Tiler;

/**
 * A node as a double-buffered loop over the tiles the {@link Tiler} chose for its op's
 * {@link TileContract}: the loop bounds, the DMA boxes and the L1 layout all come from the
 * contract and the choice, so the generated code moves exactly the bytes the report counts.
 *
 * <pre>
 * core 0: load tile 0's input boxes
 * for t in tiles (every core runs the loop; s_d, e_d: the tile's start and extent per dim):
 *     core 0: wait for tile t's loads (and for earlier stores out of the buffers tile t writes);
 *             issue tile t+1's loads into the other buffer of each region that changes
 *     barrier; kernel(s) on all cores, arguments pointing at this tile's buffers; barrier
 *     core 0: issue the stores of the outputs whose group ends at t
 * core 0: wait for the last stores
 * </pre>
 *
 * <p>A region (one per distinct planned buffer among the operands) has two L1 copies when it is
 * loaded or stored more than once, so the DMA of the next tile overlaps the kernels of this one;
 * one copy otherwise. Each copy has its own DMA request, waited for before the copy is reused.
 * An output that does not use the innermost dims accumulates over them: the kernel's
 * {@code accumulate} argument is 0 on the first tile of its group and 1 after.
 */
final class TileLoops {
    private final BufferPlan plan;
    private final CNames names;
    private final List<L1Macro> macros;
    private final Set<String> homes;

    private final Shared shared;

    TileLoops(BufferPlan plan, CNames names, List<L1Macro> macros, Set<String> homes, Shared shared) {
        this.shared = shared;
        this.plan = plan;
        this.names = names;
        this.macros = macros;
        this.homes = homes;
    }

    /** What the family code sees of one tile: its box variables, buffer pointers and accumulate flags. */
    final class Tile {
        final Node node;
        final TileContract contract;
        final Tiler.Tiling tiling;
        final int[] rep;
        final String[][] sym;          // per region operand: L1 symbols of its copies
        final Buffer[] home;           // per region operand (scratch: null)
        final int[] box;               // per region operand: index of its first axis in td_tile.lo / n
        final String what;

        Tile(Node node, TileContract contract, Tiler.Tiling tiling, int[] rep) {
            this.node = node;
            this.contract = contract;
            this.tiling = tiling;
            this.rep = rep;
            this.sym = new String[contract.operands().size()][];
            this.home = new Buffer[contract.operands().size()];
            this.box = new int[contract.operands().size()];
            this.what = TiledLowering.literal(node.name());
        }

        /** Contract operand index of input i / output i. */
        int in(int i) { return find(Role.IN, i); }

        int out(int i) { return find(Role.OUT, i); }

        int scratch() { return find(Role.SCRATCH, -1); }

        private int find(Role r, int i) {
            for (int k = 0; k < contract.operands().size(); k++) {
                Operand o = contract.operands().get(k);
                if (o.role() == r && o.index() == i) return k;
            }
            throw new IllegalStateException(node.name() + ": no " + r + " operand " + i + " in the contract");
        }

        boolean has(Role r, int i) {
            for (Operand o : contract.operands()) if (o.role() == r && o.index() == i) return true;
            return false;
        }

        /** The index of operand k's first box axis in td_tile.lo / n (its region's box). */
        int box(int k) { return box[rep[k]]; }

        /** The L1 copies of operand k's region (2: the tile alternates them). */
        int copies(int k) { return sym[rep[k]].length; }

        /** The tiles an output accumulates over (1: none). */
        long period(int k) { return tiling.period(k); }

        /** A binding of one kernel call's tile-dependent fields. */
        TileBinding binding() { return new TileBinding(this); }

        /** Buffer 0's symbol (for the constant argument struct). */
        String sym0(int k) { return sym[rep[k]][0]; }

        /** Tile size of dim d (the full tile). */
        int size(int d) { return tiling.tile()[d]; }

        /** The index of the contract's dim called {@code name}, or −1 when the contract has none. */
        int dim(String name) {
            for (int d = 0; d < contract.dims().size(); d++) if (contract.dims().get(d).name().equals(name)) return d;
            return -1;
        }

        /** The tile size of the dim called {@code name} (1 when the contract left it out). */
        int size(String name) { return dim(name) < 0 ? 1 : size(dim(name)); }

        /** The largest box length of axis i of operand k. */
        int maxLen(int k, int i) {
            Axis a = contract.operands().get(k).axes().get(i);
            return (int) (a.dim() < 0 ? a.window() : a.maxLength(size(a.dim())));
        }
    }

    /**
     * One kernel invocation per tile: the constant argument struct (rendered by calls/lib.ftl from its record)
     * and the fields that depend on the tile, which td_tiled.c's binder sets for every tile.
     */
    record Bound(KernelCall call, List<TileBinding.BindOp> ops, int fixed, int seqLength) {
        Bound(KernelCall call, TileBinding b) { this(call, List.copyOf(b.ops()), b.fixedCount(), b.seqLength()); }
    }

    interface Binder {
        List<Bound> bind(Tile t);
    }

    // ---- the table (td_tiled_node in td_tiled.h) -------------------------------------------------

    /** One tiled dim: {@code count} tiles of {@code size} over {@code extent}, advancing every {@code inner} tiles. */
    public record DimRow(long count, long inner, int size, int extent) {}

    /** One axis of an operand's box (td_tile_axis). */
    public record AxisRow(int dim, int coef, int offset, int window, int size, long stride) {}

    /**
     * One contract operand (td_tile_operand): its region (the operand whose L1 copies and box it
     * shares), copies, home, box axes and DMA layout. {@code l2} is the home's L2 symbol, or null
     * when the home is the L3 offset {@code l3}.
     */
    public record OperandRow(String name, int role, int region, int nbuf, boolean load, boolean store, int elem, int runAxis, long runTail, int rowsAxis,
                             long rowsTail, long rowStride, long period, long regionPeriod, long l1Bytes, int box, List<String> l1, String l2, String l3,
                             List<AxisRow> axes, String axesRef) {
        public int loadFlag() { return load ? 1 : 0; }

        public int storeFlag() { return store ? 1 : 0; }
    }

    /**
     * One kernel call of a tile (td_tile_call): the kernel function and its argument struct type, the
     * constant argument struct, its tile-dependent fields ({@code paramsRef}: the shared td_bind_op
     * array, null when none; the first {@code nfixed} the same in every tile) and its index arrays ({@code seqLength} entries at {@code seqAt} of the
     * node's).
     */
    public record CallRow(String function, String struct, String args, int nfixed, int nops, String paramsRef, int seqAt, int seqLength) {}

    /** A tiled node's table (td_tiled_node): rendered by tiles/node.ftl, run by td_run_tiled. */
    public record TiledNode(String id, String what, String comment, long tiles, List<DimRow> dims, String dimsRef, List<OperandRow> ops, List<CallRow> calls,
                            int boxes, List<KernelCall> kernelCalls) {
        /** The int32_t entries of the index arrays of all its calls. */
        public int seqLength() { return calls.stream().mapToInt(CallRow::seqLength).sum(); }
    }

    /**
     * The constant arrays of the tables, shared by content: nodes of the same shape share their dims,
     * box axes and tile-dependent fields, so these grow with the distinct shapes, not with nodes.
     */
    static final class Shared {
        final java.util.Map<List<DimRow>, String> dims = new java.util.LinkedHashMap<>();
        final java.util.Map<List<AxisRow>, String> axes = new java.util.LinkedHashMap<>();
        final java.util.Map<TileBinding.BindList, String> params = new java.util.LinkedHashMap<>();

        String dims(List<DimRow> v) { return dims.computeIfAbsent(v, k -> "td_tab_d" + dims.size()); }

        String axes(List<AxisRow> v) { return v.isEmpty() ? null : axes.computeIfAbsent(v, k -> "td_tab_a" + axes.size()); }

        String params(TileBinding.BindList v) { return v.ops().isEmpty() ? null : params.computeIfAbsent(v, k -> "td_tab_b" + params.size()); }
    }

    /** A shared array and its name, for the template. */
    public record Named<T>(String name, T rows) {}

    TiledNode lower(Node n, TileContract c, Tiler.Tiling tl, Binder binder) {
        int[] rep = tl.sharing();
        Tile t = new Tile(n, c, tl, rep);
        long off = 0;
        List<Operand> ops = c.operands();
        for (int k = 0; k < ops.size(); k++) {
            if (rep[k] != k) continue;
            Operand o = ops.get(k);
            long bytes = o.maxBytes(tl.tile());
            boolean two = tl.twoCopies(k);
            String ctype;
            String label;
            if (o.role() == Role.SCRATCH) {
                ctype = "td_acc";
                label = o.name();
            } else {
                Buffer h = plan.place(o.role() == Role.IN ? n.input(o.index()) : n.output(o.index()));
                homes.add(h.symbol());
                t.home[k] = h;
                ctype = h.ctype();
                label = "tile of " + h.value().name();
            }
            t.sym[k] = new String[two ? 2 : 1];
            for (int b = 0; b < t.sym[k].length; b++) {
                String s = names.fresh("l1_", n.name() + " " + (o.role() == Role.SCRATCH ? o.name() : t.home[k].value().name()) + (b == 1 ? " 1" : ""));
                t.sym[k][b] = s;
                macros.add(new L1Macro(s, ctype, off, bytes, CNames.comment(n.name() + ": " + label + (two ? " (buffer " + b + ")" : ""))));
                off = Tiler.roundUp(off + bytes);
            }
        }
        if (off != tl.l1Bytes()) throw new IllegalStateException(n.name() + ": L1 layout " + off + " B differs from the tiler's " + tl.l1Bytes() + " B");
        int[] box = t.box;
        int boxes = 0;
        for (int k = 0; k < ops.size(); k++) {
            if (rep[k] != k || ops.get(k).role() == Role.SCRATCH) continue;
            box[k] = boxes;
            boxes += ops.get(k).axes().size();
        }
        List<Bound> bound = binder.bind(t);

        List<DimRow> dims = new ArrayList<>();
        for (int d = 0; d < c.dims().size(); d++) dims.add(new DimRow(tl.count()[d], tl.inner(d), tl.tile()[d], c.dims().get(d).extent()));
        List<OperandRow> rows = new ArrayList<>();
        for (int k = 0; k < ops.size(); k++) rows.add(operand(t, k, box[rep[k]]));
        List<CallRow> calls = new ArrayList<>();
        int seqAt = 0;
        for (Bound b : bound) {
            String struct = b.call().structType();
            calls.add(new CallRow(b.call().function(), struct, b.call().id(), b.fixed(), b.ops().size(), shared.params(new TileBinding.BindList(struct, b.ops())), seqAt,
                    b.seqLength()));
            seqAt += b.seqLength();
        }
        String comment = CNames.comment(n.name() + " (" + n.op().opType() + "): " + tl.tiles() + " tile" + (tl.tiles() == 1 ? "" : "s") + " through L1");
        return new TiledNode(names.fresh("tn_", n.name()), t.what, comment, tl.tiles(), dims, shared.dims(dims), rows, calls, boxes, bound.stream().map(Bound::call).toList());
    }

    private OperandRow operand(Tile t, int k, int box) {
        Tiler.Tiling tl = t.tiling;
        List<Operand> ops = t.contract.operands();
        Operand o = ops.get(k);
        int r = t.rep[k];
        int role = o.role() == Role.IN ? 0 : o.role() == Role.OUT ? 1 : 2;
        boolean load = r == k && o.role() == Role.IN;
        boolean store = o.role() == Role.OUT && !(r != k && ops.get(r).role() == Role.OUT);
        long period = tl.period(k);
        long regionPeriod = t.sym[r].length > 1 ? tl.regionPeriod(r) : 1;
        List<String> l1 = r == k ? List.of(t.sym[k]) : List.of();
        Buffer h = t.home[r];
        if (o.role() == Role.SCRATCH) {
            return new OperandRow(o.name(), role, r, t.sym[r].length, false, false, o.elemBytes(), -1, 0, -1, 0, 0, period, regionPeriod,
                    o.maxBytes(tl.tile()), box, l1, null, null, List.of(), null);
        }
        Layout lay = o.layout(tl.tile(), t.contract.dims());
        int eb = o.elemBytes();
        int runAxis = -1;
        long runTail = 0;
        if (lay.contiguousRun()) {
            runAxis = lay.run()[0];
            runTail = tail(o, lay.run());
        }
        int rowsAxis = -1;
        long rowsTail = 0;
        long rowStride = 0;
        if (lay.rows() != null) {
            rowsAxis = lay.rows()[0];
            rowsTail = tail(o, lay.rows());
            rowStride = eb * o.stride(lay.rows()[1]);
        }
        List<AxisRow> axes = new ArrayList<>();
        for (int i = 0; i < o.axes().size(); i++) {
            Axis a = o.axes().get(i);
            axes.add(new AxisRow(a.dim(), a.coef(), a.offset(), a.window(), a.size(), o.stride(i)));
        }
        return new OperandRow(o.name(), role, r, t.sym[r].length, load, store, eb, runAxis, runTail, rowsAxis, rowsTail, rowStride, period, regionPeriod,
                o.maxBytes(tl.tile()), box, l1, h.inL3() ? null : h.symbol(), h.inL3() ? h.symbol() : null, axes, shared.axes(axes));
    }

    /** The whole sizes of the axes after the head of a group [g0, g1]: a box's group holds n[g0] times this many elements. */
    private static long tail(Operand o, int[] g) {
        long tail = 1;
        for (int i = g[0] + 1; i <= g[1]; i++) tail *= o.axes().get(i).size();
        return tail;
    }
}
