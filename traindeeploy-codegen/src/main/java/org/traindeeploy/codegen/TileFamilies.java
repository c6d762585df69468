package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.List;
import org.traindeeploy.codegen.KernelCall.Broadcast;
import org.traindeeploy.codegen.KernelCall.ConvGeometry;
import org.traindeeploy.codegen.KernelCall.PoolGeometry;
import org.traindeeploy.codegen.TileLoops.Bound;
import org.traindeeploy.codegen.TileLoops.Tile;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ops.*;

/**
 * The kernel side of every tiled op family: given a tile's boxes (see {@link TileLoops.Tile}), the
 * kernel call and the per-tile assignments of its arguments. The geometry itself (which dims, which
 * boxes) is the op's {@link org.traindeeploy.tiling.TileContract}; a binder only translates box
 * extents into kernel arguments. Every op whose contract has dims has a binder here
 * ({@code TiledCTest} checks it on every op of the conformance cases and on synthetic nodes).
 */
final class TileFamilies {
    private TileFamilies() {}

    /** The binder of node n's op, or null when its contract has no dims (the node runs whole). */
    static TileLoops.Binder binder(Node n, CNames names) {
        Op op = n.op();
        String id = names.fresh("k_", n.name());
        if (op instanceof Unary) return t -> unary(t, id, op);
        if (op instanceof UnaryGrad) return t -> unaryGrad(t, id, op);
        if (op instanceof Binary) return t -> binary(t, id, op);
        if (op instanceof SgdUpdate sgd) return t -> sgd(t, id, sgd);
        if (op instanceof AdamUpdate adam) return t -> adam(t, id, adam);
        if (op instanceof LayerNormalization ln) return t -> layerNorm(t, id, ln);
        if (op instanceof LayerNormGrad lg) return t -> layerNormGrad(t, id, lg);
        if (op instanceof BatchNormalization bn) return t -> batchNorm(t, id, bn);
        if (op instanceof BatchNormGrad bg) return t -> batchNormGrad(t, id, bg);
        if (op instanceof Softmax) return t -> softmax(t, id, false);
        if (op instanceof SoftmaxGrad) return t -> softmax(t, id, true);
        if (op instanceof Linear li) return t -> linear(t, id, li);
        if (op instanceof LinearGradWeight lg) return t -> linearGradWeight(t, id, lg);
        if (op instanceof MatMul) return t -> matmul(t, id);
        if (op instanceof Conv cv) return t -> conv(t, id, cv);
        if (op instanceof ConvGradWeight cg) return t -> convGradWeight(t, id, cg);
        if (op instanceof ConvGradInput ci) return t -> convGradInput(t, id, ci);
        if (op instanceof MaxPool mp) return t -> pool(t, id, "td_maxpool", mp.window(), 0, false);
        if (op instanceof AveragePool ap) return t -> pool(t, id, "td_avgpool", ap.window(), ap.countIncludePad() ? 1 : 0, false);
        if (op instanceof MaxPoolGrad mg) return t -> pool(t, id, "td_maxpool_grad", mg.window(), 0, true);
        if (op instanceof AveragePoolGrad ag) return t -> pool(t, id, "td_avgpool_grad", ag.window(), ag.countIncludePad() ? 1 : 0, true);
        if (op instanceof ReduceSum) return t -> reduceKept(t, id, false);
        if (op instanceof GlobalAveragePool) return t -> reduceKept(t, id, true);
        if (op instanceof Reshape) return t -> copies(t, id);
        if (op instanceof Transpose || op instanceof Slice || op instanceof Expand || op instanceof Concat || op instanceof Split) return t -> copies(t, id);
        return null;
    }

    private static String set(String field, String value) { return "        a." + field + " = " + value + ";\n"; }

    // ---- elementwise ---------------------------------------------------------------------------

    private static List<Bound> unary(Tile t, String id, Op op) {
        String o = op instanceof Relu ? "TD_RELU" : op instanceof Gelu g ? (g.tanh() ? "TD_GELU_TANH" : "TD_GELU") : op instanceof Neg ? "TD_NEG"
                : op instanceof Exp ? "TD_EXP" : op instanceof Sqrt ? "TD_SQRT" : op instanceof Erf ? "TD_ERF" : op instanceof Clip ? "TD_CLIP"
                : op instanceof Activation ac ? ac.kind().cName() : null;
        if (o == null) throw new IllegalStateException("no tiled kernel for " + op.opType());
        double lo = op instanceof Clip c ? c.min() : op instanceof Activation ac ? ac.alpha() : 0;
        double hi = op instanceof Clip c ? c.max() : op instanceof Activation ac ? ac.beta() : 0;
        int x = t.in(0);
        int y = t.out(0);
        KernelCall call = new KernelCall.Unary(id, t.sym0(y), t.sym0(x), t.size(0), o, CLiterals.ofDouble(lo), CLiterals.ofDouble(hi));
        return List.of(new Bound(call, "td_unary_args", set("y", t.ptr(y)) + set("x", t.ptr(x)) + set("n", "e0")));
    }

    private static List<Bound> unaryGrad(Tile t, String id, Op op) {
        double lo = op instanceof ClipGrad cg ? cg.min() : op instanceof ActivationGrad ag ? ag.forward().alpha() : 0;
        double hi = op instanceof ClipGrad cg ? cg.max() : op instanceof ActivationGrad ag ? ag.forward().beta() : 0;
        String o = op instanceof ReluGrad ? "TD_RELU_GRAD" : op instanceof GeluGrad gg ? (gg.tanh() ? "TD_GELU_TANH_GRAD" : "TD_GELU_GRAD") : op instanceof ClipGrad ? "TD_CLIP_GRAD"
                : op instanceof ActivationGrad ag ? ag.forward().kind().cName() + "_GRAD" : null;
        if (o == null) throw new IllegalStateException("no tiled kernel for " + op.opType());
        KernelCall call = new KernelCall.UnaryGrad(id, t.sym0(t.out(0)), t.sym0(t.in(0)), t.sym0(t.in(1)), t.size(0), o, CLiterals.ofDouble(lo), CLiterals.ofDouble(hi));
        return List.of(new Bound(call, "td_unary_grad_args",
                set("dx", t.ptr(t.out(0))) + set("dy", t.ptr(t.in(0))) + set("saved", t.ptr(t.in(1))) + set("n", "e0")));
    }

    private static List<Bound> binary(Tile t, String id, Op op) {
        String o = op instanceof Add ? "TD_ADD" : op instanceof Sub ? "TD_SUB" : op instanceof Mul ? "TD_MUL" : op instanceof Div ? "TD_DIV" : op instanceof Pow ? "TD_POW" : null;
        if (o == null) throw new IllegalStateException("no tiled kernel for " + op.opType());
        int a = t.in(0);
        int b = t.in(1);
        if (t.contract.dims().size() > 1) return broadcastBinary(t, id, o, a, b);
        int[] sa = {t.contract.operands().get(a).uses(0) ? 1 : 0};
        int[] sb = {t.contract.operands().get(b).uses(0) ? 1 : 0};
        Broadcast view = new Broadcast(1, t.size(0), sa[0] == 1 && sb[0] == 1, new int[] {t.size(0)}, List.of(sa, sb, new int[1]));
        KernelCall call = new KernelCall.Binary(id, t.sym0(t.out(0)), t.sym0(a), t.sym0(b), o, view);
        return List.of(new Bound(call, "td_binary_args",
                set("y", t.ptr(t.out(0))) + set("a", t.ptr(a)) + set("b", t.ptr(b)) + set("view.n", "e0") + set("view.shape[0]", "e0")));
    }

    /** A broadcast binary op over the tile's box [e0, e1, …]: every box is dense, a broadcast axis has stride 0. */
    private static List<Bound> broadcastBinary(Tile t, String id, String o, int a, int b) {
        int rank = t.contract.dims().size();
        int[] shape = new int[rank];
        for (int d = 0; d < rank; d++) shape[d] = t.size(d);
        int[] sa = boxStrides(t, a, shape);
        int[] sb = boxStrides(t, b, shape);
        int n = 1;
        for (int v : shape) n *= v;
        Broadcast view = new Broadcast(rank, n, false, shape, List.of(sa, sb, new int[rank]));
        KernelCall call = new KernelCall.Binary(id, t.sym0(t.out(0)), t.sym0(a), t.sym0(b), o, view);
        StringBuilder setup = new StringBuilder(set("y", t.ptr(t.out(0))) + set("a", t.ptr(a)) + set("b", t.ptr(b)));
        StringBuilder count = new StringBuilder("e0");
        for (int d = 1; d < rank; d++) count.append(" * e").append(d);
        setup.append(set("view.n", count.toString()));
        for (int d = 0; d < rank; d++) {
            setup.append(set("view.shape[" + d + "]", "e" + d));
            setup.append(set("view.strides[0][" + d + "]", strideExpr(t, a, d)));
            setup.append(set("view.strides[1][" + d + "]", strideExpr(t, b, d)));
        }
        return List.of(new Bound(call, "td_binary_args", setup.toString()));
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

    /** C expression of operand k's stride along dim d in this tile's dense box. */
    private static String strideExpr(Tile t, int k, int d) {
        var o = t.contract.operands().get(k);
        if (!o.uses(d)) return "0";
        StringBuilder s = new StringBuilder("1");
        for (int j = d + 1; j < t.contract.dims().size(); j++) if (o.uses(j)) s.append(" * e").append(j);
        return s.toString();
    }

    private static List<Bound> sgd(Tile t, String id, SgdUpdate op) {
        boolean v = op.hasVelocity();
        KernelCall call = new KernelCall.Sgd(id, t.sym0(t.out(0)), v ? t.sym0(t.out(1)) : "NULL", t.sym0(t.in(0)), t.sym0(t.in(1)), v ? t.sym0(t.in(2)) : "NULL",
                t.size(0), CLiterals.ofDouble(op.lr()), CLiterals.ofDouble(op.momentum()), CLiterals.ofDouble(op.weightDecay()), op.nesterov() ? 1 : 0);
        String setup = set("p_out", t.ptr(t.out(0))) + set("p", t.ptr(t.in(0))) + set("g", t.ptr(t.in(1))) + set("n", "e0");
        if (v) setup += set("v_out", t.ptr(t.out(1))) + set("v", t.ptr(t.in(2)));
        return List.of(new Bound(call, "td_sgd_args", setup));
    }

    private static List<Bound> adam(Tile t, String id, AdamUpdate op) {
        KernelCall call = new KernelCall.Adam(id, t.sym0(t.out(0)), t.sym0(t.out(1)), t.sym0(t.out(2)), t.sym0(t.in(0)), t.sym0(t.in(1)), t.sym0(t.in(2)),
                t.sym0(t.in(3)), t.sym0(t.in(4)), t.size(0), CLiterals.ofDouble(op.lr()), CLiterals.ofDouble(op.beta1()), CLiterals.ofDouble(op.beta2()),
                CLiterals.ofDouble(op.eps()), CLiterals.ofDouble(op.weightDecay()));
        return List.of(new Bound(call, "td_adam_args", set("p_out", t.ptr(t.out(0))) + set("m_out", t.ptr(t.out(1))) + set("v_out", t.ptr(t.out(2)))
                + set("p", t.ptr(t.in(0))) + set("g", t.ptr(t.in(1))) + set("m", t.ptr(t.in(2))) + set("v", t.ptr(t.in(3))) + set("step", t.ptr(t.in(4))) + set("n", "e0")));
    }

    // ---- rows ----------------------------------------------------------------------------------

    private static int cols(Tile t, int k) { return t.contract.operands().get(k).axes().get(1).size(); }

    private static List<Bound> layerNorm(Tile t, String id, LayerNormalization op) {
        int x = t.in(0);
        int y = t.out(0);
        boolean hasB = t.has(org.traindeeploy.tiling.TileContract.Role.IN, 2);
        KernelCall call = new KernelCall.LayerNorm(id, t.sym0(y), t.sym0(x), t.sym0(t.in(1)), hasB ? t.sym0(t.in(2)) : "NULL", t.size(0), cols(t, x),
                CLiterals.ofDouble(op.epsilon()));
        String setup = set("y", t.ptr(y)) + set("x", t.ptr(x)) + set("gamma", t.ptr(t.in(1))) + set("rows", "e0");
        if (hasB) setup += set("beta", t.ptr(t.in(2)));
        return List.of(new Bound(call, "td_layernorm_args", setup));
    }

    private static List<Bound> layerNormGrad(Tile t, String id, LayerNormGrad op) {
        int dx = t.out(0);
        int dg = t.out(1);
        int db = t.out(2);
        KernelCall call = new KernelCall.LayerNormGrad(id, t.sym0(dx), t.sym0(dg), t.sym0(db), t.sym0(t.in(0)), t.sym0(t.in(1)), t.sym0(t.in(2)),
                t.sym0(t.scratch()), t.size(0), cols(t, t.in(1)), CLiterals.ofDouble(op.epsilon()), 0);
        return List.of(new Bound(call, "td_layernorm_grad_args", set("dx", t.ptr(dx)) + set("dgamma", t.ptr(dg)) + set("dbeta", t.ptr(db))
                + set("dy", t.ptr(t.in(0))) + set("x", t.ptr(t.in(1))) + set("gamma", t.ptr(t.in(2))) + set("rows", "e0") + set("accumulate", t.acc(dg))));
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
        String setup = set("y", t.ptr(y)) + set("x", t.ptr(t.in(0))) + set("gamma", t.ptr(t.in(1))) + set("beta", t.ptr(t.in(2)))
                + set("mean", t.ptr(t.in(3))) + set("var", t.ptr(t.in(4))) + set("c", "e0");
        if (tr) setup += set("run_mean_out", t.ptr(t.out(1))) + set("run_var_out", t.ptr(t.out(2)));
        return List.of(new Bound(call, "td_batchnorm_args", setup));
    }

    private static List<Bound> batchNormGrad(Tile t, String id, BatchNormGrad op) {
        int[] xs = t.node.input(1).type().shape();
        int inner = OpSupport.product(xs, 2, xs.length);
        boolean tr = op.training();
        KernelCall call = new KernelCall.BatchNormGrad(id, t.sym0(t.out(0)), t.sym0(t.out(1)), t.sym0(t.out(2)), t.sym0(t.in(0)), t.sym0(t.in(1)),
                t.sym0(t.in(2)), tr ? "NULL" : t.sym0(t.in(3)), tr ? "NULL" : t.sym0(t.in(4)), xs[0], t.size(0), inner, CLiterals.ofDouble(op.epsilon()), tr ? 1 : 0);
        String setup = set("dx", t.ptr(t.out(0))) + set("dgamma", t.ptr(t.out(1))) + set("dbeta", t.ptr(t.out(2))) + set("dy", t.ptr(t.in(0)))
                + set("x", t.ptr(t.in(1))) + set("gamma", t.ptr(t.in(2))) + set("c", "e0");
        if (!tr) setup += set("mean", t.ptr(t.in(3))) + set("var", t.ptr(t.in(4)));
        return List.of(new Bound(call, "td_batchnorm_grad_args", setup));
    }

    private static List<Bound> softmax(Tile t, String id, boolean grad) {
        Node n = t.node;
        int[] s = n.input(0).type().shape();
        int axis = grad ? ((SoftmaxGrad) n.op()).axis() : ((Softmax) n.op()).axis();
        int inner = OpSupport.product(s, axis + 1, s.length);
        if (grad) {
            KernelCall call = new KernelCall.SoftmaxGrad(id, t.sym0(t.out(0)), t.sym0(t.in(0)), t.sym0(t.in(1)), t.size(0), s[axis], inner);
            return List.of(new Bound(call, "td_softmax_grad_args", set("dx", t.ptr(t.out(0))) + set("dy", t.ptr(t.in(0))) + set("y", t.ptr(t.in(1))) + set("outer", "e0")));
        }
        KernelCall call = new KernelCall.Softmax(id, t.sym0(t.out(0)), t.sym0(t.in(0)), t.size(0), s[axis], inner);
        return List.of(new Bound(call, "td_softmax_args", set("y", t.ptr(t.out(0))) + set("x", t.ptr(t.in(0))) + set("outer", "e0")));
    }

    // ---- products ------------------------------------------------------------------------------

    private static List<Bound> linear(Tile t, String id, Linear op) {
        boolean hasB = t.has(org.traindeeploy.tiling.TileContract.Role.IN, 2);
        boolean hasR = t.has(org.traindeeploy.tiling.TileContract.Role.IN, 3);
        int y = t.out(0);
        KernelCall call = new KernelCall.Linear(id, t.sym0(y), t.sym0(t.in(0)), t.sym0(t.in(1)), hasB ? t.sym0(t.in(2)) : "NULL", hasR ? t.sym0(t.in(3)) : "NULL",
                t.size(0), t.size(2), t.size(1), op.transW() ? 1 : 0, CLiterals.ofDouble(op.alpha()));
        String setup = set("y", t.ptr(y)) + set("x", t.ptr(t.in(0))) + set("w", t.ptr(t.in(1))) + set("rows", "e0") + set("n", "e1") + set("k", "e2")
                + set("accumulate", t.acc(y));
        if (hasB) setup += set("b", t.ptr(t.in(2)));
        if (hasR) setup += set("r", t.ptr(t.in(3)));
        return List.of(new Bound(call, "td_linear_args", setup));
    }

    private static List<Bound> linearGradWeight(Tile t, String id, LinearGradWeight op) {
        int dw = t.out(0);
        KernelCall call = new KernelCall.LinearGradWeight(id, t.sym0(dw), t.sym0(t.in(0)), t.sym0(t.in(1)), t.size(2), t.size(0), t.size(1), op.transW() ? 1 : 0,
                CLiterals.ofDouble(op.alpha()));
        return List.of(new Bound(call, "td_linear_grad_weight_args", set("dw", t.ptr(dw)) + set("x", t.ptr(t.in(0))) + set("dy", t.ptr(t.in(1)))
                + set("k", "e0") + set("n", "e1") + set("rows", "e2") + set("accumulate", t.acc(dw))));
    }

    private static List<Bound> matmul(Tile t, String id) {
        int a = t.in(0);
        int b = t.in(1);
        int k = t.node.input(0).type().dim(-1);
        boolean aBatch = t.contract.operands().get(a).uses(0);
        boolean bBatch = t.contract.operands().get(b).uses(0);
        int[] zeros = new int[t.size(0)];
        KernelCall call = new KernelCall.MatMul(id, t.sym0(t.out(0)), t.sym0(a), t.sym0(b), zeros, zeros.clone(), t.size(1), k, t.size(2));
        String setup = "        int32_t ao[" + t.size(0) + "], bo[" + t.size(0) + "], p;\n"
                + "        for (p = 0; p < e0; p++) { ao[p] = " + (aBatch ? "p * e1 * " + k : "0") + "; bo[p] = " + (bBatch ? "p * " + k + " * e2" : "0") + "; }\n"
                + set("y", t.ptr(t.out(0))) + set("a", t.ptr(a)) + set("b", t.ptr(b)) + set("a_off", "ao") + set("b_off", "bo")
                + set("batch", "e0") + set("m", "e1") + set("n", "e2");
        return List.of(new Bound(call, "td_matmul_args", setup));
    }

    // ---- convolution and pooling ----------------------------------------------------------------

    private static List<Bound> conv(Tile t, String id, Conv op) {
        Node n = t.node;
        int[] x = n.input(0).type().shape();
        int[] w = n.input(1).type().shape();
        int[] y = n.output(0).type().shape();
        Window2d win = op.window(w[2], w[3]);
        boolean hasB = t.has(org.traindeeploy.tiling.TileContract.Role.IN, 2);
        int xi = t.in(0);
        KernelCall call;
        String setup;
        if (op.group() == 1) {
            ConvGeometry g = new ConvGeometry(t.size(0), x[1], t.maxLen(xi, 2), x[3], t.size(1), w[1], w[2], w[3], t.size(2), y[3], win.sh(), win.sw(), win.pt(),
                    win.pl(), win.dh(), win.dw(), 1);
            call = new KernelCall.Conv(id, "td_conv_direct", t.sym0(t.out(0)), t.sym0(xi), t.sym0(t.in(1)), hasB ? t.sym0(t.in(2)) : "NULL", "NULL", g);
            // The loaded rows start at lo: the tile's first window starts pt + lo - s·sh rows above them (its top padding).
            setup = set("y", t.ptr(t.out(0))) + set("x", t.ptr(xi)) + set("w", t.ptr(t.in(1))) + set("g.n", "e0") + set("g.m", "e1") + set("g.oh", "e2")
                    + set("g.h", t.len(xi, 2)) + set("g.pt", win.pt() + " + " + t.lo(xi, 2) + " - s2 * " + win.sh());
        } else {
            // The tile's groups as a grouped convolution of their own: e_G groups of e_Mg output and cg input channels.
            int cg = w[1];
            int tg = t.size("G");
            int tm = t.size("Mg");
            ConvGeometry g = new ConvGeometry(t.size("N"), tg * cg, t.maxLen(xi, 3), x[3], tg * tm, cg, w[2], w[3], t.size("OH"), y[3], win.sh(), win.sw(), win.pt(),
                    win.pl(), win.dh(), win.dw(), tg);
            call = new KernelCall.Conv(id, "td_conv_direct", t.sym0(t.out(0)), t.sym0(xi), t.sym0(t.in(1)), hasB ? t.sym0(t.in(2)) : "NULL", "NULL", g);
            String oh = "s" + t.dim("OH");
            setup = set("y", t.ptr(t.out(0))) + set("x", t.ptr(xi)) + set("w", t.ptr(t.in(1))) + set("g.n", t.e("N")) + set("g.group", t.e("G"))
                    + set("g.c", t.e("G") + " * " + cg) + set("g.m", t.e("G") + " * " + t.e("Mg")) + set("g.oh", t.e("OH"))
                    + set("g.h", t.len(xi, 3)) + set("g.pt", win.pt() + " + " + t.lo(xi, 3) + " - " + oh + " * " + win.sh());
        }
        if (hasB) setup += set("b", t.ptr(t.in(2)));
        return List.of(new Bound(call, "td_conv_args", setup));
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
        String oh = "s" + t.dim("OH");
        return List.of(new Bound(call, "td_conv_grad_weight_args", set("dw", t.ptr(dw)) + set("dy", t.ptr(t.in(0))) + set("x", t.ptr(xi))
                + set("g.n", t.e("N")) + set("g.group", t.e("G")) + set("g.c", t.e("G") + " * " + t.e("C")) + set("g.cg", t.e("C"))
                + set("g.m", t.e("G") + " * " + t.e("M")) + set("g.oh", t.e("OH")) + set("g.h", t.len(xi, 3))
                + set("g.pt", win.pt() + " + " + t.lo(xi, 3) + " - " + oh + " * " + win.sh()) + set("accumulate", t.acc(dw))));
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
        return List.of(new Bound(call, "td_conv_grad_input_args", set("dx", t.ptr(dxi)) + set("dy", t.ptr(dyi)) + set("w", t.ptr(t.in(1)))
                + set("g.n", t.e("N")) + set("g.group", t.e("G")) + set("g.c", t.e("G") + " * " + t.e("C")) + set("g.cg", t.e("C"))
                + set("g.m", t.e("G") + " * " + t.e("M")) + set("g.h", t.len(dxi, 3)) + set("g.oh", t.len(dyi, 3))
                + set("g.pt", win.pt() + " + " + t.lo(dxi, 3) + " - " + win.sh() + " * " + t.lo(dyi, 3)) + set("accumulate", t.acc(dxi))));
    }

    /** Pooling: planes (and, for MaxPool, output rows with the window's halo). {@code grad}: out = dX, in = dY (and x = X for MaxPool). */
    private static List<Bound> pool(Tile t, String id, String fn, Window2d win, int countIncludePad, boolean grad) {
        Node n = t.node;
        int[] x = grad ? (n.op() instanceof MaxPoolGrad ? n.input(1).type().shape() : n.output(0).type().shape()) : n.input(0).type().shape();
        int oh = win.outH(x[2]);
        int ow = win.outW(x[3]);
        boolean rows = t.contract.dims().size() > 1;
        int in = t.in(0);
        int out = t.out(0);
        PoolGeometry g = new PoolGeometry(t.size(0), rows ? t.maxLen(in, 1) : x[2], x[3], rows ? t.size(1) : oh, ow, win.kh(), win.kw(), win.sh(), win.sw(), win.pt(),
                win.pl(), win.pb(), win.pr(), win.dh(), win.dw(), countIncludePad);
        boolean readsX = grad && n.op() instanceof MaxPoolGrad;
        KernelCall call = new KernelCall.Pool(id, fn, t.sym0(out), t.sym0(in), readsX ? t.sym0(t.in(1)) : "NULL", g);
        String setup = set("out", t.ptr(out)) + set("in", t.ptr(in)) + set("g.planes", "e0");
        if (readsX) setup += set("x", t.ptr(t.in(1)));
        if (rows) setup += set("g.oh", "e1") + set("g.h", t.len(in, 1)) + set("g.pt", win.pt() + " + " + t.lo(in, 1) + " - s1 * " + win.sh());
        return List.of(new Bound(call, "td_pool_args", setup));
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
        return List.of(new Bound(call, "td_reduce_args", set("y", t.ptr(y)) + set("x", t.ptr(x)) + set("n_out", "e0") + set("out_shape[0]", "e0")
                + set("red_strides[0]", "e0 * " + inner)));
    }

    /** Region copies within one tile: every box is dense in L1, so strides come from the box extents. */
    private static List<Bound> copies(Tile t, String id) {
        Node n = t.node;
        Op op = n.op();
        List<Bound> out = new ArrayList<>();
        if (op instanceof Concat cc) {
            int axis = cc.axis() < 0 ? cc.axis() + n.output(0).type().rank() : cc.axis();
            int y = t.out(0);
            String at = "0";
            for (int i = 0; i < n.inputs().size(); i++) {
                int x = t.in(i);
                int rank = n.input(i).type().rank();
                int[] perm = identity(rank);
                String yOff = "(" + at + ") * " + stride(t, y, axis);
                out.add(copy(t, id + (i == 0 ? "" : "_" + i), x, y, perm, null, yOff, "0", x));
                at = at + " + " + n.input(i).type().dim(axis);
            }
            return out;
        }
        if (op instanceof Split sp) {
            int axis = sp.axis() < 0 ? sp.axis() + n.input(0).type().rank() : sp.axis();
            int x = t.in(0);
            String at = "0";
            for (int i = 0; i < n.outputs().size(); i++) {
                int y = t.out(i);
                String xOff = "(" + at + ") * " + stride(t, x, axis);
                out.add(copy(t, id + (i == 0 ? "" : "_" + i), x, y, identity(n.output(i).type().rank()), null, "0", xOff, y));
                at = at + " + " + n.output(i).type().dim(axis);
            }
            return out;
        }
        int x = t.in(0);
        int y = t.out(0);
        if (op instanceof Reshape) return List.of(copy(t, id, x, y, identity(1), null, "0", "0", y));
        int rank = n.output(0).type().rank();
        if (op instanceof Transpose tr) return List.of(copy(t, id, x, y, tr.perm(), null, "0", "0", y));
        if (op instanceof Slice sl) return List.of(copy(t, id, x, y, identity(rank), sl.steps(), "0", "0", y));
        return List.of(copy(t, id, x, y, identity(rank), null, "0", "0", y));
    }

    private static int[] identity(int rank) {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) p[i] = i;
        return p;
    }

    /** C expression: the dense stride of axis a in operand k's box (the product of the later axes' extents). */
    private static String stride(Tile t, int k, int a) {
        int rank = t.contract.operands().get(k).axes().size();
        StringBuilder s = new StringBuilder("1");
        for (int b = a + 1; b < rank; b++) s.append(" * ").append(t.len(k, b));
        return "(" + s + ")";
    }

    /**
     * One td_copy over the box of {@code shapeOf} (y's box, or x's for Concat): y[i] = x[perm-mapped i];
     * broadcast axes of x (size 1 where y is longer) get stride 0; slice steps scale x's strides.
     */
    private static Bound copy(Tile t, String id, int x, int y, int[] perm, int[] steps, String yOff, String xOff, int shapeOf) {
        int rank = perm.length;
        int elem = t.contract.operands().get(y).elemBytes();
        var xAxes = t.contract.operands().get(x).axes();
        int[] zeros = new int[rank];
        int[] ones = new int[rank];
        java.util.Arrays.fill(ones, 1);
        KernelCall.Copy call = new KernelCall.Copy(id, t.sym0(y), t.sym0(x), elem, ones, zeros, zeros.clone(), 0, 0);
        StringBuilder s = new StringBuilder(set("y", t.ptr(y)) + set("x", t.ptr(x)) + set("y_offset", yOff) + set("x_offset", xOff));
        StringBuilder count = new StringBuilder("1");
        for (int i = 0; i < rank; i++) {
            s.append(set("shape[" + i + "]", t.len(shapeOf, i)));
            s.append(set("y_strides[" + i + "]", stride(t, y, i)));
            int xa = perm[i];
            boolean broadcast = xAxes.get(xa).size() == 1 && t.node.output(0).type().rank() == rank && !(t.node.op() instanceof Concat)
                    && !(t.node.op() instanceof Split) && t.node.output(0).type().dim(i) > 1;
            String xs = broadcast ? "0" : stride(t, x, xa) + (steps != null ? " * " + steps[xa] : "");
            s.append(set("x_strides[" + i + "]", xs));
            count.append(" * ").append(t.len(shapeOf, i));
        }
        s.append(set("n", count.toString()));
        return new Bound(call, "td_copy_args", s.toString());
    }
}
