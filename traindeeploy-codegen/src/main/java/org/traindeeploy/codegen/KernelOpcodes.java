package org.traindeeploy.codegen;

import org.traindeeploy.ops.*;

/**
 * The C opcodes of the elementwise kernel families (td_unary_op, td_unary_grad_op, td_binary_op in
 * td_kernels.h), named in one place for the whole-node lowering ({@link OpLowering}) and the tiled
 * one ({@link TileFamilies}), with the constant bounds (lo, hi) the kernels take.
 */
final class KernelOpcodes {
    private KernelOpcodes() {}

    /** An opcode and its td_real arguments. */
    record Code(String op, double lo, double hi) {}

    /** td_unary's opcode of a unary op, or null when it has none. */
    static Code unary(Op op) {
        if (op instanceof Neg) return new Code("TD_NEG", 0, 0);
        if (op instanceof Exp) return new Code("TD_EXP", 0, 0);
        if (op instanceof Sqrt) return new Code("TD_SQRT", 0, 0);
        if (op instanceof Erf) return new Code("TD_ERF", 0, 0);
        if (op instanceof Relu) return new Code("TD_RELU", 0, 0);
        if (op instanceof Gelu g) return new Code(g.tanh() ? "TD_GELU_TANH" : "TD_GELU", 0, 0);
        if (op instanceof Clip c) return new Code("TD_CLIP", c.min(), c.max());
        if (op instanceof Activation a) return new Code(a.kind().cName(), a.alpha(), a.beta());
        return null;
    }

    /** td_unary_grad's opcode of a unary op's gradient, or null when it has none. */
    static Code unaryGrad(Op op) {
        if (op instanceof ReluGrad) return new Code("TD_RELU_GRAD", 0, 0);
        if (op instanceof GeluGrad g) return new Code(g.tanh() ? "TD_GELU_TANH_GRAD" : "TD_GELU_GRAD", 0, 0);
        if (op instanceof ClipGrad c) return new Code("TD_CLIP_GRAD", c.min(), c.max());
        if (op instanceof ActivationGrad a) return new Code(a.forward().kind().cName() + "_GRAD", a.forward().alpha(), a.forward().beta());
        return null;
    }

    /** td_binary's opcode of a binary op, or null when it has none. */
    static String binary(Op op) {
        if (op instanceof Add) return "TD_ADD";
        if (op instanceof Sub) return "TD_SUB";
        if (op instanceof Mul) return "TD_MUL";
        if (op instanceof Div) return "TD_DIV";
        if (op instanceof Pow) return "TD_POW";
        return null;
    }
}
