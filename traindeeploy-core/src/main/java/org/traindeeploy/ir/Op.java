package org.traindeeploy.ir;

import java.util.List;

/**
 * One operator's whole story: an op is a record of its typed attributes (validated in its
 * constructor), and implements shape/type inference, reference evaluation, its gradient rule and
 * its cost. Ops are immutable values; a {@link org.traindeeploy.ir.Node} applies one to inputs.
 */
public interface Op {

    /** The op's name in printed IR and error messages (its ONNX op_type where it has one). */
    default String opType() { return getClass().getSimpleName(); }

    /**
     * Output types for these inputs (null entries are absent optional inputs). Ops that need an
     * input's value to know their output shape read it from a constant input and fail with a
     * {@link CompileException} naming the input if it is not constant.
     */
    List<TensorType> inferTypes(List<Value> inputs);

    /**
     * Reference evaluation. Floating inputs are computed in double precision; the interpreter
     * rounds FLOAT outputs to float32 afterwards, so one implementation serves float32 runs and the
     * float64 gradient checks.
     */
    List<Tensor> evaluate(List<Tensor> inputs);

    /** Whether a node of this op with only constant inputs may be evaluated at compile time. */
    default boolean isFoldable() { return true; }

    /**
     * Reverse-mode rule: gradients of the loss with respect to each input, given those of the
     * outputs ({@link GradientContext#gradOutput}). Returns one entry per input, null where the
     * input needs no gradient ({@link GradientContext#needsGrad}) or has none.
     */
    default List<Value> gradient(GradientContext g) {
        throw new CompileException("op " + opType() + " has no gradient rule");
    }

    /** Multiply-accumulates of one application (0 for data movement). */
    default long macs(List<TensorType> inputs, List<TensorType> outputs) { return 0; }

    /**
     * The scalar window loops the cluster kernel of this op runs: entries of its loop over one
     * window's taps (a direct convolution: per output element and input channel) and iterations of
     * the innermost tap loop. The cost model prices them apart from the MACs (docs/cost-model.md),
     * since a scalar gather costs several times a register-blocked MAC. NONE for ops without one.
     */
    default ScalarLoops scalarLoops(List<TensorType> inputs, List<TensorType> outputs) { return ScalarLoops.NONE; }

    /** Loop counts of a kernel's scalar window loops ({@link #scalarLoops}). */
    record ScalarLoops(long windows, long taps) {
        public static final ScalarLoops NONE = new ScalarLoops(0, 0);
    }

    /** Other arithmetic operations of one application (adds, compares, transcendental calls). */
    default long flops(List<TensorType> inputs, List<TensorType> outputs) {
        long n = 0;
        for (TensorType t : outputs) n += t.size();
        return n;
    }

    /**
     * How this op's work may be split into L1 tiles (which dimensions, what halo). The default
     * splits the first output's elements into contiguous chunks, streaming same-size operands.
     */
    default org.traindeeploy.ir.TileContract tileContract(List<TensorType> inputs, List<TensorType> outputs) {
        return org.traindeeploy.ir.TileContract.whole(inputs, outputs);
    }

    /** Whether this op's first output may be written over its first input's buffer (same size, read-before-write per element). */
    default boolean canRunInPlace() { return false; }

    /** Whether an application whose output shares its input's buffer is only a view of it: no code, no bytes moved (a Reshape). */
    default boolean isView() { return false; }
}
