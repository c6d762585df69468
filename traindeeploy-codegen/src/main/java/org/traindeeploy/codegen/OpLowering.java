package org.traindeeploy.codegen;

import org.traindeeploy.ir.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.traindeeploy.codegen.KernelCall.Broadcast;
import org.traindeeploy.codegen.KernelCall.ConvGeometry;
import org.traindeeploy.codegen.KernelCall.PoolGeometry;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.*;

/**
 * The explicit registry from op record class to the kernel calls that implement it on the host
 * target: the "lower" step of the pipeline. An op without an entry (or with operand types its
 * kernels do not handle) is a {@link CompileException} naming the node.
 */
final class OpLowering {

    /** Lowers one node whose op is an {@code O}. */
    @FunctionalInterface
    interface Rule<O extends Op> {
        List<KernelCall> lower(O op, Context cx);
    }

    /** What a rule sees: the node, buffer references, fresh names and scratch memory. */
    static final class Context {
        final Node node;
        final BufferPlan plan;
        private final CNames names;

        Context(Node node, BufferPlan plan, CNames names) {
            this.node = node;
            this.plan = plan;
            this.names = names;
        }

        String id() { return names.fresh("k_", node.name()); }

        Value input(int i) { return node.input(i); }

        Value output(int i) { return node.output(i); }

        String in(int i) { return plan.ref(node.input(i)); }

        String out(int i) { return plan.ref(node.output(i)); }

        int[] inShape(int i) { return node.input(i).type().shape(); }

        int[] outShape(int i) { return node.output(i).type().shape(); }

        CompileException unsupported(String what) {
            return CompileException.atNode(node, what + " is not supported by the C target");
        }

        /** The listed inputs must be float32. */
        void floats(int... inputs) {
            for (int i : inputs) {
                Value v = node.input(i);
                if (v != null && v.type().dtype() != DType.FLOAT) throw unsupported("operand " + i + " of type " + v.type());
            }
        }
    }

    private static final Map<Class<? extends Op>, Rule<? extends Op>> RULES = new LinkedHashMap<>();

    private static <O extends Op> void on(Class<O> type, Rule<O> rule) { RULES.put(type, rule); }

    /** The op classes the C target implements. */
    static java.util.Set<Class<? extends Op>> supported() { return java.util.Collections.unmodifiableSet(RULES.keySet()); }

    @SuppressWarnings("unchecked")
    static List<KernelCall> lower(Node node, BufferPlan plan, CNames names) {
        Rule<Op> rule = (Rule<Op>) RULES.get(node.op().getClass());
        if (rule == null) throw CompileException.atNode(node, "the C target has no kernel for " + node.op().opType());
        return rule.lower(node.op(), new Context(node, plan, names));
    }

    private static String real(double v) { return CLiterals.ofDouble(v); }

    static {
        // elementwise.c ------------------------------------------------------------------
        // The elementwise ops are the ones KernelOpcodes has an opcode for (one registry).
        for (Class<? extends Op> c : KernelOpcodes.unaryOps()) {
            on(c, (op, cx) -> {
                KernelOpcodes.Code<KernelCall.UnaryOp> k = KernelOpcodes.unary(op);
                return unary(cx, k.op(), k.lo(), k.hi());
            });
        }
        for (Class<? extends Op> c : KernelOpcodes.unaryGradOps()) {
            on(c, (op, cx) -> {
                KernelOpcodes.Code<KernelCall.UnaryGradOp> k = KernelOpcodes.unaryGrad(op);
                return unaryGrad(cx, k.op(), k.lo(), k.hi());
            });
        }
        for (Class<? extends Op> c : KernelOpcodes.binaryOps()) on(c, (op, cx) -> binary(cx, KernelOpcodes.binary(op)));
        on(org.traindeeploy.ops.Equal.class, (op, cx) -> {
            DType d = cx.input(0).type().dtype();
            if (d != DType.FLOAT && d != DType.INT64) throw cx.unsupported("Equal on " + d.text());
            return List.of(new KernelCall.Equal(cx.id(), cx.out(0), cx.in(0), cx.in(1), d == DType.INT64 ? 1 : 0,
                    Broadcast.of(cx.outShape(0), cx.inShape(0), cx.inShape(1))));
        });
        on(org.traindeeploy.ops.Where.class, (op, cx) -> {
            cx.floats(1, 2);
            return List.of(new KernelCall.Where(cx.id(), cx.out(0), cx.in(0), cx.in(1), cx.in(2),
                    Broadcast.of(cx.outShape(0), cx.inShape(0), cx.inShape(1), cx.inShape(2))));
        });
        on(org.traindeeploy.ops.Cast.class, (op, cx) -> List.of(new KernelCall.Cast(cx.id(), cx.out(0), cx.in(0), cx.input(0).type().size(),
                dtypeCode(cx, cx.input(0).type().dtype()), dtypeCode(cx, op.to()))));

        // reduce.c -----------------------------------------------------------------------
        on(ReduceSum.class, (op, cx) -> reduce(cx, op.axes(), false));
        on(ReduceMean.class, (op, cx) -> reduce(cx, op.axes(), true));
        on(GlobalAveragePool.class, (op, cx) -> {
            int rank = cx.input(0).type().rank();
            int[] axes = new int[rank - 2];
            for (int i = 0; i < axes.length; i++) axes[i] = i + 2;
            return reduce(cx, axes, true);
        });

        // movement.c (Reshape is a view: no kernel) --------------------------------------
        on(Reshape.class, (op, cx) -> {
            if (cx.plan.alias(cx.output(0), cx.input(0))) return List.of();
            return List.of(KernelCall.Copy.contiguous(cx.id(), cx.out(0), cx.in(0), elem(cx.input(0)), new int[] {cx.input(0).type().size()}));
        });
        on(Transpose.class, (op, cx) -> {
            int[] xst = Tensor.strides(cx.inShape(0));
            int[] perm = op.perm();
            int[] st = new int[perm.length];
            for (int i = 0; i < perm.length; i++) st[i] = xst[perm[i]];
            int[] ys = cx.outShape(0);
            return List.of(new KernelCall.Copy(cx.id(), cx.out(0), cx.in(0), elem(cx.input(0)), ys, Tensor.strides(ys), st, 0, 0));
        });
        on(Expand.class, (op, cx) -> {
            int[] ys = cx.outShape(0);
            return List.of(new KernelCall.Copy(cx.id(), cx.out(0), cx.in(0), elem(cx.input(0)), ys, Tensor.strides(ys),
                    OpSupport.broadcastStrides(cx.inShape(0), ys), 0, 0));
        });
        on(Slice.class, (op, cx) -> {
            int[] xst = Tensor.strides(cx.inShape(0));
            int[] st = new int[xst.length];
            int base = 0;
            for (int a = 0; a < xst.length; a++) {
                st[a] = xst[a] * op.steps()[a];
                base += xst[a] * op.starts()[a];
            }
            int[] ys = cx.outShape(0);
            return List.of(new KernelCall.Copy(cx.id(), cx.out(0), cx.in(0), elem(cx.input(0)), ys, Tensor.strides(ys), st, 0, base));
        });
        on(SliceGrad.class, (op, cx) -> {
            cx.floats(0);
            int[] xst = Tensor.strides(op.inputShape());
            int[] st = new int[xst.length];
            int base = 0;
            for (int a = 0; a < xst.length; a++) {
                st[a] = xst[a] * op.steps()[a];
                base += xst[a] * op.starts()[a];
            }
            int[] dys = cx.inShape(0);
            KernelCall.Copy copy = new KernelCall.Copy(cx.id() + "_copy", cx.out(0), cx.in(0), 4, dys, st, Tensor.strides(dys), base, 0);
            return List.of(new KernelCall.Scatter(cx.id(), cx.output(0).type().size(), CLiterals.ofFloat(0f), copy));
        });
        on(Pad.class, (op, cx) -> {
            cx.floats(0);
            int[] ys = cx.outShape(0);
            int[] yst = Tensor.strides(ys);
            int base = 0;
            for (int a = 0; a < yst.length; a++) base += yst[a] * op.begins()[a];
            int[] xs = cx.inShape(0);
            KernelCall.Copy copy = new KernelCall.Copy(cx.id() + "_copy", cx.out(0), cx.in(0), 4, xs, yst, Tensor.strides(xs), base, 0);
            return List.of(new KernelCall.Scatter(cx.id(), cx.output(0).type().size(), CLiterals.ofFloat((float) op.value()), copy));
        });
        on(Split.class, (op, cx) -> {
            int[] xst = Tensor.strides(cx.inShape(0));
            List<KernelCall> calls = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < op.sizes().length; i++) {
                int[] ys = cx.outShape(i);
                calls.add(new KernelCall.Copy(cx.id(), cx.out(i), cx.in(0), elem(cx.input(0)), ys, Tensor.strides(ys), xst, 0, start * xst[op.axis()]));
                start += op.sizes()[i];
            }
            return calls;
        });
        on(Concat.class, (op, cx) -> {
            int[] yst = Tensor.strides(cx.outShape(0));
            List<KernelCall> calls = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < cx.node.inputs().size(); i++) {
                int[] xs = cx.inShape(i);
                calls.add(new KernelCall.Copy(cx.id(), cx.out(0), cx.in(i), elem(cx.input(i)), xs, yst, Tensor.strides(xs), start * yst[op.axis()], 0));
                start += xs[op.axis()];
            }
            return calls;
        });
        on(Gather.class, (op, cx) -> {
            cx.floats(0);
            return gather(cx, false, cx.inShape(0), op.axis(), cx.input(1));
        });
        on(GatherGrad.class, (op, cx) -> {
            cx.floats(0);
            return gather(cx, true, op.inputShape(), op.axis(), cx.input(1));
        });

        // linear.c -----------------------------------------------------------------------
        on(org.traindeeploy.ops.Linear.class, (op, cx) -> {
            cx.floats(0, 1, 2);
            int[] w = cx.inShape(1);
            int k = op.transW() ? w[1] : w[0];
            int n = op.transW() ? w[0] : w[1];
            int rows = cx.input(0).type().size() / Math.max(k, 1);
            if (cx.input(3) != null) cx.floats(3);
            return List.of(new KernelCall.Linear(cx.id(), cx.out(0), cx.in(0), cx.in(1), cx.in(2), cx.in(3), rows, k, n, op.transW() ? 1 : 0, real(op.alpha())));
        });
        on(org.traindeeploy.ops.LoraLinear.class, (op, cx) -> {
            cx.floats(0, 1, 2, 3, 4);
            int[] w = cx.inShape(1);
            int k = op.transW() ? w[1] : w[0];
            int n = op.transW() ? w[0] : w[1];
            int rows = cx.input(0).type().size() / Math.max(k, 1);
            return List.of(new KernelCall.LoraLinear(cx.id(), cx.out(0), cx.out(1), cx.in(0), cx.in(1), cx.in(2), cx.in(3), cx.in(4), rows, k, n,
                    cx.inShape(3)[0], op.transW() ? 1 : 0, real(op.alpha()), real(op.scale())));
        });
        on(org.traindeeploy.ops.LinearGradWeight.class, (op, cx) -> {
            cx.floats(0, 1);
            int k = cx.input(0).type().dim(-1);
            int n = cx.input(1).type().dim(-1);
            int rows = cx.input(0).type().size() / Math.max(k, 1);
            return List.of(new KernelCall.LinearGradWeight(cx.id(), cx.out(0), cx.in(0), cx.in(1), rows, k, n, op.transW() ? 1 : 0, real(op.alpha())));
        });
        on(org.traindeeploy.ops.MatMul.class, (op, cx) -> {
            cx.floats(0, 1);
            int[] as = cx.inShape(0);
            int[] bs = cx.inShape(1);
            int[] ys = cx.outShape(0);
            int m = as[as.length - 2];
            int k = as[as.length - 1];
            int n = bs[bs.length - 1];
            int[] batch = Arrays.copyOf(ys, ys.length - 2);
            KernelCall.checkRank(ys.length);
            int[][] off = OpSupport.offsets(batch, OpSupport.broadcastStrides(Arrays.copyOf(as, as.length - 2), batch),
                    OpSupport.broadcastStrides(Arrays.copyOf(bs, bs.length - 2), batch));
            int[] aOff = new int[off[0].length];
            int[] bOff = new int[off[1].length];
            for (int p = 0; p < aOff.length; p++) {
                aOff[p] = off[0][p] * m * k;
                bOff[p] = off[1][p] * k * n;
            }
            return List.of(new KernelCall.MatMul(cx.id(), cx.out(0), cx.in(0), cx.in(1), aOff, bOff, m, k, n));
        });

        // conv.c -------------------------------------------------------------------------
        on(org.traindeeploy.ops.Conv.class, (op, cx) -> {
            cx.floats(0, 1, 2);
            ConvGeometry g = convGeometry(op, cx.inShape(0), cx.inShape(1), cx.outShape(0));
            if (g.group() == 1) {
                String col = cx.plan.scratchFloats((long) g.cg() * g.kh() * g.kw() * g.oh() * g.ow());
                return List.of(new KernelCall.Conv(cx.id(), "td_conv_im2col", cx.out(0), cx.in(0), cx.in(1), cx.in(2), col, g));
            }
            return List.of(new KernelCall.Conv(cx.id(), "td_conv_direct", cx.out(0), cx.in(0), cx.in(1), cx.in(2), "NULL", g));
        });
        on(org.traindeeploy.ops.ConvGradInput.class, (op, cx) -> {
            cx.floats(0, 1);
            ConvGeometry g = convGeometry(op.conv(), op.inputShape(), cx.inShape(1), cx.inShape(0));
            return List.of(new KernelCall.ConvGradInput(cx.id(), cx.out(0), cx.in(0), cx.in(1), g));
        });
        on(org.traindeeploy.ops.ConvGradWeight.class, (op, cx) -> {
            cx.floats(0, 1);
            ConvGeometry g = convGeometry(op.conv(), cx.inShape(1), op.weightShape(), cx.inShape(0));
            return List.of(new KernelCall.ConvGradWeight(cx.id(), cx.out(0), cx.in(0), cx.in(1), g));
        });

        // pool.c -------------------------------------------------------------------------
        on(MaxPool.class, (op, cx) -> {
            cx.floats(0);
            return List.of(new KernelCall.Pool(cx.id(), "td_maxpool", cx.out(0), cx.in(0), "NULL", poolGeometry(op.window(), false, cx.inShape(0))));
        });
        on(MaxPoolGrad.class, (op, cx) -> {
            cx.floats(0, 1);
            return List.of(new KernelCall.Pool(cx.id(), "td_maxpool_grad", cx.out(0), cx.in(0), cx.in(1), poolGeometry(op.window(), false, cx.inShape(1))));
        });
        on(AveragePool.class, (op, cx) -> {
            cx.floats(0);
            return List.of(new KernelCall.Pool(cx.id(), "td_avgpool", cx.out(0), cx.in(0), "NULL",
                    poolGeometry(op.window(), op.countIncludePad(), cx.inShape(0))));
        });
        on(AveragePoolGrad.class, (op, cx) -> {
            cx.floats(0);
            return List.of(new KernelCall.Pool(cx.id(), "td_avgpool_grad", cx.out(0), cx.in(0), "NULL",
                    poolGeometry(op.window(), op.countIncludePad(), op.inputShape())));
        });

        // norm.c -------------------------------------------------------------------------
        on(LayerNormalization.class, (op, cx) -> {
            cx.floats(0, 1, 2);
            int[] xs = cx.inShape(0);
            int n = OpSupport.product(xs, op.axis(), xs.length);
            int rows = cx.input(0).type().size() / Math.max(n, 1);
            return List.of(new KernelCall.LayerNorm(cx.id(), cx.out(0), cx.in(0), cx.in(1), cx.in(2), rows, n, real(op.epsilon())));
        });
        on(org.traindeeploy.ops.LayerNormGrad.class, (op, cx) -> {
            cx.floats(0, 1, 2);
            int[] xs = cx.inShape(1);
            int n = OpSupport.product(xs, op.axis(), xs.length);
            int rows = cx.input(1).type().size() / Math.max(n, 1);
            String stats = cx.plan.scratchAcc(2L * rows);
            return List.of(new KernelCall.LayerNormGrad(cx.id(), cx.out(0), cx.out(1), cx.out(2), cx.in(0), cx.in(1), cx.in(2), stats,
                    rows, n, real(op.epsilon()), 0));
        });

        on(BatchNormalization.class, (op, cx) -> {
            cx.floats(0, 1, 2, 3, 4);
            int[] xs = cx.inShape(0);
            boolean t = op.training();
            return List.of(new KernelCall.BatchNorm(cx.id(), cx.out(0), t ? cx.out(1) : "NULL", t ? cx.out(2) : "NULL", cx.in(0), cx.in(1), cx.in(2),
                    cx.in(3), cx.in(4), xs[0], xs[1], OpSupport.product(xs, 2, xs.length), real(op.epsilon()), real(op.momentum()), t ? 1 : 0));
        });
        on(org.traindeeploy.ops.BatchNormGrad.class, (op, cx) -> {
            cx.floats(0, 1, 2);
            int[] xs = cx.inShape(1);
            boolean t = op.training();
            if (!t) cx.floats(3, 4);
            return List.of(new KernelCall.BatchNormGrad(cx.id(), cx.out(0), cx.out(1), cx.out(2), cx.in(0), cx.in(1), cx.in(2),
                    t ? "NULL" : cx.in(3), t ? "NULL" : cx.in(4), xs[0], xs[1], OpSupport.product(xs, 2, xs.length), real(op.epsilon()), t ? 1 : 0));
        });

        // softmax.c ----------------------------------------------------------------------
        on(org.traindeeploy.ops.Softmax.class, (op, cx) -> {
            cx.floats(0);
            int[] s = split(cx.inShape(0), op.axis());
            return List.of(new KernelCall.Softmax(cx.id(), cx.out(0), cx.in(0), s[0], s[1], s[2]));
        });
        on(org.traindeeploy.ops.SoftmaxGrad.class, (op, cx) -> {
            cx.floats(0, 1);
            int[] s = split(cx.inShape(0), op.axis());
            return List.of(new KernelCall.SoftmaxGrad(cx.id(), cx.out(0), cx.in(0), cx.in(1), s[0], s[1], s[2]));
        });

        // loss.c -------------------------------------------------------------------------
        on(SoftmaxCrossEntropy.class, (op, cx) -> loss(cx, "td_cross_entropy", -1));
        on(SoftmaxCrossEntropyGrad.class, (op, cx) -> loss(cx, "td_cross_entropy_grad", 0));
        on(MseLoss.class, (op, cx) -> loss(cx, "td_mse", -1));
        on(MseLossGrad.class, (op, cx) -> loss(cx, "td_mse_grad", 0));

        // optimizer.c --------------------------------------------------------------------
        on(SgdUpdate.class, (op, cx) -> {
            cx.floats(0, 1, 2);
            boolean v = op.hasVelocity();
            return List.of(new KernelCall.Sgd(cx.id(), cx.out(0), v ? cx.out(1) : "NULL", cx.in(0), cx.in(1), v ? cx.in(2) : "NULL",
                    cx.input(0).type().size(), real(op.lr()), real(op.momentum()), real(op.weightDecay()), op.nesterov() ? 1 : 0));
        });
        on(AdamUpdate.class, (op, cx) -> {
            cx.floats(0, 1, 2, 3, 4);
            return List.of(new KernelCall.Adam(cx.id(), cx.out(0), cx.out(1), cx.out(2), cx.in(0), cx.in(1), cx.in(2), cx.in(3), cx.in(4),
                    cx.input(0).type().size(), real(op.lr()), real(op.beta1()), real(op.beta2()), real(op.eps()), real(op.weightDecay())));
        });
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static List<KernelCall> unary(Context cx, KernelCall.UnaryOp op, double lo, double hi) {
        cx.floats(0);
        return List.of(new KernelCall.Unary(cx.id(), cx.out(0), cx.in(0), cx.input(0).type().size(), op, real(lo), real(hi)));
    }

    private static List<KernelCall> unaryGrad(Context cx, KernelCall.UnaryGradOp op, double lo, double hi) {
        cx.floats(0, 1);
        if (!cx.input(0).type().equals(cx.input(1).type())) throw cx.unsupported("operands of different shapes");
        return List.of(new KernelCall.UnaryGrad(cx.id(), cx.out(0), cx.in(0), cx.in(1), cx.input(0).type().size(), op, real(lo), real(hi)));
    }

    private static List<KernelCall> binary(Context cx, KernelCall.BinaryOp op) {
        if (cx.input(0).type().dtype() != DType.FLOAT) throw cx.unsupported(cx.node.op().opType() + " on " + cx.input(0).type().dtype().text());
        return List.of(new KernelCall.Binary(cx.id(), cx.out(0), cx.in(0), cx.in(1), op, Broadcast.of(cx.outShape(0), cx.inShape(0), cx.inShape(1))));
    }

    private static KernelCall.CastType dtypeCode(Context cx, DType d) {
        return switch (d) {
            case FLOAT -> KernelCall.CastType.TD_DT_FLOAT;
            case INT64 -> KernelCall.CastType.TD_DT_INT64;
            case INT32 -> KernelCall.CastType.TD_DT_INT32;
            case BOOL -> KernelCall.CastType.TD_DT_BOOL;
            case DOUBLE -> throw cx.unsupported("float64");
        };
    }

    private static int elem(Value v) { return v.type().dtype().bytes(); }

    private static List<KernelCall> reduce(Context cx, int[] axes, boolean mean) {
        cx.floats(0);
        int[] xs = cx.inShape(0);
        KernelCall.checkRank(xs.length);
        int[] a = org.traindeeploy.ops.Reduce.normalize(axes, xs.length);
        int[] xst = Tensor.strides(xs);
        int[] outShape = xs.clone();
        int[] redShape = new int[a.length];
        int[] redStrides = new int[a.length];
        long count = 1;
        for (int i = 0; i < a.length; i++) {
            outShape[a[i]] = 1;
            redShape[i] = xs[a[i]];
            redStrides[i] = xst[a[i]];
            count *= xs[a[i]];
        }
        return List.of(new KernelCall.Reduce(cx.id(), cx.out(0), cx.in(0), cx.output(0).type().size(), outShape, xst, redShape, redStrides,
                real(mean ? count : 1)));
    }

    private static List<KernelCall> gather(Context cx, boolean grad, int[] xs, int axis, Value indices) {
        DType d = indices.type().dtype();
        if (d != DType.INT64 && d != DType.INT32) throw cx.unsupported("indices of type " + d.text());
        String idx = cx.plan.ref(indices);
        String idx64 = d == DType.INT64 ? idx : "NULL";
        String idx32 = d == DType.INT32 ? idx : "NULL";
        int outer = OpSupport.product(xs, 0, axis);
        int inner = OpSupport.product(xs, axis + 1, xs.length);
        int nidx = indices.type().size();
        return List.of(grad ? new KernelCall.GatherGrad(cx.id(), cx.out(0), cx.in(0), idx64, idx32, outer, xs[axis], nidx, inner)
                : new KernelCall.Gather(cx.id(), cx.out(0), cx.in(0), idx64, idx32, outer, xs[axis], nidx, inner));
    }

    private static ConvGeometry convGeometry(org.traindeeploy.ops.Conv op, int[] x, int[] w, int[] y) {
        Window2d win = op.window(w[2], w[3]);
        return new ConvGeometry(x[0], x[1], x[2], x[3], w[0], w[1], w[2], w[3], y[2], y[3], win.sh(), win.sw(), win.pt(), win.pl(),
                win.dh(), win.dw(), op.group());
    }

    private static PoolGeometry poolGeometry(Window2d win, boolean countIncludePad, int[] x) {
        return new PoolGeometry(x[0] * x[1], x[2], x[3], win.outH(x[2]), win.outW(x[3]), win.kh(), win.kw(), win.sh(), win.sw(),
                win.pt(), win.pl(), win.pb(), win.pr(), win.dh(), win.dw(), countIncludePad ? 1 : 0);
    }

    /** [outer, n, inner] around {@code axis}. */
    private static int[] split(int[] shape, int axis) {
        return new int[] {OpSupport.product(shape, 0, axis), shape[axis], OpSupport.product(shape, axis + 1, shape.length)};
    }

    /** A loss kernel; {@code dlInput} is the index of dL among the inputs, or -1 for the forward form. */
    private static List<KernelCall> loss(Context cx, String function, int dlInput) {
        int z = dlInput < 0 ? 0 : 1;
        cx.floats(z);
        if (dlInput >= 0) cx.floats(dlInput);
        Value labels = cx.input(z + 1);
        DType d = labels.type().dtype();
        String l = cx.plan.ref(labels);
        int[] zs = cx.inShape(z);
        if (d == DType.FLOAT) {
            // MSE against float targets of the output's shape: [batch, rest] flattened.
            int rest = cx.input(z).type().size() / Math.max(zs[0], 1);
            return List.of(new KernelCall.Loss(cx.id(), function, cx.out(0), cx.in(z), "NULL", "NULL", l, dlInput < 0 ? "NULL" : cx.in(dlInput), zs[0], rest));
        }
        if (d != DType.INT64 && d != DType.INT32) throw cx.unsupported("labels of type " + d.text());
        return List.of(new KernelCall.Loss(cx.id(), function, cx.out(0), cx.in(z), d == DType.INT64 ? l : "NULL", d == DType.INT32 ? l : "NULL", "NULL",
                dlInput < 0 ? "NULL" : cx.in(dlInput), zs[0], zs[1]));
    }
}
