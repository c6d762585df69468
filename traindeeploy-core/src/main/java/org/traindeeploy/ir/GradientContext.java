package org.traindeeploy.ir;

import java.util.List;

/** What a gradient rule sees and may emit; implemented by the autodiff pass. */
public interface GradientContext {
    /** The forward node being differentiated. */
    Node node();

    default Value input(int i) { return node().input(i); }

    default Value output(int i) { return node().output(i); }

    /** d loss / d output i, or null when that output does not reach the loss. */
    Value gradOutput(int i);

    /** Whether input i lies on a path from a trainable tensor, so that its gradient is wanted. */
    boolean needsGrad(int i);

    /** Emit a node of the backward graph; returns its single output. */
    Value emit(Op op, Value... inputs);

    /** Emit a node with several outputs. */
    List<Value> emitMulti(Op op, Value... inputs);

    /** A compile-time constant in the backward graph. */
    Value constant(Tensor t);

    /** A scalar constant of the same floating dtype as {@code like}. */
    default Value scalar(double v, Value like) { return constant(Tensor.scalar(like.type().dtype(), v)); }

    /** {@code grad} summed over the axes along which {@code target} was broadcast, then shaped as {@code target}. */
    Value sumToShape(Value grad, TensorType target);

    /** A zero tensor of the given type (for outputs that do not reach the loss). */
    default Value zeros(TensorType t) { return constant(Tensor.zeros(t)); }

    /** gradOutput(i), or zeros of that output's type when it does not reach the loss. */
    default Value gradOutputOrZero(int i) {
        Value g = gradOutput(i);
        return g != null ? g : zeros(output(i).type());
    }
}
