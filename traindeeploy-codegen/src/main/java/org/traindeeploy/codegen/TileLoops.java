package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.traindeeploy.codegen.BufferPlan.Buffer;
import org.traindeeploy.codegen.CEmitter.Planned;
import org.traindeeploy.codegen.NetworkModel.L1Macro;
import org.traindeeploy.ir.Node;
import org.traindeeploy.tiling.TileContract;
import org.traindeeploy.tiling.TileContract.Axis;
import org.traindeeploy.tiling.TileContract.Layout;
import org.traindeeploy.tiling.TileContract.Operand;
import org.traindeeploy.tiling.TileContract.Role;
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

    TileLoops(BufferPlan plan, CNames names, List<L1Macro> macros, Set<String> homes) {
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
        final String what;

        Tile(Node node, TileContract contract, Tiler.Tiling tiling, int[] rep) {
            this.node = node;
            this.contract = contract;
            this.tiling = tiling;
            this.rep = rep;
            this.sym = new String[contract.operands().size()][];
            this.home = new Buffer[contract.operands().size()];
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

        /** The C pointer to operand k's box in this tile. */
        String ptr(int k) {
            int r = rep[k];
            String[] s = sym[r];
            return s.length == 1 ? s[0] : "(q" + r + " ? " + s[1] + " : " + s[0] + ")";
        }

        /** Buffer 0's symbol (for the constant argument struct). */
        String sym0(int k) { return sym[rep[k]][0]; }

        /** First index of axis i of operand k's box in this tile. */
        String lo(int k, int i) { return "lo" + rep[k] + "_" + i; }

        /** Length of axis i of operand k's box in this tile. */
        String len(int k, int i) { return "n" + rep[k] + "_" + i; }

        /** 1 when output k adds to what the earlier tiles of its group wrote, else 0. */
        String acc(int k) {
            long p = tiling.period(k);
            return p == 1 ? "0" : "(t % " + p + " != 0)";
        }

        /** Start (s) and extent (e) of dim d. */
        String s(int d) { return "s" + d; }

        String e(int d) { return "e" + d; }

        /** Tile size of dim d (the full tile). */
        int size(int d) { return tiling.tile()[d]; }

        /** The index of the contract's dim called {@code name}, or −1 when the contract has none. */
        int dim(String name) {
            for (int d = 0; d < contract.dims().size(); d++) if (contract.dims().get(d).name().equals(name)) return d;
            return -1;
        }

        /** The tile size of the dim called {@code name} (1 when the contract left it out). */
        int size(String name) { return dim(name) < 0 ? 1 : size(dim(name)); }

        /** The C expression of this tile's extent along the dim called {@code name} ("1" when left out). */
        String e(String name) { return dim(name) < 0 ? "1" : "e" + dim(name); }

        /** The C expression of this tile's start along the dim called {@code name} ("0" when left out). */
        String s(String name) { return dim(name) < 0 ? "0" : "s" + dim(name); }

        /** The largest box length of axis i of operand k. */
        int maxLen(int k, int i) {
            Axis a = contract.operands().get(k).axes().get(i);
            return (int) (a.dim() < 0 ? a.window() : a.maxLength(size(a.dim())));
        }
    }

    /** One kernel invocation per tile: the constant struct, its C type, and the per-tile assignments. */
    record Bound(KernelCall call, String argType, String setup) {}

    interface Binder {
        List<Bound> bind(Tile t);
    }

    List<Planned> lower(Node n, TileContract c, Tiler.Tiling tl, Binder binder) {
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
        List<Bound> bound = binder.bind(t);
        return List.of(new Planned(null, CNames.comment(n.name() + " (" + n.op().opType() + "): " + tl.tiles() + " tile" + (tl.tiles() == 1 ? "" : "s") + " through L1"),
                code(t, bound), true, true, bound.stream().map(Bound::call).toList()));
    }

    // ---- the loop ----------------------------------------------------------------------------

    private String code(Tile t, List<Bound> bound) {
        Tiler.Tiling tl = t.tiling;
        List<Operand> ops = t.contract.operands();
        StringBuilder c = new StringBuilder();
        c.append("    {\n");
        c.append("    td_dma rq[").append(ops.size()).append("][2];\n    int32_t t;\n");
        c.append("    memset(rq, 0, sizeof rq);\n");
        c.append("    if (td_core_id() == 0) {\n");
        for (int k = 0; k < ops.size(); k++) {
            if (t.rep[k] != k || ops.get(k).role() == Role.SCRATCH) continue;
            c.append("        td_check_l1(").append(t.sym[k][0]).append(", ").append(ops.get(k).maxBytes(tl.tile())).append("u, \"").append(t.what).append("\");\n");
            if (t.sym[k].length > 1) c.append("        td_check_l1(").append(t.sym[k][1]).append(", ").append(ops.get(k).maxBytes(tl.tile())).append("u, \"").append(t.what).append("\");\n");
        }
        c.append(coords(t, "0", "", "        "));
        for (int k = 0; k < ops.size(); k++) if (loads(t, k)) c.append(box(t, k, "", "0", "        "));
        c.append("    }\n");
        c.append("    for (t = 0; t < ").append(tl.tiles()).append("; t++) {\n");
        c.append(coords(t, "t", "", "        "));
        for (int k = 0; k < ops.size(); k++) {
            if (t.rep[k] != k || t.sym[k].length == 1) continue;
            c.append("        const int32_t q").append(k).append(" = (int32_t)((t / ").append(tl.regionPeriod(k)).append(") & 1);\n");
        }
        c.append("        if (td_core_id() == 0) {\n");
        for (int k = 0; k < ops.size(); k++) {
            if (t.rep[k] != k || ops.get(k).role() == Role.SCRATCH) continue;
            c.append("            td_dma_wait(&rq[").append(k).append("][").append(t.sym[k].length == 1 ? "0" : "q" + k).append("]);\n");
        }
        StringBuilder next = new StringBuilder();
        for (int k = 0; k < ops.size(); k++) {
            if (!loads(t, k) || t.sym[k].length == 1) continue;
            long p = tl.regionPeriod(k);
            next.append("                if ((t + 1) % ").append(p).append(" == 0) {\n");
            next.append("                    const int32_t qn = (int32_t)(((t + 1) / ").append(p).append(") & 1);\n");
            next.append("                    td_dma_wait(&rq[").append(k).append("][qn]);\n");
            next.append(box(t, k, "x", "qn", "                    "));
            next.append("                }\n");
        }
        if (next.length() > 0) {
            c.append("            if (t + 1 < ").append(tl.tiles()).append(") {\n");
            c.append(coords(t, "t + 1", "x", "                "));
            c.append(next);
            c.append("            }\n");
        }
        c.append("        }\n        td_barrier();\n");
        for (Bound b : bound) {
            c.append("        {\n        ").append(b.argType()).append(" a = ").append(b.call().id()).append(";\n");
            c.append(b.setup());
            c.append("        ").append(b.call().function()).append("(&a);\n        }\n");
        }
        c.append("        td_barrier();\n");
        StringBuilder stores = new StringBuilder();
        for (int k = 0; k < ops.size(); k++) {
            Operand o = ops.get(k);
            if (o.role() != Role.OUT || t.rep[k] != k && ops.get(t.rep[k]).role() == Role.OUT) continue;
            long p = tl.period(k);
            String q = t.sym[t.rep[k]].length == 1 ? "0" : "q" + t.rep[k];
            String body = box(t, k, "", q, "            ");
            if (p == 1) stores.append(body);
            else stores.append("            if ((t + 1) % ").append(p).append(" == 0) {\n").append(indent(body)).append("            }\n");
        }
        if (stores.length() > 0) c.append("        if (td_core_id() == 0) {\n").append(stores).append("        }\n");
        c.append("    }\n");
        c.append("    if (td_core_id() == 0) {\n");
        for (int k = 0; k < ops.size(); k++) {
            if (t.rep[k] != k || ops.get(k).role() == Role.SCRATCH) continue;
            for (int b = 0; b < t.sym[k].length; b++) c.append("        td_dma_wait(&rq[").append(k).append("][").append(b).append("]);\n");
        }
        c.append("    }\n    }\n");
        return c.toString();
    }

    /** Whether operand k is a region that is loaded (an input not sharing an earlier input's DMA). */
    private static boolean loads(Tile t, int k) { return t.rep[k] == k && t.contract.operands().get(k).role() == Role.IN; }

    private static String indent(String s) { return s.replaceAll("(?m)^", "    "); }

    /** Tile coordinates of tile index {@code idx}: s_d, e_d (with suffix) per dim and every region's box variables. */
    private String coords(Tile t, String idx, String sfx, String ind) {
        Tiler.Tiling tl = t.tiling;
        List<TileContract.Dim> dims = t.contract.dims();
        StringBuilder c = new StringBuilder();
        for (int d = 0; d < dims.size(); d++) {
            int ext = dims.get(d).extent();
            int size = tl.tile()[d];
            c.append(ind).append("const int32_t s").append(d).append(sfx).append(" = (int32_t)(((").append(idx).append(") / ").append(tl.inner(d)).append(") % ")
                    .append(tl.count()[d]).append(") * ").append(size).append(";\n");
            c.append(ind).append("const int32_t e").append(d).append(sfx).append(" = ").append(ext).append(" - s").append(d).append(sfx).append(" < ").append(size)
                    .append(" ? ").append(ext).append(" - s").append(d).append(sfx).append(" : ").append(size).append(";\n");
        }
        List<Operand> ops = t.contract.operands();
        for (int k = 0; k < ops.size(); k++) {
            if (t.rep[k] != k || ops.get(k).role() == Role.SCRATCH) continue;
            List<Axis> axes = ops.get(k).axes();
            for (int i = 0; i < axes.size(); i++) {
                Axis a = axes.get(i);
                String lo;
                String len;
                if (a.dim() < 0) {
                    lo = Integer.toString(a.offset());
                    len = Integer.toString(a.window());
                } else if (a.coef() == 1 && a.offset() == 0 && a.window() == 1) {
                    lo = "s" + a.dim() + sfx;
                    len = "e" + a.dim() + sfx;
                } else {
                    String s = "s" + a.dim() + sfx;
                    String e = "e" + a.dim() + sfx;
                    lo = clamp(a.coef() + " * " + s + " + (" + a.offset() + ")", a.size());
                    len = clamp(a.coef() + " * (" + s + " + " + e + " - 1) + (" + ((long) a.offset() + a.window()) + ")", a.size()) + " - lo" + k + "_" + i + sfx;
                }
                c.append(ind).append("const int32_t lo").append(k).append("_").append(i).append(sfx).append(" = ").append(lo).append(";\n");
                c.append(ind).append("const int32_t n").append(k).append("_").append(i).append(sfx).append(" = ").append(len).append(";\n");
            }
        }
        // Not every variable is read by every loop.
        for (int d = 0; d < dims.size(); d++) c.append(ind).append("(void)s").append(d).append(sfx).append("; (void)e").append(d).append(sfx).append(";\n");
        for (int k = 0; k < ops.size(); k++) {
            if (t.rep[k] != k || ops.get(k).role() == Role.SCRATCH) continue;
            for (int i = 0; i < ops.get(k).axes().size(); i++) {
                c.append(ind).append("(void)lo").append(k).append("_").append(i).append(sfx).append("; (void)n").append(k).append("_").append(i).append(sfx).append(";\n");
            }
        }
        return c.toString();
    }

    private static String clamp(String v, int size) {
        return "td_clamp_i32(" + v + ", " + size + ")";
    }

    /** The DMA (or L3 copy) of operand k's box for the tile whose variables end in {@code sfx}, into/out of buffer {@code q}. */
    private String box(Tile t, int k, String sfx, String q, String ind) {
        Operand o = t.contract.operands().get(k);
        int r = t.rep[k];
        Layout lay = o.layout(t.tiling.tile(), t.contract.dims());
        List<Axis> axes = o.axes();
        int eb = o.elemBytes();
        StringBuilder base = new StringBuilder("0");
        for (int i = 0; i < axes.size(); i++) {
            long st = o.stride(i);
            if (axes.get(i).dim() < 0 && axes.get(i).offset() == 0) continue;
            base.append(" + (uint32_t)lo").append(r).append("_").append(i).append(sfx).append(" * ").append(st).append("u");
        }
        String rows;
        String rowBytes;
        String stride;
        if (lay.contiguousRun()) {
            rowBytes = eb + "u * " + groupLen(o, r, lay.run(), sfx);
            if (lay.rows() == null) {
                rows = "1u";
                stride = rowBytes;
            } else {
                rows = groupLen(o, r, lay.rows(), sfx);
                stride = eb * o.stride(lay.rows()[1]) + "u";
            }
        } else {
            rows = groupLen(o, r, lay.rows(), sfx);
            rowBytes = eb + "u";
            stride = eb * o.stride(lay.rows()[1]) + "u";
        }
        String l1 = "(uint8_t *)" + (t.sym[r].length == 1 ? t.sym[r][0] : "(" + q + " ? " + t.sym[r][1] + " : " + t.sym[r][0] + ")");
        Buffer h = t.home[r];
        boolean in = o.role() == Role.IN;
        String off = eb + "u * (" + base + ")";
        StringBuilder c = new StringBuilder();
        if (h.inL3()) {
            c.append(ind).append("{ uint32_t rr; for (rr = 0; rr < (uint32_t)(").append(rows).append("); rr++) ");
            if (in) c.append("td_l3_read(").append(l1).append(" + (size_t)rr * (").append(rowBytes).append("), ").append(h.symbol()).append(" + ").append(off)
                    .append(" + rr * (").append(stride).append("), (uint32_t)(").append(rowBytes).append("), \"").append(t.what).append("\"); }\n");
            else c.append("td_l3_write(").append(h.symbol()).append(" + ").append(off).append(" + rr * (").append(stride).append("), ").append(l1)
                    .append(" + (size_t)rr * (").append(rowBytes).append("), (uint32_t)(").append(rowBytes).append("), \"").append(t.what).append("\"); }\n");
            return c.toString();
        }
        String homePtr = "(uint8_t *)" + h.symbol() + " + " + off;
        String req = "&rq[" + r + "][" + q + "]";
        if (in) c.append(ind).append("td_dma_in(").append(l1).append(", ").append(homePtr).append(", (uint32_t)(").append(rows).append("), (uint32_t)(").append(rowBytes)
                .append("), (uint32_t)(").append(rowBytes).append("), (uint32_t)(").append(stride).append("), ").append(req).append(", \"").append(t.what).append("\");\n");
        else c.append(ind).append("td_dma_out(").append(homePtr).append(", ").append(l1).append(", (uint32_t)(").append(rows).append("), (uint32_t)(").append(rowBytes)
                .append("), (uint32_t)(").append(stride).append("), (uint32_t)(").append(rowBytes).append("), ").append(req).append(", \"").append(t.what).append("\");\n");
        return c.toString();
    }

    /** Elements of a group of axes [g0, g1] in the box: the head's length times the (whole) sizes after it. */
    private static String groupLen(Operand o, int r, int[] g, String sfx) {
        long tail = 1;
        for (int i = g[0] + 1; i <= g[1]; i++) tail *= o.axes().get(i).size();
        return "(uint32_t)n" + r + "_" + g[0] + sfx + " * " + tail + "u";
    }
}
