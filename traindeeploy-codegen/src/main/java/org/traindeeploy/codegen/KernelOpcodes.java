package org.traindeeploy.codegen;

import org.traindeeploy.ir.Op;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.traindeeploy.codegen.KernelCall.BinaryOp;
import org.traindeeploy.codegen.KernelCall.UnaryGradOp;
import org.traindeeploy.codegen.KernelCall.UnaryOp;
import org.traindeeploy.ops.*;

/**
 * The opcodes of the elementwise kernel families ({@link KernelCall.UnaryOp}, {@link
 * KernelCall.UnaryGradOp}, {@link KernelCall.BinaryOp}: the one definition of the C enums
 * td_unary_op, td_unary_grad_op, td_binary_op of the generated td_args.h), with the constant bounds
 * (lo, hi) the kernels take: one registry from op class to opcode, read by the whole-node lowering
 * ({@link OpLowering}, which registers its elementwise rules for exactly these classes) and the tiled
 * one ({@link TileFamilies}). An elementwise op gets its C kernel by one entry here (and, for a new
 * function, one enumerator in the enum and one case in elementwise.c).
 */
final class KernelOpcodes {
    private KernelOpcodes() {}

    /** An opcode and its td_real arguments. */
    record Code<E extends java.lang.Enum<E>>(E op, double lo, double hi) {}

    private static final Map<Class<? extends Op>, Function<Op, Code<UnaryOp>>> UNARY = new LinkedHashMap<>();
    private static final Map<Class<? extends Op>, Function<Op, Code<UnaryGradOp>>> UNARY_GRAD = new LinkedHashMap<>();
    private static final Map<Class<? extends Op>, BinaryOp> BINARY = new LinkedHashMap<>();

    @SuppressWarnings("unchecked")
    private static <O extends Op, E extends java.lang.Enum<E>> void unary(Map<Class<? extends Op>, Function<Op, Code<E>>> m, Class<O> type, Function<O, Code<E>> code) {
        m.put(type, op -> code.apply((O) op));
    }

    private static <E extends java.lang.Enum<E>> Code<E> plain(E op) { return new Code<>(op, 0, 0); }

    /** The opcode of an Activation kind, and of its gradient. */
    private static UnaryOp of(Activation.Kind k) {
        return switch (k) {
            case SIGMOID -> UnaryOp.TD_SIGMOID;
            case TANH -> UnaryOp.TD_TANH;
            case HARD_SIGMOID -> UnaryOp.TD_HARD_SIGMOID;
            case HARD_SWISH -> UnaryOp.TD_HARD_SWISH;
            case LEAKY_RELU -> UnaryOp.TD_LEAKY_RELU;
        };
    }

    private static UnaryGradOp gradOf(Activation.Kind k) {
        return switch (k) {
            case SIGMOID -> UnaryGradOp.TD_SIGMOID_GRAD;
            case TANH -> UnaryGradOp.TD_TANH_GRAD;
            case HARD_SIGMOID -> UnaryGradOp.TD_HARD_SIGMOID_GRAD;
            case HARD_SWISH -> UnaryGradOp.TD_HARD_SWISH_GRAD;
            case LEAKY_RELU -> UnaryGradOp.TD_LEAKY_RELU_GRAD;
        };
    }

    static {
        unary(UNARY, Neg.class, op -> plain(UnaryOp.TD_NEG));
        unary(UNARY, Exp.class, op -> plain(UnaryOp.TD_EXP));
        unary(UNARY, Sqrt.class, op -> plain(UnaryOp.TD_SQRT));
        unary(UNARY, Erf.class, op -> plain(UnaryOp.TD_ERF));
        unary(UNARY, Relu.class, op -> plain(UnaryOp.TD_RELU));
        unary(UNARY, Gelu.class, g -> plain(g.tanh() ? UnaryOp.TD_GELU_TANH : UnaryOp.TD_GELU));
        unary(UNARY, Clip.class, c -> new Code<>(UnaryOp.TD_CLIP, c.min(), c.max()));
        unary(UNARY, Activation.class, a -> new Code<>(of(a.kind()), a.alpha(), a.beta()));

        unary(UNARY_GRAD, ReluGrad.class, op -> plain(UnaryGradOp.TD_RELU_GRAD));
        unary(UNARY_GRAD, GeluGrad.class, g -> plain(g.tanh() ? UnaryGradOp.TD_GELU_TANH_GRAD : UnaryGradOp.TD_GELU_GRAD));
        unary(UNARY_GRAD, ClipGrad.class, c -> new Code<>(UnaryGradOp.TD_CLIP_GRAD, c.min(), c.max()));
        unary(UNARY_GRAD, ActivationGrad.class, a -> new Code<>(gradOf(a.forward().kind()), a.forward().alpha(), a.forward().beta()));

        BINARY.put(Add.class, BinaryOp.TD_ADD);
        BINARY.put(Sub.class, BinaryOp.TD_SUB);
        BINARY.put(Mul.class, BinaryOp.TD_MUL);
        BINARY.put(Div.class, BinaryOp.TD_DIV);
        BINARY.put(Pow.class, BinaryOp.TD_POW);
    }

    /** The op classes td_unary, td_unary_grad and td_binary implement. */
    static Set<Class<? extends Op>> unaryOps() { return Collections.unmodifiableSet(UNARY.keySet()); }

    static Set<Class<? extends Op>> unaryGradOps() { return Collections.unmodifiableSet(UNARY_GRAD.keySet()); }

    static Set<Class<? extends Op>> binaryOps() { return Collections.unmodifiableSet(BINARY.keySet()); }

    /** td_unary's opcode of a unary op, or null when it has none. */
    static Code<UnaryOp> unary(Op op) {
        Function<Op, Code<UnaryOp>> f = UNARY.get(op.getClass());
        return f == null ? null : f.apply(op);
    }

    /** td_unary_grad's opcode of a unary op's gradient, or null when it has none. */
    static Code<UnaryGradOp> unaryGrad(Op op) {
        Function<Op, Code<UnaryGradOp>> f = UNARY_GRAD.get(op.getClass());
        return f == null ? null : f.apply(op);
    }

    /** td_binary's opcode of a binary op, or null when it has none. */
    static BinaryOp binary(Op op) { return BINARY.get(op.getClass()); }
}
