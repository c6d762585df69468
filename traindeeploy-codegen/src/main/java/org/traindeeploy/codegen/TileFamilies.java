package org.traindeeploy.codegen;

import org.traindeeploy.ir.Op;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.traindeeploy.codegen.KernelCall.Broadcast;
import org.traindeeploy.codegen.KernelCall.ConvGeometry;
import org.traindeeploy.codegen.KernelCall.PoolGeometry;
import org.traindeeploy.codegen.TileLoops.Bound;
import org.traindeeploy.codegen.TileLoops.Tile;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ops.*;
import org.traindeeploy.ir.TileContract.Role;

/**
 * The kernel side of every tiled op family, one registry entry per op class: given a tile's boxes
 * (see {@link TileLoops.Tile}), the kernel call (its constant argument struct, a {@link KernelCall}
 * record rendered by calls/lib.ftl) and the fields of that struct that follow the tile, listed with
 * {@link TileBinding} by their C member designators (checked against the record in {@link #bound})
 * and set for every tile by td_tiled.c's one binder. The geometry itself (which
 * dims, which boxes) is the op's {@link org.traindeeploy.ir.TileContract}; a family only
 * translates box extents into kernel arguments. Every op whose contract has dims has a binder here
 * ({@code TiledCTest} checks it on every op of the conformance cases and on synthetic nodes).
 */
final class TileFamilies {
    private TileFamilies() {}

    /** A tiled kernel family: given the node's op and the kernel argument struct's name, the binding of every tile. */
    @FunctionalInterface
    private interface Family<O extends Op> {
        List<Bound> bind(Tile t, String id, O op);
    }

    /** The registry: op class (or the interface its family is keyed by: Unary, UnaryGrad, Binary) to its tiled family. */
    private static final Map<Class<? extends Op>, Family<? extends Op>> FAMILIES = new LinkedHashMap<>();

    private static <O extends Op> void on(Class<O> type, Family<O> f) { FAMILIES.put(type, f); }

    static {
        on(Unary.class, TileFamilies::unary);
        on(UnaryGrad.class, TileFamilies::unaryGrad);
        on(Binary.class, TileFamilies::binary);
        on(SgdUpdate.class, TileFamilies::sgd);
        on(AdamUpdate.class, TileFamilies::adam);
        on(LayerNormalization.class, TileFamilies::layerNorm);
        on(LayerNormGrad.class, TileFamilies::layerNormGrad);
        on(BatchNormalization.class, TileFamilies::batchNorm);
        on(BatchNormGrad.class, TileFamilies::batchNormGrad);
        on(Softmax.class, (t, id, op) -> softmax(t, id, false));
        on(SoftmaxGrad.class, (t, id, op) -> softmax(t, id, true));
        on(Linear.class, TileFamilies::linear);
        on(LinearGradWeight.class, TileFamilies::linearGradWeight);
        on(LoraLinear.class, TileFamilies::loraLinear);
        on(MatMul.class, (t, id, op) -> matmul(t, id));
        on(Conv.class, TileFamilies::conv);
        on(ConvGradWeight.class, TileFamilies::convGradWeight);
        on(ConvGradInput.class, TileFamilies::convGradInput);
        on(MaxPool.class, (t, id, mp) -> pool(t, id, "td_maxpool", mp.window(), 0, false, false));
        on(AveragePool.class, (t, id, ap) -> pool(t, id, "td_avgpool", ap.window(), ap.countIncludePad() ? 1 : 0, false, false));
        on(MaxPoolGrad.class, (t, id, mg) -> pool(t, id, "td_maxpool_grad", mg.window(), 0, true, true));
        on(AveragePoolGrad.class, (t, id, ag) -> pool(t, id, "td_avgpool_grad", ag.window(), ag.countIncludePad() ? 1 : 0, true, false));
        on(ReduceSum.class, (t, id, op) -> reduceKept(t, id, false));
        on(GlobalAveragePool.class, (t, id, op) -> reduceKept(t, id, true));
        on(Concat.class, TileFamilies::concat);
        on(Split.class, TileFamilies::split);
        on(Reshape.class, (t, id, op) -> List.of(copy(t, id, t.in(0), t.out(0), identity(1), null, 0, 0, 0, t.out(0), true)));
        on(Transpose.class, (t, id, tr) -> List.of(copy(t, id, t.in(0), t.out(0), tr.perm(), null, 0, 0, 0, t.out(0), true)));
        on(Slice.class, (t, id, sl) -> List.of(copy(t, id, t.in(0), t.out(0), identity(t.node.output(0).type().rank()), sl.steps(), 0, 0, 0, t.out(0), true)));
        on(Expand.class, (t, id, op) -> List.of(copy(t, id, t.in(0), t.out(0), identity(t.node.output(0).type().rank()), null, 0, 0, 0, t.out(0), true)));
    }

    /** The binder of node n's op, or null when its op has no tiled family (its contract has no dims: the node runs whole). */
    @SuppressWarnings("unchecked")
    static TileLoops.Binder binder(Node n, CNames names) {
        Op op = n.op();
        Family<Op> f = (Family<Op>) FAMILIES.get(op.getClass());
        if (f == null) for (Class<?> i : op.getClass().getInterfaces()) if (f == null) f = (Family<Op>) FAMILIES.get(i);
        if (f == null) return null;
        String id = names.fresh("k_", n.name());
        Family<Op> family = f;
        return t -> family.bind(t, id, op);
    }

    /** Operand index k, or −1 when absent (the bind passes NULL, as the constant struct has). */
    private static int opt(Tile t, Role r, int i) { return t.has(r, i) ? (r == Role.IN ? t.in(i) : t.out(i)) : -1; }

    /** The call and its binding, every field the binding sets checked against the call's struct (a typo fails here, not in C). */
    private static Bound bound(KernelCall call, TileBinding b) { return new Bound(call, b.checked(call)); }

    // ---- elementwise ---------------------------------------------------------------------------

    private static List<Bound> unary(Tile t, String id, Op op) {
        KernelOpcodes.Code<KernelCall.UnaryOp> o = KernelOpcodes.unary(op);
        if (o == null) throw new IllegalStateException("no tiled kernel for " + op.opType());
        int x = t.in(0);
        int y = t.out(0);
        KernelCall call = new KernelCall.Unary(id, t.sym0(y), t.sym0(x), t.size(0), o.op(), CLiterals.ofDouble(o.lo()), CLiterals.ofDouble(o.hi()));
        return List.of(bound(call, t.binding().ptr("y", y).ptr("x", x).ext("n", 0)));
    }

    private static List<Bound> unaryGrad(Tile t, String id, Op op) {
        KernelOpcodes.Code<KernelCall.UnaryGradOp> o = KernelOpcodes.unaryGrad(op);
        if (o == null) throw new IllegalStateException("no tiled kernel for " + op.opType());
        KernelCall call = new KernelCall.UnaryGrad(id, t.sym0(t.out(0)), t.sym0(t.in(0)), t.sym0(t.in(1)), t.size(0), o.op(), CLiterals.ofDouble(o.lo()),
                CLiterals.ofDouble(o.hi()));
        return List.of(bound(call, t.binding().ptr("dx", t.out(0)).ptr("dy", t.in(0)).ptr("saved", t.in(1)).ext("n", 0)));
    }

    /** A binary op over the tile's box [e0, e1, …]: every box is dense, a broadcast axis has stride 0. */
    private static List<Bound> binary(Tile t, String id, Op op) {
        KernelCall.BinaryOp o = KernelOpcodes.binary(op);
        if (o == null) throw new IllegalStateException("no tiled kernel for " + op.opType());
        int a = t.in(0);
        int b = t.in(1);
        int rank = t.contract.dims().size();
        if (rank >= 31) throw new IllegalStateException(t.node.name() + ": " + rank + " tiled dims");
        Broadcast view;
        if (rank == 1) {
            int[] sa = {t.contract.operands().get(a).uses(0) ? 1 : 0};
            int[] sb = {t.contract.operands().get(b).uses(0) ? 1 : 0};
            view = new Broadcast(1, t.size(0), sa[0] == 1 && sb[0] == 1, new int[] {t.size(0)}, List.of(sa, sb, new int[1]));
        } else {
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = t.size(d);
            int n = 1;
            for (int v : shape) n *= v;
            view = new Broadcast(rank, n, false, shape, List.of(boxStrides(t, a, shape), boxStrides(t, b, shape), new int[rank]));
        }
        KernelCall call = new KernelCall.Binary(id, t.sym0(t.out(0)), t.sym0(a), t.sym0(b), o, view);
        // Every box is dense over the dims its operand uses: stride along dim d = the extents of the later dims it uses (0 where broadcast: as the constant).
        TileBinding bb = t.binding().ptr("y", t.out(0)).ptr("a", a).ptr("b", b).ext("view.n", range(0, rank));
        for (int d = 0; d < rank; d++) {
            bb.ext("view.shape[" + d + "]", d);
            int[] ks = {a, b};
            for (int q = 0; q < 2; q++) {
                var opd = t.contract.operands().get(ks[q]);
                if (!opd.uses(d)) continue;
                List<Integer> later = new ArrayList<>();
                for (int j = d + 1; j < rank; j++) if (opd.uses(j)) later.add(j);
                bb.ext("view.strides[" + q + "][" + d + "]", later.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        return List.of(bound(call, bb));
    }

    /** The indices from..to−1. */
    private static int[] range(int from, int to) {
        int[] r = new int[Math.max(0, to - from)];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }

    /** Operand k's strides in its dense box of the given tile sizes, laid against the dims (0 where it is broadcast). */
    private static int[] boxStrides(Tile t, int k, int[] tile) {
        var o = t.contract.operands().get(k);
        int[] s = new int[tile.length];
        for (int d = 0; d < tile.length; d++) {
            if (!o.uses(d)) continue;
            int st = 1;
            for (int j = d + 1; j < tile.length; j++) if (o.uses(j)) st *= tile[j];
            s[d] = st;
        }
        return s;
    }

    private static List<Bound> sgd(Tile t, String id, SgdUpdate op) {
        boolean v = op.hasVelocity();
        KernelCall call = new KernelCall.Sgd(id, t.sym0(t.out(0)), v ? t.sym0(t.out(1)) : "NULL", t.sym0(t.in(0)), t.sym0(t.in(1)), v ? t.sym0(t.in(2)) : "NULL",
                t.size(0), CLiterals.ofDouble(op.lr()), CLiterals.ofDouble(op.momentum()), CLiterals.ofDouble(op.weightDecay()), op.nesterov() ? 1 : 0);
        return List.of(bound(call, t.binding().ptrs(new String[] {"p_out", "v_out", "p", "g", "v"}, t.out(0), v ? t.out(1) : -1, t.in(0), t.in(1), v ? t.in(2) : -1)
                .ext("n", 0)));
    }

    private static List<Bound> adam(Tile t, String id, AdamUpdate op) {
        KernelCall call = new KernelCall.Adam(id, t.sym0(t.out(0)), t.sym0(t.out(1)), t.sym0(t.out(2)), t.sym0(t.in(0)), t.sym0(t.in(1)), t.sym0(t.in(2)),
                t.sym0(t.in(3)), t.sym0(t.in(4)), t.size(0), CLiterals.ofDouble(op.lr()), CLiterals.ofDouble(op.beta1()), CLiterals.ofDouble(op.beta2()),
                CLiterals.ofDouble(op.eps()), CLiterals.ofDouble(op.weightDecay()));
        return List.of(bound(call, t.binding().ptrs(new String[] {"p_out", "m_out", "v_out", "p", "g", "m", "v", "step"}, t.out(0), t.out(1), t.out(2), t.in(0),
                t.in(1), t.in(2), t.in(3), t.in(4)).ext("n", 0)));
    }

    // ---- rows ----------------------------------------------------------------------------------

    private static int cols(Tile t, int k) { return t.contract.operands().get(k).axes().get(1).size(); }

    private static List<Bound> layerNorm(Tile t, String id, LayerNormalization op) {
        int x = t.in(0);
        int y = t.out(0);
        int b = opt(t, Role.IN, 2);
        KernelCall call = new KernelCall.LayerNorm(id, t.sym0(y), t.sym0(x), t.sym0(t.in(1)), b >= 0 ? t.sym0(b) : "NULL", t.size(0), cols(t, x),
                CLiterals.ofDouble(op.epsilon()));
        return List.of(bound(call, t.binding().ptrs(new String[] {"y", "x", "gamma", "beta"}, y, x, t.in(1), b).ext("rows", 0)));
    }

    private static List<Bound> layerNormGrad(Tile t, String id, LayerNormGrad op) {
        int dx = t.out(0);
        int dg = t.out(1);
        int db = t.out(2);
        KernelCall call = new KernelCall.LayerNormGrad(id, t.sym0(dx), t.sym0(dg), t.sym0(db), t.sym0(t.in(0)), t.sym0(t.in(1)), t.sym0(t.in(2)),
                t.sym0(t.scratch()), t.size(0), cols(t, t.in(1)), CLiterals.ofDouble(op.epsilon()), 0);
        return List.of(bound(call, t.binding().ptrs(new String[] {"dx", "dgamma", "dbeta", "dy", "x", "gamma"}, dx, dg, db, t.in(0), t.in(1), t.in(2))
                .ext("rows", 0).acc("accumulate", dg)));
    }

    // ---- channels --------------------------------------------------------------------------

    private static List<Bound> batchNorm(Tile t, String id, BatchNormalization op) {
        int[] l = {0, 0, 0};
        int[] xs = t.node.input(0).type().shape();
        l[0] = xs[0];
        l[2] = OpSupport.product(xs, 2, xs.length);
        boolean tr = op.training();
        int y = t.out(0);
        KernelCall call = new KernelCall.BatchNorm(id, t.sym0(y), tr ? t.sym0(t.out(1)) : "NULL", tr ? t.sym0(t.out(2)) : "NULL", t.sym0(t.in(0)),
                t.sym0(t.in(1)), t.sym0(t.in(2)), t.sym0(t.in(3)), t.sym0(t.in(4)), l[0], t.size(0), l[2], CLiterals.ofDouble(op.epsilon()),
                CLiterals.ofDouble(op.momentum()), tr ? 1 : 0);
        return List.of(bound(call, t.binding().ptrs(new String[] {"y", "run_mean_out", "run_var_out", "x", "gamma", "beta", "mean", "var"}, y, tr ? t.out(1) : -1,
                tr ? t.out(2) : -1, t.in(0), t.in(1), t.in(2), t.in(3), t.in(4)).ext("c", 0)));
    }

    private static List<Bound> batchNormGrad(Tile t, String id, BatchNormGrad op) {
        int[] xs = t.node.input(1).type().shape();
        int inner = OpSupport.product(xs, 2, xs.length);
        boolean tr = op.training();
        KernelCall call = new KernelCall.BatchNormGrad(id, t.sym0(t.out(0)), t.sym0(t.out(1)), t.sym0(t.out(2)), t.sym0(t.in(0)), t.sym0(t.in(1)),
                t.sym0(t.in(2)), tr ? "NULL" : t.sym0(t.in(3)), tr ? "NULL" : t.sym0(t.in(4)), xs[0], t.size(0), inner, CLiterals.ofDouble(op.epsilon()), tr ? 1 : 0);
        return List.of(bound(call, t.binding().ptrs(new String[] {"dx", "dgamma", "dbeta", "dy", "x", "gamma", "mean", "var"}, t.out(0), t.out(1), t.out(2),
                t.in(0), t.in(1), t.in(2), tr ? -1 : t.in(3), tr ? -1 : t.in(4)).ext("c", 0)));
    }

    private static List<Bound> softmax(Tile t, String id, boolean grad) {
        Node n = t.node;
        int[] s = n.input(0).type().shape();
        int axis = grad ? ((SoftmaxGrad) n.op()).axis() : ((Softmax) n.op()).axis();
        int inner = OpSupport.product(s, axis + 1, s.length);
        if (grad) {
            KernelCall call = new KernelCall.SoftmaxGrad(id, t.sym0(t.out(0)), t.sym0(t.in(0)), t.sym0(t.in(1)), t.size(0), s[axis], inner);
            return List.of(bound(call, t.binding().ptr("dx", t.out(0)).ptr("dy", t.in(0)).ptr("y", t.in(1)).ext("outer", 0)));
        }
        KernelCall call = new KernelCall.Softmax(id, t.sym0(t.out(0)), t.sym0(t.in(0)), t.size(0), s[axis], inner);
        return List.of(bound(call, t.binding().ptr("y", t.out(0)).ptr("x", t.in(0)).ext("outer", 0)));
    }

    // ---- products ------------------------------------------------------------------------------

    private static List<Bound> linear(Tile t, String id, Linear op) {
        int b = opt(t, Role.IN, 2);
        int r = opt(t, Role.IN, 3);
        int y = t.out(0);
        KernelCall call = new KernelCall.Linear(id, t.sym0(y), t.sym0(t.in(0)), t.sym0(t.in(1)), b >= 0 ? t.sym0(b) : "NULL", r >= 0 ? t.sym0(r) : "NULL",
                t.size(0), t.size(2), t.size(1), op.transW() ? 1 : 0, CLiterals.ofDouble(op.alpha()));
        return List.of(bound(call, t.binding().ptrs(new String[] {"y", "x", "w", "b", "r"}, y, t.in(0), t.in(1), b, r).ext("rows", 0).ext("n", 1).ext("k", 2)
                .acc("accumulate", y)));
    }

    /** Dims M, N (LoraLinear's contract); t is kept in L1 over N's tiles: t_ready on all but the first of its rows. */
    private static List<Bound> loraLinear(Tile t, String id, LoraLinear op) {
        int b = opt(t, Role.IN, 2);
        int y = t.out(0);
        int tt = t.out(1);
        int k = t.node.input(0).type().dim(-1);
        int r = t.node.input(3).type().dim(0);
        KernelCall call = new KernelCall.LoraLinear(id, t.sym0(y), t.sym0(tt), t.sym0(t.in(0)), t.sym0(t.in(1)), b >= 0 ? t.sym0(b) : "NULL",
                t.sym0(t.in(3)), t.sym0(t.in(4)), t.size(0), k, t.size(1), r, op.transW() ? 1 : 0, CLiterals.ofDouble(op.alpha()), CLiterals.ofDouble(op.scale()));
        return List.of(bound(call, t.binding().ptrs(new String[] {"y", "t", "x", "w", "b", "a", "lb"}, y, tt, t.in(0), t.in(1), b, t.in(3), t.in(4))
                .ext("rows", 0).ext("n", 1).acc("t_ready", tt)));
    }

    private static List<Bound> linearGradWeight(Tile t, String id, LinearGradWeight op) {
        int dw = t.out(0);
        KernelCall call = new KernelCall.LinearGradWeight(id, t.sym0(dw), t.sym0(t.in(0)), t.sym0(t.in(1)), t.size(2), t.size(0), t.size(1), op.transW() ? 1 : 0,
                CLiterals.ofDouble(op.alpha()));
        return List.of(bound(call, t.binding().ptrs(new String[] {"dw", "x", "dy"}, dw, t.in(0), t.in(1)).ext("k", 0).ext("n", 1).ext("rows", 2)
                .acc("accumulate", dw)));
    }

    private static List<Bound> matmul(Tile t, String id) {
        int a = t.in(0);
        int b = t.in(1);
        int k = t.node.input(0).type().dim(-1);
        boolean aBatch = t.contract.operands().get(a).uses(0);
        boolean bBatch = t.contract.operands().get(b).uses(0);
        int[] zeros = new int[t.size(0)];
        KernelCall call = new KernelCall.MatMul(id, t.sym0(t.out(0)), t.sym0(a), t.sym0(b), zeros, zeros.clone(), t.size(1), k, t.size(2));
        // The boxes are dense: product i of the tile starts i·e_m·k into A's box (i·k·e_n into B's) when the operand has the batch dim (else 0: as the constant).
        TileBinding bb = t.binding().ptr("y", t.out(0)).ptr("a", a).ptr("b", b);
        if (aBatch) bb.seq("a_off", 0, k, 1);
        if (bBatch) bb.seq("b_off", 0, k, 2);
        return List.of(bound(call, bb.ext("batch", 0).ext("m", 1).ext("n", 2)));
    }

    // ---- convolution and pooling ----------------------------------------------------------------

    private static List<Bound> conv(Tile t, String id, Conv op) {
        Node n = t.node;
        int[] x = n.input(0).type().shape();
        int[] w = n.input(1).type().shape();
        int[] y = n.output(0).type().shape();
        Window2d win = op.window(w[2], w[3]);
        int b = opt(t, Role.IN, 2);
        int xi = t.in(0);
        ConvGeometry g;
        int[] dims;
        int rowAxis;
        if (op.group() == 1) {
            g = new ConvGeometry(t.size(0), x[1], t.maxLen(xi, 2), x[3], t.size(1), w[1], w[2], w[3], t.size(2), y[3], win.sh(), win.sw(), win.pt(),
                    win.pl(), win.dh(), win.dw(), 1);
            dims = new int[] {0, -1, 1, 2};
            rowAxis = 2;
        } else {
            // The tile's groups as a grouped convolution of their own: e_G groups of e_Mg output and cg input channels.
            int tg = t.size("G");
            g = new ConvGeometry(t.size("N"), tg * w[1], t.maxLen(xi, 3), x[3], tg * t.size("Mg"), w[1], w[2], w[3], t.size("OH"), y[3], win.sh(), win.sw(),
                    win.pt(), win.pl(), win.dh(), win.dw(), tg);
            dims = new int[] {t.dim("N"), t.dim("G"), t.dim("Mg"), t.dim("OH")};
            rowAxis = 3;
        }
        KernelCall call = new KernelCall.Conv(id, "td_conv_direct", t.sym0(t.out(0)), t.sym0(xi), t.sym0(t.in(1)), b >= 0 ? t.sym0(b) : "NULL", "NULL", g);
        // The tile's groups are a grouped convolution of their own; the loaded rows start at lo: the tile's first window starts pt + lo − s·sh rows above them.
        return List.of(bound(call, t.binding().ptrs(new String[] {"y", "x", "w", "b"}, t.out(0), xi, t.in(1), b).ext("g.n", dims[0]).ext("g.group", dims[1])
                .scaled("g.c", w[1], dims[1]).ext("g.m", dims[1], dims[2]).ext("g.oh", dims[3]).boxLen("g.h", false, 1, xi, rowAxis).set("g.pt", win.pt())
                .addBoxStart("g.pt", 1, xi, rowAxis).addStart("g.pt", -win.sh(), dims[3])));
    }

    /** dW's block of e_G groups × e_M output × e_C input channels, summed over the tile's images and output rows. */
    private static List<Bound> convGradWeight(Tile t, String id, ConvGradWeight op) {
        Node n = t.node;
        int[] dy = n.input(0).type().shape();
        int[] x = n.input(1).type().shape();
        int[] w = op.weightShape();
        Window2d win = op.conv().window(w[2], w[3]);
        int xi = t.in(1);
        int dw = t.out(0);
        int tg = t.size("G");
        ConvGeometry g = new ConvGeometry(t.size("N"), tg * t.size("C"), t.maxLen(xi, 3), x[3], tg * t.size("M"), t.size("C"), w[2], w[3], t.size("OH"), dy[3],
                win.sh(), win.sw(), win.pt(), win.pl(), win.dh(), win.dw(), tg);
        KernelCall call = new KernelCall.ConvGradWeight(id, t.sym0(dw), t.sym0(t.in(0)), t.sym0(xi), g);
        if (t.dim("OH") < 0) throw new IllegalStateException(n.name() + ": ConvGradWeight's contract has no OH dim");
        int gd = t.dim("G");
        return List.of(bound(call, t.binding().ptrs(new String[] {"dw", "dy", "x"}, dw, t.in(0), xi).ext("g.n", t.dim("N")).ext("g.group", gd)
                .ext("g.c", gd, t.dim("C")).ext("g.cg", t.dim("C")).ext("g.m", gd, t.dim("M")).ext("g.oh", t.dim("OH")).boxLen("g.h", false, 1, xi, 3)
                .set("g.pt", win.pt()).addBoxStart("g.pt", 1, xi, 3).addStart("g.pt", -win.sh(), t.dim("OH")).acc("accumulate", dw)));
    }

    /** dX's block of e_N images × e_G groups × e_C channels × the tile's input rows, summed over a block of e_M output channels. */
    private static List<Bound> convGradInput(Tile t, String id, ConvGradInput op) {
        Node n = t.node;
        int[] dy = n.input(0).type().shape();
        int[] w = n.input(1).type().shape();
        int[] dx = n.output(0).type().shape();
        Window2d win = op.conv().window(w[2], w[3]);
        int dyi = t.in(0);
        int dxi = t.out(0);
        int tg = t.size("G");
        ConvGeometry g = new ConvGeometry(t.size("N"), tg * t.size("C"), t.maxLen(dxi, 3), dx[3], tg * t.size("M"), t.size("C"), w[2], w[3], t.maxLen(dyi, 3), dy[3],
                win.sh(), win.sw(), win.pt(), win.pl(), win.dh(), win.dw(), tg);
        KernelCall call = new KernelCall.ConvGradInput(id, t.sym0(dxi), t.sym0(dyi), t.sym0(t.in(1)), g);
        // Local rows: dX row r is global lo_dx + r, dY row q global lo_dy + q; taps satisfy q·sh = r + pt' − i·dh with pt' = pt + lo_dx − sh·lo_dy.
        int gd = t.dim("G");
        return List.of(bound(call, t.binding().ptrs(new String[] {"dx", "dy", "w"}, dxi, dyi, t.in(1)).ext("g.n", t.dim("N")).ext("g.group", gd)
                .ext("g.c", gd, t.dim("C")).ext("g.cg", t.dim("C")).ext("g.m", gd, t.dim("M")).boxLen("g.h", false, 1, dxi, 3).boxLen("g.oh", false, 1, dyi, 3)
                .set("g.pt", win.pt()).addBoxStart("g.pt", 1, dxi, 3).addBoxStart("g.pt", -win.sh(), dyi, 3).acc("accumulate", dxi)));
    }

    /** Pooling: planes (and, for MaxPool, output rows with the window's halo). {@code grad}: out = dX, in = dY (and x = X for MaxPool). */
    private static List<Bound> pool(Tile t, String id, String fn, Window2d win, int countIncludePad, boolean grad, boolean readsX) {
        Node n = t.node;
        int[] x = grad ? (readsX ? n.input(1).type().shape() : n.output(0).type().shape()) : n.input(0).type().shape();
        int oh = win.outH(x[2]);
        int ow = win.outW(x[3]);
        boolean rows = t.contract.dims().size() > 1;
        int in = t.in(0);
        int out = t.out(0);
        PoolGeometry g = new PoolGeometry(t.size(0), rows ? t.maxLen(in, 1) : x[2], x[3], rows ? t.size(1) : oh, ow, win.kh(), win.kw(), win.sh(), win.sw(), win.pt(),
                win.pl(), win.pb(), win.pr(), win.dh(), win.dw(), countIncludePad);
        KernelCall call = new KernelCall.Pool(id, fn, t.sym0(out), t.sym0(in), readsX ? t.sym0(t.in(1)) : "NULL", g);
        TileBinding bb = t.binding().ptrs(new String[] {"out", "in", "x"}, out, in, readsX ? t.in(1) : -1).ext("g.planes", 0);
        if (rows) bb.ext("g.oh", 1).boxLen("g.h", false, 1, in, 1).set("g.pt", win.pt()).addBoxStart("g.pt", 1, in, 1).addStart("g.pt", -win.sh(), 1);
        return List.of(bound(call, bb));
    }

    // ---- reductions and copies -------------------------------------------------------------------

    /** A reduction keeping a run of axes: X's box is [outer, e0, inner]; y[j] sums (or averages: {@code mean}) its row j. */
    private static List<Bound> reduceKept(Tile t, String id, boolean mean) {
        int x = t.in(0);
        int y = t.out(0);
        var axes = t.contract.operands().get(x).axes();
        int outer = axes.get(0).size();
        int inner = axes.get(2).size();
        int tile = t.size(0);
        // The box as [outer, tile, inner]: output j starts at j·inner; reduce over outer (stride tile·inner) and inner (1).
        KernelCall call = new KernelCall.Reduce(id, t.sym0(y), t.sym0(x), tile, new int[] {tile}, new int[] {inner}, new int[] {outer, inner},
                new int[] {tile * inner, 1}, CLiterals.ofDouble(mean ? (double) outer * inner : 1));
        return List.of(bound(call, t.binding().ptr("y", y).ptr("x", x).ext("n_out", 0).ext("out_shape[0]", 0).scaled("red_strides[0]", inner, 0)));
    }

    /** Concat: one copy per input into its place along the axis of y's box (every box is dense in L1: strides come from the box extents). */
    private static List<Bound> concat(Tile t, String id, Concat cc) {
        Node n = t.node;
        int axis = cc.axis() < 0 ? cc.axis() + n.output(0).type().rank() : cc.axis();
        int y = t.out(0);
        int at = 0;
        List<Bound> out = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            int x = t.in(i);
            out.add(copy(t, id + (i == 0 ? "" : "_" + i), x, y, identity(n.input(i).type().rank()), null, 1, at, axis, x, false));
            at += n.input(i).type().dim(axis);
        }
        return out;
    }

    /** Split: one copy per output from its place along the axis of x's box. */
    private static List<Bound> split(Tile t, String id, Split sp) {
        Node n = t.node;
        int axis = sp.axis() < 0 ? sp.axis() + n.input(0).type().rank() : sp.axis();
        int x = t.in(0);
        int at = 0;
        List<Bound> out = new ArrayList<>();
        for (int i = 0; i < n.outputs().size(); i++) {
            int y = t.out(i);
            out.add(copy(t, id + (i == 0 ? "" : "_" + i), x, y, identity(n.output(i).type().rank()), null, 2, at, axis, y, false));
            at += n.output(i).type().dim(axis);
        }
        return out;
    }

    private static int[] identity(int rank) {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) p[i] = i;
        return p;
    }

    /**
     * One td_copy over the box of {@code shapeOf} (y's box, or x's for Concat): y[i] = x[perm-mapped i];
     * broadcast axes of x (size 1 where y is longer) get stride 0; slice steps scale x's strides.
     * {@code offsetOf}: 1 when y starts {@code at} elements along {@code axis} into its box (Concat), 2 when x does (Split).
     * {@code broadcasts}: x may be broadcast along an axis (not for Concat and Split).
     */
    private static Bound copy(Tile t, String id, int x, int y, int[] perm, int[] steps, int offsetOf, int at, int axis, int shapeOf, boolean broadcasts) {
        int rank = perm.length;
        int elem = t.contract.operands().get(y).elemBytes();
        var xAxes = t.contract.operands().get(x).axes();
        int[] zeros = new int[rank];
        int[] ones = new int[rank];
        java.util.Arrays.fill(ones, 1);
        KernelCall.Copy call = new KernelCall.Copy(id, t.sym0(y), t.sym0(x), elem, ones, zeros, zeros.clone(), 0, 0);
        int yRank = t.contract.operands().get(y).axes().size();
        int xRank = xAxes.size();
        // Dense boxes: the stride of axis i is the product of the later axes' box lengths.
        TileBinding bb = t.binding().ptr("y", y).ptr("x", x);
        if (offsetOf == 1) bb.boxLen("y_offset", false, at, y, range(axis + 1, yRank));
        if (offsetOf == 2) bb.boxLen("x_offset", false, at, x, range(axis + 1, xRank));
        for (int i = 0; i < rank; i++) {
            int xa = perm[i];
            boolean broadcast = broadcasts && xAxes.get(xa).size() == 1 && t.node.output(0).type().rank() == rank && t.node.output(0).type().dim(i) > 1;
            bb.boxLen("shape[" + i + "]", false, 1, shapeOf, i).boxLen("y_strides[" + i + "]", false, 1, y, range(i + 1, yRank));
            if (!broadcast) bb.boxLen("x_strides[" + i + "]", false, steps != null ? steps[xa] : 1, x, range(xa + 1, xRank));
        }
        return bound(call, bb.boxLen("n", false, 1, shapeOf, range(0, rank)));
    }
}
