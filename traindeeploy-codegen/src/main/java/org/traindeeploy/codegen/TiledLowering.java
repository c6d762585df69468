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
        org.traindeeploy.tiling.TileContract contract = n.op().tileContract(types, n.outputs().stream().map(Value::type).toList());
        if (!contract.dims().isEmpty()) {
            // The op's contract and the tiler's choice decide the loop, the boxes and the L1 layout.
            Tiler.Tiling tiling = Tiler.tile(n, l1Size, target, plan::planned);
            TileLoops.Binder binder = TileFamilies.binder(n, names);
            if (binder == null) throw new IllegalStateException(n.op().opType() + " has a tile contract but no tiled kernel binding");
            return new TileLoops(plan, names, macros, homes).lower(n, contract, tiling, binder);
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

        StringBuilder in = new StringBuilder("        td_dma req = {0};\n");
        int pending = 0;
        for (L1Macro m : nodeMacros) in.append("        td_check_l1(").append(m.symbol()).append(", ").append(m.bytes()).append("u, \"").append(what).append("\");\n");
        for (org.traindeeploy.memory.Buffer pb : loads) {
            Buffer h = home.get(pb);
            Buffer c = l1.get(pb);
            if (h.bytes() == 0) continue;
            if (h.inL3()) {
                in.append("        td_l3_read((uint8_t *)").append(c.symbol()).append(", ").append(h.symbol()).append(", ").append(h.bytes())
                        .append("u, \"").append(what).append("\");\n");
            } else {
                in.append("        td_dma_in((uint8_t *)").append(c.symbol()).append(", (const uint8_t *)").append(h.symbol()).append(", 1u, ")
                        .append(h.bytes()).append("u, 0u, 0u, &req, \"").append(what).append("\");\n");
                if (++pending == BufferPlanSlots.SLOTS) {
                    in.append("        td_dma_wait(&req);\n");
                    pending = 0;
                }
            }
        }
        in.append("        td_dma_wait(&req);");
        StringBuilder out = new StringBuilder("        td_dma req = {0};\n");
        pending = 0;
        for (org.traindeeploy.memory.Buffer pb : stores) {
            Buffer h = home.get(pb);
            Buffer c = l1.get(pb);
            if (h.bytes() == 0) continue;
            if (h.inL3()) {
                out.append("        td_l3_write(").append(h.symbol()).append(", (const uint8_t *)").append(c.symbol()).append(", ").append(h.bytes())
                        .append("u, \"").append(what).append("\");\n");
            } else {
                out.append("        td_dma_out((uint8_t *)").append(h.symbol()).append(", (const uint8_t *)").append(c.symbol()).append(", 1u, ")
                        .append(h.bytes()).append("u, 0u, 0u, &req, \"").append(what).append("\");\n");
                if (++pending == BufferPlanSlots.SLOTS) {
                    out.append("        td_dma_wait(&req);\n");
                    pending = 0;
                }
            }
        }
        out.append("        td_dma_wait(&req);");

        List<Planned> seq = new ArrayList<>();
        // The previous node's kernels may still read L1 (other cores): wait for all before overwriting it.
        seq.add(new Planned(null, CNames.comment(n.name() + " (" + n.op().opType() + "): load into L1"), in.toString(), true));
        for (int i = 0; i < calls.size(); i++) seq.add(new Planned(calls.get(i), null, null, i == 0));
        seq.add(new Planned(null, "store", out.toString(), true));
        return seq;
    }

    /** A state takes its next value (buffers in L2 or L3) by copies through L1, in chunks of at most L1's size. */
    List<Planned> stateCopy(Buffer dst, Buffer src, String comment) {
        long chunk = Math.max(Tiler.ALIGN, l1Size / Tiler.ALIGN * Tiler.ALIGN);
        String what = literal("update " + dst.value().name());
        homes.add(dst.symbol());
        homes.add(src.symbol());
        String load = src.inL3() ? "td_l3_read(td_l1, " + src.symbol() + " + o, k, \"" + what + "\");"
                : "td_dma_in(td_l1, (const uint8_t *)" + src.symbol() + " + o, 1u, k, 0u, 0u, &req, \"" + what + "\");\n            td_dma_wait(&req);";
        String store = dst.inL3() ? "td_l3_write(" + dst.symbol() + " + o, td_l1, k, \"" + what + "\");"
                : "td_dma_out((uint8_t *)" + dst.symbol() + " + o, td_l1, 1u, k, 0u, 0u, &req, \"" + what + "\");\n            td_dma_wait(&req);";
        String code = "        td_dma req = {0};\n        uint32_t o;\n        (void)req;\n"
                + "        for (o = 0; o < " + dst.bytes() + "u; o += " + chunk + "u) {\n"
                + "            uint32_t k = " + dst.bytes() + "u - o < " + chunk + "u ? " + dst.bytes() + "u - o : " + chunk + "u;\n"
                + "            " + load + "\n            " + store + "\n        }";
        return List.of(new Planned(null, comment, code, true));
    }

    /** Text safe inside a C string literal. */
    static String literal(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?' ? c : '_');
        return b.toString();
    }

    /** Copies one td_dma request holds (TD_DMA_SLOTS in td_runtime.h). */
    static final class BufferPlanSlots {
        static final int SLOTS = 4;

        private BufferPlanSlots() {}
    }
}
