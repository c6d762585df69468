package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.traindeeploy.codegen.BufferPlan.Buffer;
import org.traindeeploy.codegen.CEmitter.Planned;
import org.traindeeploy.codegen.KernelCall.Broadcast;
import org.traindeeploy.codegen.KernelCall.ConvGeometry;
import org.traindeeploy.codegen.KernelCall.PoolGeometry;
import org.traindeeploy.codegen.NetworkModel.L1Macro;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.*;

/**
 * Multi-tile execution of a node whose operands do not fit L1 in one piece. The node's work is cut
 * along a few dimensions (its family's geometry, below); every tile is single-buffered:
 *
 * <pre>
 * for each tile (all cores run the loop; the tile's bounds are the same on every core):
 *     args = the kernel's constant struct (full-tile shapes, L1 pointers), with the edge tile's extents
 *     barrier; core 0: DMA each operand's box L2 -> L1 (a contiguous range or a 2-D strided block); wait
 *     barrier; kernel(&amp;args) on all cores
 *     barrier; core 0: DMA the output box L1 -> L2; wait
 * </pre>
 *
 * <p>Families (every box is contiguous or one 2-D block of the row-major tensor):
 * <ul>
 * <li>elementwise (Unary, UnaryGrad, Binary with same-shape or scalar operands): chunks of the flat output;
 * <li>rows (LayerNormalization rows, Softmax outer rows): row blocks, γ/β whole;
 * <li>Linear: M rows (x, y contiguous) × N columns (W column block by 2-D DMA, or row block when
 *     transposed; y column block by 2-D DMA); K whole;
 * <li>MatMul: one batch matrix at a time × M rows;
 * <li>Conv (group 1): one image × output-channel block × output-row block; the input rows with
 *     halo are loaded for all channels (2-D DMA) and the tile's top padding becomes
 *     {@code pt + firstLoadedRow − r0·sh}, its bottom padding is the end of the loaded rows; the
 *     tile runs td_conv_direct (no im2col scratch);
 * <li>MaxPool: plane block × output-row block, input rows with halo as for Conv;
 * <li>region copies (Transpose, Split, Slice, Expand writing a whole contiguous output): blocks of
 *     the output axis with the largest source stride; the source range those elements span is
 *     one contiguous load.
 * </ul>
 * Tile sizes: the fewest tiles whose boxes fit L1. Not yet: reduction splits that accumulate
 * (K of Linear, input channels of Conv), gradients of windows, double buffering.
 */
final class TileLoops {
    private final BufferPlan plan;
    private final CNames names;
    private final long l1Size;
    private final List<L1Macro> macros;
    private final java.util.Set<String> homes;

    TileLoops(BufferPlan plan, CNames names, long l1Size, List<L1Macro> macros, java.util.Set<String> homes) {
        this.plan = plan;
        this.names = names;
        this.l1Size = l1Size;
        this.macros = macros;
        this.homes = homes;
    }

    /** The node as a loop over tiles, or null when its family is not tiled (the caller reports the size). */
    List<Planned> lower(Node n) {
        Op op = n.op();
        for (Value v : n.inputs()) if (v != null && v.type().dtype() == org.traindeeploy.ir.DType.DOUBLE) return null;
        if (op instanceof Relu || op instanceof Gelu || op instanceof Neg || op instanceof Exp || op instanceof Sqrt || op instanceof Erf
                || op instanceof Clip || op instanceof ReluGrad || op instanceof GeluGrad || op instanceof ClipGrad
                || op instanceof Add || op instanceof Sub || op instanceof Mul || op instanceof Div || op instanceof Pow) {
            return elementwise(n);
        }
        if (op instanceof LayerNormalization ln) return layerNorm(n, ln);
        if (op instanceof org.traindeeploy.ops.LayerNormGrad lg) return layerNormGrad(n, lg);
        if (op instanceof org.traindeeploy.ops.Softmax sm) return softmax(n, sm);
        if (op instanceof org.traindeeploy.ops.SoftmaxGrad sg) return softmaxGrad(n, sg);
        if (op instanceof SgdUpdate sgd) return sgd(n, sgd);
        if (op instanceof org.traindeeploy.ops.LinearGradWeight lg) return linearGradWeight(n, lg);
        if (op instanceof MaxPoolGrad mg) return maxpoolGrad(n, mg);
        if (op instanceof ReduceSum rs) return reduceSum(n, rs);
        if (op instanceof org.traindeeploy.ops.ConvGradWeight cg) return convGradWeight(n, cg);
        if (op instanceof org.traindeeploy.ops.Linear li) return linear(n, li);
        if (op instanceof org.traindeeploy.ops.MatMul) return matmul(n);
        if (op instanceof org.traindeeploy.ops.Conv cv) return conv(n, cv);
        if (op instanceof MaxPool mp) return maxpool(n, mp);
        if (op instanceof Transpose || op instanceof Split || op instanceof Slice || op instanceof Expand || op instanceof Concat) return copies(n);
        return null;
    }

    // ---- tile choice ------------------------------------------------------------------------

    /** Tile sizes for dims of the given extents (candidates ⌈e/k⌉), the fewest tiles that fit; null if none. */
    private int[] choose(int[] extents, boolean[] splittable, ToLongFunction<int[]> bytes) {
        List<int[]> cands = new ArrayList<>();
        for (int d = 0; d < extents.length; d++) {
            List<Integer> c = new ArrayList<>();
            int e = Math.max(1, extents[d]);
            if (!splittable[d]) c.add(e);
            else for (int k = 1; k <= e; k++) {
                int t = (e + k - 1) / k;
                if (c.isEmpty() || c.get(c.size() - 1) != t) c.add(t);
            }
            cands.add(c.stream().mapToInt(Integer::intValue).toArray());
        }
        int[] best = null;
        long bestTiles = Long.MAX_VALUE;
        int[] idx = new int[extents.length];
        while (true) {
            int[] t = new int[extents.length];
            long tiles = 1;
            for (int d = 0; d < t.length; d++) {
                t[d] = cands.get(d)[idx[d]];
                tiles *= (Math.max(1, extents[d]) + t[d] - 1) / t[d];
            }
            if (tiles < bestTiles && bytes.applyAsLong(t) <= l1Size) {
                bestTiles = tiles;
                best = t;
            }
            int d = t.length - 1;
            while (d >= 0 && ++idx[d] == cands.get(d).length) idx[d--] = 0;
            if (d < 0) break;
        }
        return best;
    }

    private static long r16(long b) { return (b + TiledLowering.ALIGN - 1) / TiledLowering.ALIGN * TiledLowering.ALIGN; }

    // ---- code helpers -----------------------------------------------------------------------

    /** One operand's L1 region for this node's loop. */
    private record Region(Buffer home, Buffer l1) {}

    private final class Loop {
        final Node node;
        final String what;
        final Map<org.traindeeploy.memory.Buffer, Region> regions = new LinkedHashMap<>();
        final List<KernelCall> uses = new ArrayList<>();
        long off;
        final StringBuilder c = new StringBuilder();

        Loop(Node node) {
            this.node = node;
            this.what = TiledLowering.literal(node.name());
        }

        /** The L1 region of v, {@code bytes} long (the full tile's box). */
        Region region(Value v, long bytes) {
            org.traindeeploy.memory.Buffer pb = plan.planned(v);
            Region r = regions.get(pb);
            if (r != null) return r;
            Buffer h = plan.place(v);
            homes.add(h.symbol());
            String sym = names.fresh("l1_", node.name() + " " + h.value().name());
            Buffer copy = new Buffer(sym, h.ctype(), (int) (bytes / Math.max(1, h.value().type().dtype().bytes())), h.role(), h.value(), null, "L1", off, bytes);
            macros.add(new L1Macro(sym, h.ctype(), off, bytes, CNames.comment(node.name() + ": tile of " + h.value().name())));
            off = r16(off + bytes);
            r = new Region(h, copy);
            regions.put(pb, r);
            return r;
        }

        /** Copy a box rows × rowBytes (home stride, byte offset base) between home and L1 (contiguous there). */
        String box(Region r, boolean in, String rows, String rowBytes, String stride, String base) {
            Buffer h = r.home();
            String l1 = "(uint8_t *)" + r.l1().symbol();
            if (h.inL3()) {
                return "            { int32_t rr; for (rr = 0; rr < (int32_t)(" + rows + "); rr++) "
                        + (in ? "td_l3_read(" + l1 + " + (size_t)rr * (" + rowBytes + "), " + h.symbol() + " + (uint32_t)(" + base + ") + (uint32_t)rr * (" + stride
                                + "), (uint32_t)(" + rowBytes + "), \"" + what + "\"); }\n"
                              : "td_l3_write(" + h.symbol() + " + (uint32_t)(" + base + ") + (uint32_t)rr * (" + stride + "), " + l1 + " + (size_t)rr * (" + rowBytes
                                + "), (uint32_t)(" + rowBytes + "), \"" + what + "\"); }\n");
            }
            String home = "(uint8_t *)" + h.symbol() + " + (" + base + ")";
            return in ? "            td_dma_in(" + l1 + ", " + home + ", (uint32_t)(" + rows + "), (uint32_t)(" + rowBytes + "), (uint32_t)(" + rowBytes + "), (uint32_t)("
                    + stride + "), &req, \"" + what + "\");\n            td_dma_wait(&req);\n"
                    : "            td_dma_out(" + home + ", " + l1 + ", (uint32_t)(" + rows + "), (uint32_t)(" + rowBytes + "), (uint32_t)(" + stride + "), (uint32_t)("
                    + rowBytes + "), &req, \"" + what + "\");\n            td_dma_wait(&req);\n";
        }

        /**
         * Emit one loop nest over {@code dims} (extent, tile) with loop variables s0.. and tile extents
         * e0..; {@code setup} sets the kernel args {@code a} (a copy of {@code call}'s struct), {@code loads}
         * and {@code stores} are core 0's copies.
         */
        /** An L1 region that is not an operand (kernel scratch), of {@code bytes}. */
        String scratch(String ctype, String label, long bytes) {
            String sym = names.fresh("l1_", node.name() + " " + label);
            macros.add(new L1Macro(sym, ctype, off, bytes, CNames.comment(node.name() + ": " + label)));
            off = r16(off + bytes);
            return sym;
        }

        void nest(int[] extents, int[] tiles, KernelCall call, String argType, String setup, String loads, String stores) {
            nest(extents, tiles, call, argType, setup, loads, stores, "", "");
        }

        /**
         * As above, with core 0's code before the loops ({@code pre}: e.g. load what every tile reads,
         * zero accumulators) and after them ({@code post}: store accumulators); both may use {@code req}.
         */
        void nest(int[] extents, int[] tiles, KernelCall call, String argType, String setup, String loads, String stores, String pre, String post) {
            uses.add(call);
            if (!pre.isEmpty()) c.append("    td_barrier();\n    if (td_core_id() == 0) {\n        td_dma req = {0};\n        (void)req;\n").append(pre).append("    }\n");
            c.append("    {\n");
            for (int d = 0; d < extents.length; d++) c.append("    int32_t s").append(d).append(";\n");
            for (int d = 0; d < extents.length; d++) {
                c.append("    for (s").append(d).append(" = 0; s").append(d).append(" < ").append(extents[d]).append("; s").append(d).append(" += ").append(tiles[d]).append(") {\n");
            }
            c.append("        td_dma req = {0};\n");
            for (int d = 0; d < extents.length; d++) {
                c.append("        const int32_t e").append(d).append(" = ").append(extents[d]).append(" - s").append(d).append(" < ").append(tiles[d]).append(" ? ")
                        .append(extents[d]).append(" - s").append(d).append(" : ").append(tiles[d]).append(";\n");
            }
            c.append("        ").append(argType).append(" a = ").append(call.id()).append(";\n");
            for (int d = 0; d < extents.length; d++) c.append("        (void)e").append(d).append(";\n");
            c.append("        (void)req;\n");
            c.append(setup);
            c.append("        td_barrier();\n        if (td_core_id() == 0) {\n").append(loads).append("        }\n        td_barrier();\n");
            c.append("        ").append(call.function()).append("(&a);\n");
            c.append("        td_barrier();\n        if (td_core_id() == 0) {\n").append(stores).append("        }\n");
            for (int d = 0; d < extents.length; d++) c.append("    }\n");
            c.append("    }\n");
            if (!post.isEmpty()) c.append("    td_barrier();\n    if (td_core_id() == 0) {\n        td_dma req = {0};\n        (void)req;\n").append(post).append("    }\n");
        }

        List<Planned> done() {
            if (off > l1Size) return null;
            StringBuilder checks = new StringBuilder("    if (td_core_id() == 0) {\n");
            for (Region r : regions.values()) {
                checks.append("        td_check_l1(").append(r.l1().symbol()).append(", ").append(r.l1().bytes()).append("u, \"").append(what).append("\");\n");
            }
            checks.append("    }\n");
            String comment = CNames.comment(node.name() + " (" + node.op().opType() + "): tiles through L1");
            return List.of(new Planned(null, comment, checks + c.toString(), true, true, List.copyOf(uses)));
        }
    }

    private static String min(String a, String b) { return "((" + a + ") < (" + b + ") ? (" + a + ") : (" + b + "))"; }

    private static String max(String a, String b) { return "((" + a + ") > (" + b + ") ? (" + a + ") : (" + b + "))"; }

    // ---- families ---------------------------------------------------------------------------

    private List<Planned> elementwise(Node n) {
        Value y = n.output(0);
        int size = y.type().size();
        List<Value> ins = new ArrayList<>();
        for (Value v : n.inputs()) if (v != null) ins.add(v);
        for (Value v : ins) {
            if (v.type().dtype() != org.traindeeploy.ir.DType.FLOAT) return null;
            if (v.type().size() != size && v.type().size() != 1) return null;
        }
        if (n.op() instanceof ReluGrad || n.op() instanceof GeluGrad || n.op() instanceof ClipGrad) {
            if (!ins.get(0).type().equals(ins.get(1).type())) return null;
        }
        int[] t = choose(new int[] {size}, new boolean[] {true}, tt -> {
            java.util.Set<org.traindeeploy.memory.Buffer> seen = new java.util.HashSet<>();
            long b = 0;
            for (Value v : ins) if (seen.add(plan.planned(v))) b += r16(v.type().size() == 1 ? 4 : 4L * tt[0]);
            if (seen.add(plan.planned(y))) b += r16(4L * tt[0]);
            return b;
        });
        if (t == null) return null;
        Loop l = new Loop(n);
        StringBuilder loads = new StringBuilder();
        Map<Value, Region> rs = new LinkedHashMap<>();
        for (Value v : ins) {
            boolean whole = v.type().size() == 1 && size != 1;
            Region r = l.region(v, whole ? 4 : 4L * t[0]);
            if (rs.containsValue(r)) {
                rs.put(v, r);
                continue;
            }
            rs.put(v, r);
            loads.append(whole ? l.box(r, true, "1", "4", "4", "0") : l.box(r, true, "1", "4 * e0", "4 * e0", "4 * s0"));
        }
        Region ry = l.region(y, 4L * t[0]);
        String stores = l.box(ry, false, "1", "4 * e0", "4 * e0", "4 * s0");
        KernelCall call;
        String type;
        String setup;
        String id = names.fresh("k_", n.name());
        String ys = ry.l1().symbol();
        if (n.op() instanceof Add || n.op() instanceof Sub || n.op() instanceof Mul || n.op() instanceof Div || n.op() instanceof Pow) {
            String o = n.op() instanceof Add ? "TD_ADD" : n.op() instanceof Sub ? "TD_SUB" : n.op() instanceof Mul ? "TD_MUL" : n.op() instanceof Div ? "TD_DIV" : "TD_POW";
            Value a = ins.get(0);
            Value b = ins.get(1);
            int[] shape = {t[0]};
            int[] sa = {a.type().size() == size ? 1 : 0};
            int[] sb = {b.type().size() == size ? 1 : 0};
            boolean contiguous = sa[0] == 1 && sb[0] == 1;
            Broadcast view = new Broadcast(1, t[0], contiguous, shape, List.of(sa, sb, new int[1]));
            call = new KernelCall.Binary(id, ys, rs.get(a).l1().symbol(), rs.get(b).l1().symbol(), o, view);
            type = "td_binary_args";
            setup = "        a.view.n = e0;\n        a.view.shape[0] = e0;\n";
        } else if (n.op() instanceof ReluGrad || n.op() instanceof GeluGrad || n.op() instanceof ClipGrad) {
            double lo = n.op() instanceof ClipGrad cg ? cg.min() : 0;
            double hi = n.op() instanceof ClipGrad cg ? cg.max() : 0;
            String o = n.op() instanceof ReluGrad ? "TD_RELU_GRAD" : n.op() instanceof GeluGrad gg ? (gg.tanh() ? "TD_GELU_TANH_GRAD" : "TD_GELU_GRAD") : "TD_CLIP_GRAD";
            call = new KernelCall.UnaryGrad(id, ys, rs.get(ins.get(0)).l1().symbol(), rs.get(ins.get(1)).l1().symbol(), t[0], o, CLiterals.ofDouble(lo), CLiterals.ofDouble(hi));
            type = "td_unary_grad_args";
            setup = "        a.n = e0;\n";
        } else {
            Op op = n.op();
            String o = op instanceof Relu ? "TD_RELU" : op instanceof Gelu g ? (g.tanh() ? "TD_GELU_TANH" : "TD_GELU") : op instanceof Neg ? "TD_NEG"
                    : op instanceof Exp ? "TD_EXP" : op instanceof Sqrt ? "TD_SQRT" : op instanceof Erf ? "TD_ERF" : "TD_CLIP";
            double lo = op instanceof Clip c ? c.min() : 0;
            double hi = op instanceof Clip c ? c.max() : 0;
            call = new KernelCall.Unary(id, ys, rs.get(ins.get(0)).l1().symbol(), t[0], o, CLiterals.ofDouble(lo), CLiterals.ofDouble(hi));
            type = "td_unary_args";
            setup = "        a.n = e0;\n";
        }
        l.nest(new int[] {size}, t, call, type, setup, loads.toString(), stores);
        return l.done();
    }

    private boolean distinct(Node n) {
        java.util.Set<org.traindeeploy.memory.Buffer> seen = new java.util.HashSet<>();
        for (Value v : n.inputs()) if (v != null && !seen.add(plan.planned(v))) return false;
        for (Value v : n.outputs()) if (!seen.add(plan.planned(v))) return false;
        return true;
    }

    private List<Planned> layerNorm(Node n, LayerNormalization op) {
        if (!distinct(n)) return null;
        int[] xs = n.input(0).type().shape();
        int cols = OpSupport.product(xs, op.axis(), xs.length);
        int rows = n.input(0).type().size() / Math.max(cols, 1);
        boolean hasB = n.inputs().size() > 2 && n.input(2) != null;
        int[] t = choose(new int[] {rows}, new boolean[] {true}, tt -> 2 * r16(4L * tt[0] * cols) + (hasB ? 2 : 1) * r16(4L * cols));
        if (t == null) return null;
        Loop l = new Loop(n);
        Region x = l.region(n.input(0), 4L * t[0] * cols);
        Region g = l.region(n.input(1), 4L * cols);
        Region b = hasB ? l.region(n.input(2), 4L * cols) : null;
        Region y = l.region(n.output(0), 4L * t[0] * cols);
        String rb = "4 * " + cols + " * e0";
        String loads = l.box(x, true, "1", rb, rb, "4 * " + cols + " * s0") + l.box(g, true, "1", 4L * cols + "", 4L * cols + "", "0")
                + (hasB ? l.box(b, true, "1", 4L * cols + "", 4L * cols + "", "0") : "");
        String stores = l.box(y, false, "1", rb, rb, "4 * " + cols + " * s0");
        KernelCall call = new KernelCall.LayerNorm(names.fresh("k_", n.name()), y.l1().symbol(), x.l1().symbol(), g.l1().symbol(), hasB ? b.l1().symbol() : "NULL",
                t[0], cols, CLiterals.ofDouble(op.epsilon()));
        l.nest(new int[] {rows}, t, call, "td_layernorm_args", "        a.rows = e0;\n", loads, stores);
        return l.done();
    }

    /**
     * LayerNorm gradient by row blocks: dY, X and dX rows stream; γ is loaded once; dγ and dβ are
     * accumulators in L1 (zeroed before the loop, the kernel adds each tile's sums, stored once after).
     */
    private List<Planned> layerNormGrad(Node n, org.traindeeploy.ops.LayerNormGrad op) {
        if (!distinct(n)) return null;
        int[] xs = n.input(1).type().shape();
        int cols = OpSupport.product(xs, op.axis(), xs.length);
        int rows = n.input(1).type().size() / Math.max(cols, 1);
        if (n.input(2).type().size() != cols) return null;
        int[] t = choose(new int[] {rows}, new boolean[] {true}, tt -> 3 * r16(4L * tt[0] * cols) + 3 * r16(4L * cols) + r16(16L * tt[0]));
        if (t == null) return null;
        Loop l = new Loop(n);
        Region dy = l.region(n.input(0), 4L * t[0] * cols);
        Region x = l.region(n.input(1), 4L * t[0] * cols);
        Region g = l.region(n.input(2), 4L * cols);
        Region dx = l.region(n.output(0), 4L * t[0] * cols);
        Region dg = l.region(n.output(1), 4L * cols);
        Region db = l.region(n.output(2), 4L * cols);
        String stats = l.scratch("td_acc", "row statistics", 16L * t[0]);
        String rb = "4 * " + cols + " * e0";
        String base = "4 * " + cols + " * s0";
        String pre = l.box(g, true, "1", 4L * cols + "", 4L * cols + "", "0")
                + "        { int32_t k; for (k = 0; k < " + cols + "; k++) { " + dg.l1().symbol() + "[k] = 0; " + db.l1().symbol() + "[k] = 0; } }\n";
        String loads = l.box(dy, true, "1", rb, rb, base) + l.box(x, true, "1", rb, rb, base);
        String stores = l.box(dx, false, "1", rb, rb, base);
        String post = l.box(dg, false, "1", 4L * cols + "", 4L * cols + "", "0") + l.box(db, false, "1", 4L * cols + "", 4L * cols + "", "0");
        KernelCall call = new KernelCall.LayerNormGrad(names.fresh("k_", n.name()), dx.l1().symbol(), dg.l1().symbol(), db.l1().symbol(), dy.l1().symbol(),
                x.l1().symbol(), g.l1().symbol(), stats, t[0], cols, CLiterals.ofDouble(op.epsilon()), 1);
        l.nest(new int[] {rows}, t, call, "td_layernorm_grad_args", "        a.rows = e0;\n", loads, stores, pre, post);
        return l.done();
    }

    private List<Planned> softmax(Node n, org.traindeeploy.ops.Softmax op) {
        if (!distinct(n) || n.input(0).type().dtype() != org.traindeeploy.ir.DType.FLOAT) return null;
        int[] s = n.input(0).type().shape();
        int axis = op.axis();
        int outer = OpSupport.product(s, 0, axis);
        long inner = (long) s[axis] * OpSupport.product(s, axis + 1, s.length);
        int[] t = choose(new int[] {outer}, new boolean[] {true}, tt -> 2 * r16(4L * tt[0] * inner));
        if (t == null) return null;
        Loop l = new Loop(n);
        Region x = l.region(n.input(0), 4L * t[0] * inner);
        Region y = l.region(n.output(0), 4L * t[0] * inner);
        String rb = "4 * " + inner + " * e0";
        KernelCall call = new KernelCall.Softmax(names.fresh("k_", n.name()), y.l1().symbol(), x.l1().symbol(), t[0], s[axis], OpSupport.product(s, axis + 1, s.length));
        l.nest(new int[] {outer}, t, call, "td_softmax_args", "        a.outer = e0;\n", l.box(x, true, "1", rb, rb, "4 * " + inner + " * s0"),
                l.box(y, false, "1", rb, rb, "4 * " + inner + " * s0"));
        return l.done();
    }

    private List<Planned> linear(Node n, org.traindeeploy.ops.Linear op) {
        if (!distinct(n)) return null;
        int[] w = n.input(1).type().shape();
        int k = op.transW() ? w[1] : w[0];
        int nn = op.transW() ? w[0] : w[1];
        int rows = n.input(0).type().size() / Math.max(k, 1);
        boolean hasB = n.inputs().size() > 2 && n.input(2) != null;
        boolean hasR = n.inputs().size() > 3 && n.input(3) != null;
        int[] t = choose(new int[] {rows, nn}, new boolean[] {true, true},
                tt -> r16(4L * tt[0] * k) + r16(4L * k * tt[1]) + (hasB ? r16(4L * tt[1]) : 0) + (hasR ? 2 : 1) * r16(4L * tt[0] * tt[1]));
        if (t == null) return null;
        Loop l = new Loop(n);
        Region x = l.region(n.input(0), 4L * t[0] * k);
        Region wr = l.region(n.input(1), 4L * k * t[1]);
        Region b = hasB ? l.region(n.input(2), 4L * t[1]) : null;
        Region res = hasR ? l.region(n.input(3), 4L * t[0] * t[1]) : null;
        Region y = l.region(n.output(0), 4L * t[0] * t[1]);
        StringBuilder loads = new StringBuilder();
        loads.append(l.box(x, true, "1", "4 * " + k + " * e0", "4 * " + k + " * e0", "4 * " + k + " * s0"));
        if (hasR) loads.append(l.box(res, true, "e0", "4 * e1", 4L * nn + "", "4 * (" + nn + " * s0 + s1)"));
        if (op.transW()) loads.append(l.box(wr, true, "1", "4 * " + k + " * e1", "4 * " + k + " * e1", "4 * " + k + " * s1"));
        else loads.append(l.box(wr, true, k + "", "4 * e1", 4L * nn + "", "4 * s1"));
        if (hasB) loads.append(l.box(b, true, "1", "4 * e1", "4 * e1", "4 * s1"));
        String stores = l.box(y, false, "e0", "4 * e1", 4L * nn + "", "4 * (" + nn + " * s0 + s1)");
        KernelCall call = new KernelCall.Linear(names.fresh("k_", n.name()), y.l1().symbol(), x.l1().symbol(), wr.l1().symbol(), hasB ? b.l1().symbol() : "NULL",
                hasR ? res.l1().symbol() : "NULL", t[0], k, t[1], op.transW() ? 1 : 0, CLiterals.ofDouble(op.alpha()));
        l.nest(new int[] {rows, nn}, t, call, "td_linear_args", "        a.rows = e0;\n        a.n = e1;\n", loads.toString(), stores);
        return l.done();
    }

    private List<Planned> matmul(Node n) {
        if (!distinct(n)) return null;
        int[] as = n.input(0).type().shape();
        int[] bs = n.input(1).type().shape();
        int[] ys = n.output(0).type().shape();
        int m = as[as.length - 2];
        int k = as[as.length - 1];
        int nn = bs[bs.length - 1];
        int[] batch = java.util.Arrays.copyOf(ys, ys.length - 2);
        int[][] off = OpSupport.offsets(batch, OpSupport.broadcastStrides(java.util.Arrays.copyOf(as, as.length - 2), batch),
                OpSupport.broadcastStrides(java.util.Arrays.copyOf(bs, bs.length - 2), batch));
        int p = off[0].length;
        int[] t = choose(new int[] {p, m}, new boolean[] {false, true}, tt -> r16(4L * tt[1] * k) + r16(4L * k * nn) + r16(4L * tt[1] * nn));
        if (t == null) return null;
        Loop l = new Loop(n);
        Region a = l.region(n.input(0), 4L * t[1] * k);
        Region b = l.region(n.input(1), 4L * k * nn);
        Region y = l.region(n.output(0), 4L * t[1] * nn);
        StringBuilder oa = new StringBuilder();
        StringBuilder ob = new StringBuilder();
        for (int i = 0; i < p; i++) {
            oa.append(i == 0 ? "" : ", ").append((long) off[0][i] * m * k);
            ob.append(i == 0 ? "" : ", ").append((long) off[1][i] * k * nn);
        }
        String id = names.fresh("k_", n.name());
        // One batch matrix per tile: the outer loop walks the batch (tile 1), the inner one M's rows.
        String loads = l.box(a, true, "1", "4 * " + k + " * e1", "4 * " + k + " * e1", "4 * (mo_" + id + "[s0] + " + k + " * s1)")
                + l.box(b, true, "1", 4L * k * nn + "", 4L * k * nn + "", "4 * mo2_" + id + "[s0]");
        String stores = l.box(y, false, "1", "4 * " + nn + " * e1", "4 * " + nn + " * e1", "4 * (" + (long) m * nn + " * s0 + " + nn + " * s1)");
        KernelCall call = new KernelCall.MatMul(id, y.l1().symbol(), a.l1().symbol(), b.l1().symbol(), new int[] {0}, new int[] {0}, t[1], k, nn);
        l.c.append("    static const int32_t mo_").append(id).append("[] = {").append(oa).append("};\n");
        l.c.append("    static const int32_t mo2_").append(id).append("[] = {").append(ob).append("};\n");
        l.nest(new int[] {p, m}, new int[] {1, t[1]}, call, "td_matmul_args", "        a.m = e1;\n", loads, stores);
        return l.done();
    }

    private List<Planned> conv(Node n, org.traindeeploy.ops.Conv op) {
        if (!distinct(n) || op.group() != 1) return null;
        int[] x = n.input(0).type().shape();
        int[] w = n.input(1).type().shape();
        int[] y = n.output(0).type().shape();
        if (x.length != 4) return null;
        Window2d win = op.window(w[2], w[3]);
        int c = x[1], h = x[2], ww = x[3], m = w[0], kh = w[2], kw = w[3], oh = y[2], ow = y[3];
        boolean hasB = n.inputs().size() > 2 && n.input(2) != null;
        ToLongFunction<int[]> bytes = tt -> r16(4L * c * inRows(tt[2], win, kh, h) * ww) + r16(4L * tt[1] * c * kh * kw) + (hasB ? r16(4L * tt[1]) : 0)
                + r16(4L * tt[1] * tt[2] * ow);
        int[] t = choose(new int[] {x[0], m, oh}, new boolean[] {false, true, true}, tt -> bytes.applyAsLong(new int[] {1, tt[1], tt[2]}));
        if (t == null) return null;
        Loop l = new Loop(n);
        long rowsIn = inRows(t[2], win, kh, h);
        Region xr = l.region(n.input(0), 4L * c * rowsIn * ww);
        Region wr = l.region(n.input(1), 4L * t[1] * c * kh * kw);
        Region br = hasB ? l.region(n.input(2), 4L * t[1]) : null;
        Region yr = l.region(n.output(0), 4L * t[1] * t[2] * ow);
        // Loaded input rows [r0, r1): the rows the tile's windows reach, clipped to the image.
        String setup = "        const int32_t r0 = " + max("0", "s2 * " + win.sh() + " - " + win.pt()) + ";\n"
                + "        const int32_t r1 = " + min(h + "", "(s2 + e2 - 1) * " + win.sh() + " - " + win.pt() + " + " + ((kh - 1) * win.dh() + 1)) + ";\n"
                + "        a.g.m = e1;\n        a.g.oh = e2;\n        a.g.h = r1 - r0;\n        a.g.pt = " + win.pt() + " + r0 - s2 * " + win.sh() + ";\n";
        String loads = l.box(xr, true, c + "", "4 * " + ww + " * (r1 - r0)", 4L * h * ww + "", "4 * (" + (long) c * h * ww + " * s0 + " + ww + " * r0)")
                + l.box(wr, true, "1", "4 * " + (long) c * kh * kw + " * e1", "4 * " + (long) c * kh * kw + " * e1", "4 * " + (long) c * kh * kw + " * s1")
                + (hasB ? l.box(br, true, "1", "4 * e1", "4 * e1", "4 * s1") : "");
        String stores = l.box(yr, false, "e1", "4 * " + ow + " * e2", 4L * oh * ow + "", "4 * ((" + m + " * s0 + s1) * " + (long) oh * ow + " + " + ow + " * s2)");
        ConvGeometry g = new ConvGeometry(1, c, (int) rowsIn, ww, t[1], c, kh, kw, t[2], ow, win.sh(), win.sw(), win.pt(), win.pl(), win.dh(), win.dw(), 1);
        KernelCall call = new KernelCall.Conv(names.fresh("k_", n.name()), "td_conv_direct", yr.l1().symbol(), xr.l1().symbol(), wr.l1().symbol(),
                hasB ? br.l1().symbol() : "NULL", "NULL", g);
        l.nest(new int[] {x[0], m, oh}, new int[] {1, t[1], t[2]}, call, "td_conv_args", setup, loads, stores);
        return l.done();
    }

    /** Input rows the windows of {@code t} consecutive output rows reach (at most the image's height). */
    private static long inRows(int t, Window2d win, int kh, int h) { return Math.min(h, (long) (t - 1) * win.sh() + (long) (kh - 1) * win.dh() + 1); }

    private List<Planned> maxpool(Node n, MaxPool op) {
        if (!distinct(n)) return null;
        int[] x = n.input(0).type().shape();
        if (x.length != 4) return null;
        Window2d win = op.window();
        int planes = x[0] * x[1], h = x[2], ww = x[3], oh = win.outH(h), ow = win.outW(ww);
        int[] t = choose(new int[] {planes, oh}, new boolean[] {true, true},
                tt -> r16(4L * tt[0] * inRows(tt[1], win, win.kh(), h) * ww) + r16(4L * tt[0] * tt[1] * ow));
        if (t == null) return null;
        Loop l = new Loop(n);
        long rowsIn = inRows(t[1], win, win.kh(), h);
        Region xr = l.region(n.input(0), 4L * t[0] * rowsIn * ww);
        Region yr = l.region(n.output(0), 4L * t[0] * t[1] * ow);
        String setup = "        const int32_t r0 = " + max("0", "s1 * " + win.sh() + " - " + win.pt()) + ";\n"
                + "        const int32_t r1 = " + min(h + "", "(s1 + e1 - 1) * " + win.sh() + " - " + win.pt() + " + " + ((win.kh() - 1) * win.dh() + 1)) + ";\n"
                + "        a.g.planes = e0;\n        a.g.oh = e1;\n        a.g.h = r1 - r0;\n        a.g.pt = " + win.pt() + " + r0 - s1 * " + win.sh() + ";\n";
        String loads = l.box(xr, true, "e0", "4 * " + ww + " * (r1 - r0)", 4L * h * ww + "", "4 * (" + (long) h * ww + " * s0 + " + ww + " * r0)");
        String stores = l.box(yr, false, "e0", "4 * " + ow + " * e1", 4L * oh * ow + "", "4 * (" + (long) oh * ow + " * s0 + " + ow + " * s1)");
        PoolGeometry g = new PoolGeometry(t[0], (int) rowsIn, ww, t[1], ow, win.kh(), win.kw(), win.sh(), win.sw(), win.pt(), win.pl(), win.pb(), win.pr(),
                win.dh(), win.dw(), 0);
        KernelCall call = new KernelCall.Pool(names.fresh("k_", n.name()), "td_maxpool", yr.l1().symbol(), xr.l1().symbol(), "NULL", g);
        l.nest(new int[] {planes, oh}, t, call, "td_pool_args", setup, loads, stores);
        return l.done();
    }

    /** Region copies that write a whole contiguous output (Transpose, Split, Slice, Expand): one loop per copy. */
    private List<Planned> copies(Node n) {
        if (!distinct(n)) return null;
        // The host lowering gives each copy's geometry; the tile's calls point at L1 instead.
        List<KernelCall> calls = OpLowering.lower(n, plan, names);
        Loop l = new Loop(n);
        for (int i = 0; i < calls.size(); i++) {
            if (!(calls.get(i) instanceof KernelCall.Copy cp)) return null;
            Value xv = n.inputs().size() == calls.size() ? n.input(i) : n.input(0);
            Value yv = n.outputs().size() == calls.size() ? n.output(i) : n.output(0);
            int elem = xv.type().dtype().bytes();
            int[] shape = cp.shape();
            int rank = shape.length;
            // The copy must write one dense range of y: [yOffset, yOffset + n), y's strides those of its shape.
            int[] dense = Tensor.strides(shape);
            for (int a = 0; a < rank; a++) if (shape[a] > 1 && cp.yStrides()[a] != dense[a]) return null;
            int d = 0;
            for (int a = 0; a < rank; a++) if (cp.xStrides()[a] > cp.xStrides()[d]) d = a;
            final int dd = d;
            long rest = 0;
            for (int a = 0; a < rank; a++) if (a != d) rest += (long) (shape[a] - 1) * cp.xStrides()[a];
            final long restSpan = rest;
            long inner = OpSupport.product(shape, d + 1, rank);
            long outer = OpSupport.product(shape, 0, d);
            int xsd = cp.xStrides()[d];
            long xSize = xv.type().size();
            int[] t = choose(new int[] {shape[d]}, new boolean[] {true},
                    tt -> r16((long) elem * Math.min(xSize, (long) (tt[0] - 1) * xsd + restSpan + 1)) + r16((long) elem * outer * tt[0] * inner));
            if (t == null) return null;
            // Each copy's loop starts its L1 layout afresh (the copies run one after another).
            l.off = 0;
            l.regions.clear();
            long span = Math.min(xSize, (long) (t[0] - 1) * xsd + restSpan + 1);
            Region xr = l.region(xv, (long) elem * span);
            Region yr = l.region(yv, (long) elem * outer * t[0] * inner);
            String lo = "(" + cp.xOffset() + " + " + xsd + " * s0)";
            String len = min(xSize + " - " + lo, "(e0 - 1) * " + xsd + " + " + (restSpan + 1));
            String loads = l.box(xr, true, "1", elem + " * " + len, elem + " * " + len, elem + " * " + lo);
            String stores = l.box(yr, false, outer + "", elem + " * " + inner + " * e0", (long) elem * shape[d] * inner + "",
                    elem + " * (" + cp.yOffset() + " + " + inner + " * s0)");
            int[] ts = shape.clone();
            ts[dd] = t[0];
            KernelCall.Copy call = new KernelCall.Copy(names.fresh("k_", n.name()), yr.l1().symbol(), xr.l1().symbol(), elem, ts, Tensor.strides(ts), cp.xStrides(), 0, 0);
            StringBuilder setup = new StringBuilder("        a.shape[" + dd + "] = e0;\n        a.n = " + outer * inner + " * e0;\n");
            for (int a = 0; a < dd; a++) setup.append("        a.y_strides[").append(a).append("] = ").append(Tensor.strides(shape)[a] / shape[dd]).append(" * e0;\n");
            l.nest(new int[] {shape[d]}, t, call, "td_copy_args", setup.toString(), loads, stores);
            if (l.off > l1Size) return null;
        }
        return l.done();
    }

    private List<Planned> softmaxGrad(Node n, org.traindeeploy.ops.SoftmaxGrad op) {
        if (!distinct(n)) return null;
        int[] s = n.input(0).type().shape();
        int axis = op.axis();
        int outer = OpSupport.product(s, 0, axis);
        long inner = (long) s[axis] * OpSupport.product(s, axis + 1, s.length);
        int[] t = choose(new int[] {outer}, new boolean[] {true}, tt -> 3 * r16(4L * tt[0] * inner));
        if (t == null) return null;
        Loop l = new Loop(n);
        Region dy = l.region(n.input(0), 4L * t[0] * inner);
        Region y = l.region(n.input(1), 4L * t[0] * inner);
        Region dx = l.region(n.output(0), 4L * t[0] * inner);
        String rb = "4 * " + inner + " * e0";
        String base = "4 * " + inner + " * s0";
        KernelCall call = new KernelCall.SoftmaxGrad(names.fresh("k_", n.name()), dx.l1().symbol(), dy.l1().symbol(), y.l1().symbol(), t[0], s[axis],
                OpSupport.product(s, axis + 1, s.length));
        l.nest(new int[] {outer}, t, call, "td_softmax_grad_args", "        a.outer = e0;\n", l.box(dy, true, "1", rb, rb, base) + l.box(y, true, "1", rb, rb, base),
                l.box(dx, false, "1", rb, rb, base));
        return l.done();
    }

    /** SGD on chunks of the flat tensors (parameter, gradient, velocity; results in place or not). */
    private List<Planned> sgd(Node n, SgdUpdate op) {
        int size = n.input(0).type().size();
        boolean v = op.hasVelocity();
        List<Value> ins = new ArrayList<>(List.of(n.input(0), n.input(1)));
        if (v) ins.add(n.input(2));
        List<Value> outs = new ArrayList<>(List.of(n.output(0)));
        if (v) outs.add(n.output(1));
        for (Value x : ins) if (x.type().size() != size || x.type().dtype() != org.traindeeploy.ir.DType.FLOAT) return null;
        java.util.Set<org.traindeeploy.memory.Buffer> bufs = new java.util.HashSet<>();
        for (Value x : ins) bufs.add(plan.planned(x));
        for (Value x : outs) bufs.add(plan.planned(x));
        int count = bufs.size();
        int[] t = choose(new int[] {size}, new boolean[] {true}, tt -> count * r16(4L * tt[0]));
        if (t == null) return null;
        Loop l = new Loop(n);
        StringBuilder loads = new StringBuilder();
        java.util.Set<Region> loaded = new java.util.HashSet<>();
        List<Region> ri = new ArrayList<>();
        for (Value x : ins) {
            Region r = l.region(x, 4L * t[0]);
            ri.add(r);
            if (loaded.add(r)) loads.append(l.box(r, true, "1", "4 * e0", "4 * e0", "4 * s0"));
        }
        StringBuilder stores = new StringBuilder();
        List<Region> ro = new ArrayList<>();
        for (Value x : outs) {
            Region r = l.region(x, 4L * t[0]);
            ro.add(r);
            stores.append(l.box(r, false, "1", "4 * e0", "4 * e0", "4 * s0"));
        }
        KernelCall call = new KernelCall.Sgd(names.fresh("k_", n.name()), ro.get(0).l1().symbol(), v ? ro.get(1).l1().symbol() : "NULL", ri.get(0).l1().symbol(),
                ri.get(1).l1().symbol(), v ? ri.get(2).l1().symbol() : "NULL", t[0], CLiterals.ofDouble(op.lr()), CLiterals.ofDouble(op.momentum()),
                CLiterals.ofDouble(op.weightDecay()), op.nesterov() ? 1 : 0);
        l.nest(new int[] {size}, t, call, "td_sgd_args", "        a.n = e0;\n", loads.toString(), stores.toString());
        return l.done();
    }

    /** dW = alpha x^T dy: blocks of K (x column blocks) × N (dy column blocks); every row of the reduction in the tile. */
    private List<Planned> linearGradWeight(Node n, org.traindeeploy.ops.LinearGradWeight op) {
        if (!distinct(n)) return null;
        int k = n.input(0).type().dim(-1);
        int nn = n.input(1).type().dim(-1);
        int rows = n.input(0).type().size() / Math.max(k, 1);
        int[] t = choose(new int[] {k, nn}, new boolean[] {true, true}, tt -> r16(4L * rows * tt[0]) + r16(4L * rows * tt[1]) + r16(4L * tt[0] * tt[1]));
        if (t == null) return null;
        Loop l = new Loop(n);
        Region x = l.region(n.input(0), 4L * rows * t[0]);
        Region dy = l.region(n.input(1), 4L * rows * t[1]);
        Region dw = l.region(n.output(0), 4L * t[0] * t[1]);
        String loads = l.box(x, true, rows + "", "4 * e0", 4L * k + "", "4 * s0") + l.box(dy, true, rows + "", "4 * e1", 4L * nn + "", "4 * s1");
        String stores = op.transW() ? l.box(dw, false, "e1", "4 * e0", 4L * k + "", "4 * (" + k + " * s1 + s0)")
                : l.box(dw, false, "e0", "4 * e1", 4L * nn + "", "4 * (" + nn + " * s0 + s1)");
        KernelCall call = new KernelCall.LinearGradWeight(names.fresh("k_", n.name()), dw.l1().symbol(), x.l1().symbol(), dy.l1().symbol(), rows, t[0], t[1],
                op.transW() ? 1 : 0, CLiterals.ofDouble(op.alpha()));
        l.nest(new int[] {k, nn}, t, call, "td_linear_grad_weight_args", "        a.k = e0;\n        a.n = e1;\n", loads, stores);
        return l.done();
    }

    /** MaxPool gradient by plane blocks (windows never cross planes): dY, X and dX of the planes. */
    private List<Planned> maxpoolGrad(Node n, MaxPoolGrad op) {
        if (!distinct(n)) return null;
        int[] x = n.input(1).type().shape();
        if (x.length != 4) return null;
        Window2d win = op.window();
        int planes = x[0] * x[1], h = x[2], ww = x[3], oh = win.outH(h), ow = win.outW(ww);
        int[] t = choose(new int[] {planes}, new boolean[] {true}, tt -> 2 * r16(4L * tt[0] * h * ww) + r16(4L * tt[0] * oh * ow));
        if (t == null) return null;
        Loop l = new Loop(n);
        Region dy = l.region(n.input(0), 4L * t[0] * oh * ow);
        Region xr = l.region(n.input(1), 4L * t[0] * h * ww);
        Region dx = l.region(n.output(0), 4L * t[0] * h * ww);
        String loads = l.box(dy, true, "1", "4 * " + (long) oh * ow + " * e0", "4 * " + (long) oh * ow + " * e0", "4 * " + (long) oh * ow + " * s0")
                + l.box(xr, true, "1", "4 * " + (long) h * ww + " * e0", "4 * " + (long) h * ww + " * e0", "4 * " + (long) h * ww + " * s0");
        String stores = l.box(dx, false, "1", "4 * " + (long) h * ww + " * e0", "4 * " + (long) h * ww + " * e0", "4 * " + (long) h * ww + " * s0");
        PoolGeometry g = new PoolGeometry(t[0], h, ww, oh, ow, win.kh(), win.kw(), win.sh(), win.sw(), win.pt(), win.pl(), win.pb(), win.pr(), win.dh(), win.dw(), 0);
        KernelCall call = new KernelCall.Pool(names.fresh("k_", n.name()), "td_maxpool_grad", dx.l1().symbol(), dy.l1().symbol(), xr.l1().symbol(), g);
        l.nest(new int[] {planes}, t, call, "td_pool_args", "        a.g.planes = e0;\n", loads, stores);
        return l.done();
    }

    /** ReduceSum keeping exactly one axis d (e.g. a bias gradient): blocks of d; the box is a 2-D slab of x. */
    private List<Planned> reduceSum(Node n, ReduceSum op) {
        if (!distinct(n) || n.input(0).type().dtype() != org.traindeeploy.ir.DType.FLOAT) return null;
        int[] xs = n.input(0).type().shape();
        int[] axes = org.traindeeploy.ops.Reduce.normalize(op.axes(), xs.length);
        boolean[] red = new boolean[xs.length];
        for (int a : axes) red[a] = true;
        int d = -1;
        for (int a = 0; a < xs.length; a++) {
            if (red[a] || xs[a] == 1) continue;
            if (d >= 0) return null;
            d = a;
        }
        if (d < 0 || axes.length > KernelCall.MAX_RANK) return null;
        final int dd = d;
        long inner = OpSupport.product(xs, d + 1, xs.length);
        long outer = OpSupport.product(xs, 0, d);
        int[] t = choose(new int[] {xs[d]}, new boolean[] {true}, tt -> r16(4L * outer * tt[0] * inner) + r16(4L * tt[0]));
        if (t == null) return null;
        Loop l = new Loop(n);
        Region x = l.region(n.input(0), 4L * outer * t[0] * inner);
        Region y = l.region(n.output(0), 4L * t[0]);
        // The tile's x is [.., t, ..] row-major: its strides with axis d of extent t (set per tile below).
        int[] ts = xs.clone();
        ts[dd] = t[0];
        int[] tst = Tensor.strides(ts);
        int[] outShape = ts.clone();
        int[] redShape = new int[axes.length];
        int[] redStrides = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            outShape[axes[i]] = 1;
            redShape[i] = ts[axes[i]];
            redStrides[i] = tst[axes[i]];
        }
        StringBuilder setup = new StringBuilder("        a.n_out = e0;\n        a.out_shape[" + dd + "] = e0;\n");
        for (int a = 0; a < dd; a++) setup.append("        a.out_strides[").append(a).append("] = ").append(tst[a] / t[0]).append(" * e0;\n");
        for (int i = 0; i < axes.length; i++) if (axes[i] < dd) setup.append("        a.red_strides[").append(i).append("] = ").append(tst[axes[i]] / t[0]).append(" * e0;\n");
        KernelCall call = new KernelCall.Reduce(names.fresh("k_", n.name()), y.l1().symbol(), x.l1().symbol(), t[0], outShape, tst, redShape, redStrides,
                CLiterals.ofDouble(1));
        l.nest(new int[] {xs[d]}, t, call, "td_reduce_args", setup.toString(),
                l.box(x, true, outer + "", "4 * " + inner + " * e0", 4L * xs[dd] * inner + "", "4 * " + inner + " * s0"),
                l.box(y, false, "1", "4 * e0", "4 * e0", "4 * s0"));
        return l.done();
    }

    /** Conv weight gradient (group 1) by output-channel blocks: dY's channels of every image (2-D), X whole. */
    private List<Planned> convGradWeight(Node n, org.traindeeploy.ops.ConvGradWeight op) {
        if (!distinct(n) || op.conv().group() != 1) return null;
        int[] dys = n.input(0).type().shape();
        int[] x = n.input(1).type().shape();
        int[] w = op.weightShape();
        if (x.length != 4) return null;
        Window2d win = op.conv().window(w[2], w[3]);
        int m = w[0];
        long plane = (long) dys[2] * dys[3];
        long per = (long) w[1] * w[2] * w[3];
        long xBytes = 4L * n.input(1).type().size();
        int[] t = choose(new int[] {m}, new boolean[] {true}, tt -> r16(4L * dys[0] * tt[0] * plane) + r16(xBytes) + r16(4L * tt[0] * per));
        if (t == null) return null;
        Loop l = new Loop(n);
        Region dy = l.region(n.input(0), 4L * dys[0] * t[0] * plane);
        Region xr = l.region(n.input(1), xBytes);
        Region dw = l.region(n.output(0), 4L * t[0] * per);
        String loads = l.box(dy, true, dys[0] + "", "4 * " + plane + " * e0", 4L * m * plane + "", "4 * " + plane + " * s0")
                + l.box(xr, true, "1", xBytes + "", xBytes + "", "0");
        String stores = l.box(dw, false, "1", "4 * " + per + " * e0", "4 * " + per + " * e0", "4 * " + per + " * s0");
        ConvGeometry g = new ConvGeometry(x[0], x[1], x[2], x[3], t[0], w[1], w[2], w[3], dys[2], dys[3], win.sh(), win.sw(), win.pt(), win.pl(), win.dh(),
                win.dw(), 1);
        KernelCall call = new KernelCall.ConvGradWeight(names.fresh("k_", n.name()), dw.l1().symbol(), dy.l1().symbol(), xr.l1().symbol(), g);
        l.nest(new int[] {m}, t, call, "td_conv_grad_weight_args", "        a.g.m = e0;\n", loads, stores);
        return l.done();
    }
}
