package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.traindeeploy.codegen.BufferPlan.Buffer;
import org.traindeeploy.codegen.CEmitter.Planned;
import org.traindeeploy.codegen.NetworkModel.L1Macro;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Reshape;
import org.traindeeploy.target.Target;
import org.traindeeploy.tiling.Tiler;

/**
 * Lowering for a target with an L1 scratchpad: kernels compute only on L1. A node whose op has a
 * tile contract with dims runs as the double-buffered loop over the {@link Tiler}'s tiles
 * ({@link TileLoops}). Any other node runs as one tile: core 0 copies its input buffers from L2
 * (DMA) or L3 (RAM reads) into a fixed L1 layout, every core runs the node's kernels on those
 * copies (the same {@link OpLowering} rules, with each operand resolved to its L1 copy), and core 0
 * copies the written buffers back; barriers separate the three phases. Kernel scratch (im2col
 * columns, row statistics) lives in L1 after the operands. A node that does not fit L1 is a
 * {@link CompileException} naming it. See docs/tiled-codegen.md.
 */
final class TiledLowering {
    private final BufferPlan plan;
    private final CNames names;
    private final long l1Size;
    private final Target target;
    private final List<L1Macro> macros = new ArrayList<>();
    private final Set<String> homes = new LinkedHashSet<>();
    private final List<TileLoops.TiledNode> tiledNodes = new ArrayList<>();
    private final TileLoops.Shared shared = new TileLoops.Shared();
    private final List<WholeNode> wholeNodes = new ArrayList<>();
    private final List<StateCopy> stateCopies = new ArrayList<>();

    /** The C drivers (td_tiled.h) the step bodies call with a table. */
    static final String DRIVER_TILED = "td_run_tiled";
    static final String DRIVER_LOAD = "td_whole_load";
    static final String DRIVER_STORE = "td_whole_store";
    static final String DRIVER_STATE = "td_run_state_copy";

    /** A copy of a whole buffer between L1 and its home (td_whole_copy): {@code l2} its L2 symbol, or null when the home is L3 offset {@code l3}. */
    public record WholeCopy(String l1, String l2, String l3, long bytes) {}

    /** An L1 array checked against L1's bounds (td_l1_span). */
    public record L1Span(String symbol, long bytes) {}

    /** A node run as one tile (td_whole_node): its loads into L1 and stores back. */
    public record WholeNode(String id, String what, List<WholeCopy> in, List<WholeCopy> out, List<L1Span> check) {}

    /** A state's next value copied through L1 (td_state_copy). */
    public record StateCopy(String id, String what, String dstL2, String srcL2, String dstL3, String srcL3, long bytes, long chunk) {}

    /** The tables of the lowered nodes, for network.c. */
    List<TileLoops.TiledNode> tiledNodes() { return tiledNodes; }

    List<WholeNode> wholeNodes() { return wholeNodes; }

    TileLoops.Shared shared() { return shared; }

    List<StateCopy> stateCopies() { return stateCopies; }

    /** The L2/L3 symbols the DMA code of the lowered nodes reads or writes. */
    Set<String> homes() { return homes; }

    TiledLowering(BufferPlan plan, CNames names, Target target) {
        this.plan = plan;
        this.names = names;
        this.l1Size = target.level("L1").sizeBytes();
        this.target = target;
    }

    /** Every L1 address the lowered nodes use, for network.c's macros. */
    List<L1Macro> macros() { return macros; }

    List<Planned> lower(Node n) {
        if (Tiler.isView(n, plan::planned)) return List.of();
        java.util.List<org.traindeeploy.ir.TensorType> types = new ArrayList<>();
        for (Value v : n.inputs()) types.add(v == null ? null : v.type());
        org.traindeeploy.ir.TileContract contract = n.op().tileContract(types, n.outputs().stream().map(Value::type).toList());
        if (!contract.dims().isEmpty()) {
            // The op's contract and the tiler's choice decide the loop, the boxes and the L1 layout.
            Tiler.Tiling tiling = Tiler.tile(n, l1Size, target, plan::planned);
            TileLoops.Binder binder = TileFamilies.binder(n, names);
            if (binder == null) throw new IllegalStateException(n.op().opType() + " has a tile contract but no tiled kernel binding");
            TileLoops.TiledNode tn = new TileLoops(plan, names, macros, homes, shared).lower(n, contract, tiling, binder);
            tiledNodes.add(tn);
            return List.of(Planned.driver(DRIVER_TILED, tn.id(), tn.comment(), true, tn.kernelCalls()));
        }
        String what = literal(n.name());
        Map<org.traindeeploy.memory.Buffer, Buffer> l1 = new LinkedHashMap<>();
        Set<org.traindeeploy.memory.Buffer> loads = new LinkedHashSet<>();
        Set<org.traindeeploy.memory.Buffer> stores = new LinkedHashSet<>();
        Map<org.traindeeploy.memory.Buffer, Buffer> home = new LinkedHashMap<>();
        List<L1Macro> nodeMacros = new ArrayList<>();
        long off = 0;
        List<Value> operands = new ArrayList<>();
        for (Value v : n.inputs()) if (v != null) operands.add(v);
        operands.addAll(n.outputs());
        for (Value v : operands) {
            org.traindeeploy.memory.Buffer pb = plan.planned(v);
            if (l1.containsKey(pb)) continue;
            Buffer h = plan.place(v);
            home.put(pb, h);
            homes.add(h.symbol());
            String sym = names.fresh("l1_", n.name() + " " + h.value().name());
            Buffer copy = new Buffer(sym, h.ctype(), h.elements(), h.role(), h.value(), null, "L1", off, h.bytes());
            l1.put(pb, copy);
            nodeMacros.add(new L1Macro(sym, h.ctype(), off, h.bytes(), CNames.comment(n.name() + ": " + h.value().name())));
            off = Tiler.roundUp(off + h.bytes());
        }
        for (Value v : n.inputs()) if (v != null) loads.add(plan.planned(v));
        for (Value v : n.outputs()) stores.add(plan.planned(v));
        String sf = names.fresh("l1_scratch_f_", n.name());
        String sa = names.fresh("l1_scratch_acc_", n.name());
        plan.beginTile(l1, sf, sa);
        List<KernelCall> calls;
        long[] scratch;
        try {
            calls = OpLowering.lower(n, plan, names);
        } finally {
            scratch = plan.endTile();
        }
        if (scratch[0] > 0) {
            nodeMacros.add(new L1Macro(sf, "float", off, scratch[0] * 4, CNames.comment(n.name() + ": scratch")));
            off = Tiler.roundUp(off + scratch[0] * 4);
        }
        if (scratch[1] > 0) {
            nodeMacros.add(new L1Macro(sa, "td_acc", off, scratch[1] * 8, CNames.comment(n.name() + ": accumulator scratch")));
            off = Tiler.roundUp(off + scratch[1] * 8);
        }
        if (off > l1Size) {
            throw CompileException.atNode(n, "needs " + off + " bytes of L1 for its operands and scratch in one tile, but L1 has " + l1Size
                    + " (raise --l1; " + n.op().opType() + " is not split into tiles)");
        }
        macros.addAll(nodeMacros);
        if (calls.isEmpty()) return List.of();

        List<WholeCopy> in = new ArrayList<>();
        for (org.traindeeploy.memory.Buffer pb : loads) in.add(copy(home.get(pb), l1.get(pb)));
        List<WholeCopy> out = new ArrayList<>();
        for (org.traindeeploy.memory.Buffer pb : stores) out.add(copy(home.get(pb), l1.get(pb)));
        List<L1Span> check = nodeMacros.stream().map(m -> new L1Span(m.symbol(), m.bytes())).toList();
        WholeNode w = new WholeNode(names.fresh("wn_", n.name()), what, in, out, check);
        wholeNodes.add(w);

        List<Planned> seq = new ArrayList<>();
        // The previous node's kernels may still read L1 (other cores): wait for all before overwriting it.
        seq.add(Planned.driver(DRIVER_LOAD, w.id(), CNames.comment(n.name() + " (" + n.op().opType() + "): load into L1"), false, List.of()));
        for (int i = 0; i < calls.size(); i++) seq.add(new Planned(calls.get(i), null, i == 0));
        seq.add(Planned.driver(DRIVER_STORE, w.id(), "store", false, List.of()));
        return seq;
    }

    private static WholeCopy copy(Buffer home, Buffer l1) {
        return new WholeCopy(l1.symbol(), home.inL3() ? null : home.symbol(), home.inL3() ? home.symbol() : null, home.bytes());
    }

    /** A state takes its next value (buffers in L2 or L3) by copies through L1, in chunks of at most L1's size. */
    List<Planned> stateCopy(Buffer dst, Buffer src, String comment) {
        long chunk = Math.max(Tiler.ALIGN, l1Size / Tiler.ALIGN * Tiler.ALIGN);
        homes.add(dst.symbol());
        homes.add(src.symbol());
        StateCopy c = new StateCopy(names.fresh("sc_", dst.value().name()), literal("update " + dst.value().name()), dst.inL3() ? null : dst.symbol(),
                src.inL3() ? null : src.symbol(), dst.inL3() ? dst.symbol() : null, src.inL3() ? src.symbol() : null, dst.bytes(), chunk);
        stateCopies.add(c);
        return List.of(Planned.driver(DRIVER_STATE, c.id(), comment, false, List.of()));
    }

    /** Text safe inside a C string literal. */
    static String literal(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?' ? c : '_');
        return b.toString();
    }
}
