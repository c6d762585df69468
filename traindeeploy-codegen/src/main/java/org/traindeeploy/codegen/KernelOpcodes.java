package org.traindeeploy.codegen;

import org.traindeeploy.ir.Op;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.traindeeploy.ops.*;

/**
 * The C opcodes of the elementwise kernel families (td_unary_op, td_unary_grad_op, td_binary_op in
 * td_kernels.h), with the constant bounds (lo, hi) the kernels take: one registry from op class to
 * opcode, read by the whole-node lowering ({@link OpLowering}, which registers its elementwise rules
 * for exactly these classes) and the tiled one ({@link TileFamilies}). An elementwise op gets its C
 * kernel by one entry here.
 */
final class KernelOpcodes {
    private KernelOpcodes() {}

    /** An opcode and its td_real arguments. */
    record Code(String op, double lo, double hi) {}

    private static final Map<Class<? extends Op>, Function<Op, Code>> UNARY = new LinkedHashMap<>();
    private static final Map<Class<? extends Op>, Function<Op, Code>> UNARY_GRAD = new LinkedHashMap<>();
    private static final Map<Class<? extends Op>, String> BINARY = new LinkedHashMap<>();

    @SuppressWarnings("unchecked")
    private static <O extends Op> void unary(Map<Class<? extends Op>, Function<Op, Code>> m, Class<O> type, Function<O, Code> code) {
        m.put(type, op -> code.apply((O) op));
    }

    private static Code plain(String op) { return new Code(op, 0, 0); }

    static {
        unary(UNARY, Neg.class, op -> plain("TD_NEG"));
        unary(UNARY, Exp.class, op -> plain("TD_EXP"));
        unary(UNARY, Sqrt.class, op -> plain("TD_SQRT"));
        unary(UNARY, Erf.class, op -> plain("TD_ERF"));
        unary(UNARY, Relu.class, op -> plain("TD_RELU"));
        unary(UNARY, Gelu.class, g -> plain(g.tanh() ? "TD_GELU_TANH" : "TD_GELU"));
        unary(UNARY, Clip.class, c -> new Code("TD_CLIP", c.min(), c.max()));
        unary(UNARY, Activation.class, a -> new Code(a.kind().cName(), a.alpha(), a.beta()));

        unary(UNARY_GRAD, ReluGrad.class, op -> plain("TD_RELU_GRAD"));
        unary(UNARY_GRAD, GeluGrad.class, g -> plain(g.tanh() ? "TD_GELU_TANH_GRAD" : "TD_GELU_GRAD"));
        unary(UNARY_GRAD, ClipGrad.class, c -> new Code("TD_CLIP_GRAD", c.min(), c.max()));
        unary(UNARY_GRAD, ActivationGrad.class, a -> new Code(a.forward().kind().cName() + "_GRAD", a.forward().alpha(), a.forward().beta()));

        BINARY.put(Add.class, "TD_ADD");
        BINARY.put(Sub.class, "TD_SUB");
        BINARY.put(Mul.class, "TD_MUL");
        BINARY.put(Div.class, "TD_DIV");
        BINARY.put(Pow.class, "TD_POW");
    }

    /** The op classes td_unary, td_unary_grad and td_binary implement. */
    static Set<Class<? extends Op>> unaryOps() { return Collections.unmodifiableSet(UNARY.keySet()); }

    static Set<Class<? extends Op>> unaryGradOps() { return Collections.unmodifiableSet(UNARY_GRAD.keySet()); }

    static Set<Class<? extends Op>> binaryOps() { return Collections.unmodifiableSet(BINARY.keySet()); }

    /** td_unary's opcode of a unary op, or null when it has none. */
    static Code unary(Op op) {
        Function<Op, Code> f = UNARY.get(op.getClass());
        return f == null ? null : f.apply(op);
    }

    /** td_unary_grad's opcode of a unary op's gradient, or null when it has none. */
    static Code unaryGrad(Op op) {
        Function<Op, Code> f = UNARY_GRAD.get(op.getClass());
        return f == null ? null : f.apply(op);
    }

    /** td_binary's opcode of a binary op, or null when it has none. */
    static String binary(Op op) { return BINARY.get(op.getClass()); }
}
