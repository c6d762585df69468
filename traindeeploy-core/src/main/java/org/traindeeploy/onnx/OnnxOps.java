package org.traindeeploy.onnx;

import org.traindeeploy.ir.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.*;

/**
 * The explicit registry from ONNX op types to IR: each entry reads the node's attributes and
 * opset-dependent inputs and emits IR nodes in one canonical form per op (Squeeze, Unsqueeze and
 * Flatten become {@link Reshape}; Gemm becomes {@link Linear}; axes given as inputs or attributes
 * become attributes; Shape, Constant and Identity produce no node).
 */
public final class OnnxOps {
    private OnnxOps() {}

    /** Imports one ONNX node and returns the values for its outputs (null for absent outputs). */
    @FunctionalInterface
    public interface Importer {
        List<Value> importNode(NodeContext c);
    }

    private static final Map<String, Importer> DEFAULT_DOMAIN = new TreeMap<>();
    private static final Map<String, Importer> MICROSOFT_DOMAIN = new TreeMap<>();

    static {
        Map<String, Importer> r = DEFAULT_DOMAIN;
        r.put("Add", c -> binary(c, new Add()));
        r.put("Sub", c -> binary(c, new Sub()));
        r.put("Mul", c -> binary(c, new Mul()));
        r.put("Div", c -> binary(c, new Div()));
        r.put("Pow", OnnxOps::pow);
        r.put("Equal", c -> binary(c, new Equal()));
        r.put("Relu", c -> c.emit(new Relu(), c.requireInput(0)));
        r.put("Erf", c -> c.emit(new Erf(), c.requireInput(0)));
        r.put("Sqrt", c -> c.emit(new Sqrt(), c.requireInput(0)));
        r.put("Exp", c -> c.emit(new Exp(), c.requireInput(0)));
        r.put("Neg", c -> c.emit(new Neg(), c.requireInput(0)));
        r.put("Gelu", c -> c.emit(Gelu.of(c.attrString("approximate", "none")), c.requireInput(0)));
        r.put("Sigmoid", c -> c.emit(Activation.of(Activation.Kind.SIGMOID), c.requireInput(0)));
        r.put("Tanh", c -> c.emit(Activation.of(Activation.Kind.TANH), c.requireInput(0)));
        r.put("HardSigmoid", c -> c.emit(new Activation(Activation.Kind.HARD_SIGMOID, c.attrFloat("alpha", 0.2), c.attrFloat("beta", 0.5)), c.requireInput(0)));
        r.put("HardSwish", c -> c.emit(Activation.of(Activation.Kind.HARD_SWISH), c.requireInput(0)));
        r.put("LeakyRelu", c -> c.emit(new Activation(Activation.Kind.LEAKY_RELU, c.attrFloat("alpha", 0.01), 0), c.requireInput(0)));
        r.put("Pad", OnnxOps::pad);
        r.put("BatchNormalization", c -> batchNorm(c, false));
        r.put("Clip", OnnxOps::clip);
        r.put("Softmax", OnnxOps::softmax);
        r.put("LayerNormalization", OnnxOps::layerNorm);
        r.put("ReduceMean", c -> reduce(c, true, 18));
        r.put("ReduceSum", c -> reduce(c, false, 13));
        r.put("Conv", OnnxOps::conv);
        r.put("MaxPool", OnnxOps::maxPool);
        r.put("AveragePool", OnnxOps::averagePool);
        r.put("GlobalAveragePool", c -> c.emit(new GlobalAveragePool(), c.requireInput(0)));
        r.put("Gemm", OnnxOps::gemm);
        r.put("MatMul", c -> c.emit(new MatMul(), c.requireInput(0), c.requireInput(1)));
        r.put("Flatten", OnnxOps::flatten);
        r.put("Reshape", OnnxOps::reshape);
        r.put("Transpose", OnnxOps::transpose);
        r.put("Squeeze", OnnxOps::squeeze);
        r.put("Unsqueeze", OnnxOps::unsqueeze);
        r.put("Split", OnnxOps::split);
        r.put("Slice", OnnxOps::slice);
        r.put("Concat", c -> c.emit(new Concat(OpSupportAxis.axis(c, c.attrInt("axis", Long.MIN_VALUE), c.requireInput(0).type().rank())), presentInputs(c)));
        r.put("Gather", c -> c.emit(new Gather(OpSupportAxis.axis(c, c.attrInt("axis", 0), c.requireInput(0).type().rank())), c.requireInput(0), c.requireInput(1)));
        r.put("Expand", c -> c.emit(new Expand(shapeInput(c, 1, "Expand shape")), c.requireInput(0)));
        r.put("Identity", c -> List.of(c.requireInput(0)));
        r.put("Dropout", OnnxOps::dropout);
        r.put("Constant", OnnxOps::constant);
        r.put("Shape", OnnxOps::shape);
        r.put("ConstantOfShape", c -> {
            Tensor v = c.attrTensor("value");
            return c.emit(new ConstantOfShape(v == null ? Tensor.scalar(DType.FLOAT, 0).reshape(1) : v), c.requireInput(0));
        });
        r.put("Where", c -> c.emit(new Where(), c.requireInput(0), c.requireInput(1), c.requireInput(2)));
        r.put("Cast", OnnxOps::cast);
        MICROSOFT_DOMAIN.put("Gelu", c -> c.emit(new Gelu(false), c.requireInput(0)));
        MICROSOFT_DOMAIN.put("BatchNormInternal", c -> batchNorm(c, true));
    }

    /** The importer for an op in a domain, or null. */
    public static Importer lookup(String domain, String opType) {
        if (domain.isEmpty() || domain.equals("ai.onnx")) return DEFAULT_DOMAIN.get(opType);
        if (domain.equals("com.microsoft")) return MICROSOFT_DOMAIN.get(opType);
        return null;
    }

    /** ONNX op types of the default domain that import. */
    public static java.util.Set<String> supported() { return DEFAULT_DOMAIN.keySet(); }

    // ---- helpers --------------------------------------------------------------------------

    private static final class OpSupportAxis {
        static int axis(NodeContext c, long axis, int rank) {
            if (axis == Long.MIN_VALUE) throw new CompileException("attribute 'axis' is required");
            return org.traindeeploy.ops.OpSupport.normalizeAxis(axis, rank, "axis");
        }
    }

    private static Value[] presentInputs(NodeContext c) {
        List<Value> in = new ArrayList<>();
        for (int i = 0; i < c.inputCount(); i++) if (c.input(i) != null) in.add(c.input(i));
        if (in.isEmpty()) throw new CompileException("needs at least one input");
        return in.toArray(new Value[0]);
    }

    private static List<Value> binary(NodeContext c, Op op) {
        return c.emit(op, c.requireInput(0), c.requireInput(1));
    }

    /** Pow with an exponent of another numeric type: the constant exponent is cast to the base's type. */
    private static List<Value> pow(NodeContext c) {
        Value base = c.requireInput(0);
        Value exp = c.requireInput(1);
        if (exp.type().dtype() != base.type().dtype()) {
            DType to = base.type().dtype();
            exp = c.constantOrHelper(exp, "_cast", t -> t.cast(to), new Cast(to));
        }
        return c.emit(new Pow(), base, exp);
    }

    private static List<Value> clip(NodeContext c) {
        double lo = Double.NEGATIVE_INFINITY;
        double hi = Double.POSITIVE_INFINITY;
        if (c.opset() < 11) {
            lo = c.attrFloat("min", -Float.MAX_VALUE);
            hi = c.attrFloat("max", Float.MAX_VALUE);
        } else {
            Tensor tl = c.constInput(1, "Clip min");
            Tensor th = c.constInput(2, "Clip max");
            if (tl != null) lo = tl.getDouble(0);
            if (th != null) hi = th.getDouble(0);
        }
        return c.emit(new Clip(lo, hi), c.requireInput(0));
    }

    private static List<Value> softmax(NodeContext c) {
        Value x = c.requireInput(0);
        int rank = x.type().rank();
        long axisAttr = c.attrInt("axis", c.opset() < 13 ? 1 : -1);
        int axis = org.traindeeploy.ops.OpSupport.normalizeAxis(axisAttr, rank, "Softmax axis");
        if (c.opset() >= 13 || axis == rank - 1) return c.emit(new Softmax(axis), x);
        // Opset < 13: softmax over the flattened trailing block [axis:].
        int[] s = x.type().shape();
        int outer = org.traindeeploy.ops.OpSupport.product(s, 0, axis);
        Value flat = c.emitHelper(new Reshape(new int[] {outer, x.type().size() / Math.max(outer, 1)}), x);
        Value sm = c.emitHelper(new Softmax(1), flat);
        return c.emit(new Reshape(s), sm);
    }

    private static List<Value> layerNorm(NodeContext c) {
        Value x = c.requireInput(0);
        if (c.hasOutput(1) || c.hasOutput(2)) {
            // Mean and InvStdDev outputs are only supported when nothing reads them; the importer checks uses.
        }
        c.attrInt("stash_type", 1);
        int axis = org.traindeeploy.ops.OpSupport.normalizeAxis(c.attrInt("axis", -1), x.type().rank(), "LayerNormalization axis");
        List<Value> in = new ArrayList<>(List.of(x, c.requireInput(1)));
        if (c.input(2) != null) in.add(c.input(2));
        List<Value> y = c.emit(new LayerNormalization(axis, c.attrFloat("epsilon", 1e-5)), in, true);
        List<Value> out = new ArrayList<>(y);
        while (out.size() < c.outputCount()) out.add(null);
        return out;
    }

    private static List<Value> reduce(NodeContext c, boolean mean, int axesAsInputFrom) {
        Value x = c.requireInput(0);
        long[] axes;
        if (c.opset() >= axesAsInputFrom) {
            Tensor t = c.constInput(1, "reduce axes");
            axes = t == null ? new long[0] : t.toLongs();
        } else {
            axes = c.attrInts("axes", new long[0]);
        }
        boolean keep = c.attrIntIn("keepdims", 1, 0, 1) == 1;
        boolean noop = c.attrIntIn("noop_with_empty_axes", 0, 0, 1) == 1;
        if (axes.length == 0 && noop) return List.of(x);
        int[] a = new int[axes.length];
        for (int i = 0; i < a.length; i++) a[i] = org.traindeeploy.ops.OpSupport.normalizeAxis(axes[i], x.type().rank(), "reduce axis");
        return c.emit(mean ? new ReduceMean(a, keep) : new ReduceSum(a, keep), x);
    }

    /** Resolved pads {top, left, bottom, right} for a 2-D window, honouring auto_pad. */
    private static int[] pads2d(NodeContext c, int[] in, int[] kernel, int[] strides, int[] dil) {
        String auto = c.attrString("auto_pad", "NOTSET");
        long[] p = c.attrInts("pads", new long[] {0, 0, 0, 0});
        if (p.length != 4) throw new CompileException("attribute pads has " + p.length + " entries; only 2-D windows (4 pads) are supported");
        switch (auto) {
            case "NOTSET":
                return org.traindeeploy.ops.OpSupport.toIntArray(p, "pad");
            case "VALID":
                return new int[4];
            case "SAME_UPPER":
            case "SAME_LOWER": {
                int[] r = new int[4];
                for (int a = 0; a < 2; a++) {
                    int out = (in[a] + strides[a] - 1) / strides[a];
                    int total = Math.max((out - 1) * strides[a] + (kernel[a] - 1) * dil[a] + 1 - in[a], 0);
                    int small = total / 2;
                    r[a] = auto.equals("SAME_UPPER") ? small : total - small;
                    r[a + 2] = total - r[a];
                }
                return r;
            }
            default:
                throw new CompileException("auto_pad '" + auto + "' is not supported");
        }
    }

    private static int[] ints2(NodeContext c, String name, int dflt) {
        long[] v = c.attrInts(name, new long[] {dflt, dflt});
        if (v.length != 2) throw new CompileException("attribute " + name + " has " + v.length + " entries; only 2-D windows are supported");
        return org.traindeeploy.ops.OpSupport.toIntArray(v, name);
    }

    private static List<Value> conv(NodeContext c) {
        Value x = c.requireInput(0);
        Value w = c.requireInput(1);
        if (x.type().rank() != 4 || w.type().rank() != 4) {
            throw new CompileException("only 2-D convolution is supported (input " + x.type() + ", weight " + w.type() + ")");
        }
        int[] ws = w.type().shape();
        int[] kernel = {ws[2], ws[3]};
        long[] ks = c.attrInts("kernel_shape", null);
        if (ks != null && (ks.length != 2 || ks[0] != kernel[0] || ks[1] != kernel[1])) {
            throw new CompileException("kernel_shape " + Arrays.toString(ks) + " does not match weight " + w.type());
        }
        int[] strides = ints2(c, "strides", 1);
        int[] dil = ints2(c, "dilations", 1);
        int[] xs = x.type().shape();
        int[] pads = pads2d(c, new int[] {xs[2], xs[3]}, kernel, strides, dil);
        int group = c.attrIntIn("group", 1, 1, Integer.MAX_VALUE);
        List<Value> in = new ArrayList<>(List.of(x, w));
        if (c.input(2) != null) in.add(c.input(2));
        return c.emit(new Conv(group, strides, pads, dil), in, true);
    }

    private static Window2d window(NodeContext c, boolean dilations) {
        Value x = c.requireInput(0);
        if (x.type().rank() != 4) throw new CompileException("only 2-D pooling is supported (input " + x.type() + ")");
        long[] k = c.attrInts("kernel_shape", null);
        if (k == null) throw new CompileException("attribute kernel_shape is required");
        if (k.length != 2) throw new CompileException("kernel_shape " + Arrays.toString(k) + ": only 2-D pooling is supported");
        int[] kernel = org.traindeeploy.ops.OpSupport.toIntArray(k, "kernel_shape");
        int[] strides = ints2(c, "strides", 1);
        int[] dil = dilations ? ints2(c, "dilations", 1) : new int[] {1, 1};
        int[] xs = x.type().shape();
        int[] pads = pads2d(c, new int[] {xs[2], xs[3]}, kernel, strides, dil);
        boolean ceil = c.attrIntIn("ceil_mode", 0, 0, 1) == 1;
        return Window2d.of(kernel, strides, pads, dil, ceil);
    }

    private static List<Value> maxPool(NodeContext c) {
        // An Indices output is accepted when nothing reads it: its value is never produced, so a
        // reader fails at import ("comes from an output this compiler does not support").
        c.attrIntIn("storage_order", 0, 0, 0);
        return c.emit(new MaxPool(window(c, true)), c.requireInput(0));
    }

    /**
     * Pad, mode "constant" (pads and constant value as inputs from opset 11, axes from opset 18):
     * one {@link Pad} with non-negative pads per axis.
     */
    private static List<Value> pad(NodeContext c) {
        Value x = c.requireInput(0);
        String mode = c.attrString("mode", "constant");
        if (!mode.equals("constant")) throw new CompileException("Pad mode '" + mode + "' is not supported (only 'constant')");
        int r = x.type().rank();
        Tensor p = requiredConst(c, 1, "Pad pads");
        long[] pads = p.toLongs();
        Tensor v = c.constInput(2, "Pad constant_value");
        double value = v == null ? 0 : v.getDouble(0);
        if (v != null && v.size() != 1) throw new CompileException("Pad constant_value must be a scalar, got " + v.type());
        long[] axes = null;
        if (c.opset() >= 18 && c.input(3) != null) axes = requiredConst(c, 3, "Pad axes").toLongs();
        int k = axes == null ? r : axes.length;
        if (pads.length != 2 * k) throw new CompileException("Pad pads has " + pads.length + " entries, expected " + (2 * k) + " for " + x.type());
        int[] begins = new int[r];
        int[] ends = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < k; i++) {
            int a = axes == null ? i : org.traindeeploy.ops.OpSupport.normalizeAxis(axes[i], r, "Pad axis");
            if (seen[a]) throw new CompileException("Pad axis " + a + " given twice");
            seen[a] = true;
            begins[a] = org.traindeeploy.ops.OpSupport.toInt(pads[i], "pad");
            ends[a] = org.traindeeploy.ops.OpSupport.toInt(pads[i + k], "pad");
        }
        Pad op = new Pad(begins, ends, value);
        boolean none = true;
        for (int i = 0; i < r; i++) none &= begins[i] == 0 && ends[i] == 0;
        return none ? List.of(x) : c.emit(op, x);
    }

    /**
     * BatchNormalization (training_mode from opset 14) and com.microsoft BatchNormInternal. In
     * training mode the running statistics become state of the step, updated as PyTorch does; the
     * optional outputs 1 and 2 are those updated statistics. Saved mean / inverse std outputs are
     * not produced.
     */
    private static List<Value> batchNorm(NodeContext c, boolean internal) {
        Value x = c.requireInput(0);
        double eps = c.attrFloat("epsilon", 1e-5);
        double momentum = c.attrFloat("momentum", 0.9);
        boolean training = internal ? c.attrIntIn("training_mode", 1, 0, 1) == 1
                : c.opset() >= 14 ? c.attrIntIn("training_mode", 0, 0, 1) == 1 : c.hasOutput(1) || c.hasOutput(2);
        for (int i = 3; i < 5; i++) if (c.hasOutput(i)) throw new CompileException("the saved mean / inverse standard deviation outputs of " + c.opType() + " are not supported");
        Value mean = c.requireInput(3);
        Value var = c.requireInput(4);
        if (!training) {
            if (c.hasOutput(1) || c.hasOutput(2)) throw new CompileException(c.opType() + " in inference mode has no running-statistics outputs");
            return c.emit(new BatchNormalization(eps, momentum, false), x, c.requireInput(1), c.requireInput(2), mean, var);
        }
        // Running statistics are not trained; they are state carried from step to step.
        Value rm = c.runningState(mean);
        Value rv = c.runningState(var);
        List<Value> y = c.emit(new BatchNormalization(eps, momentum, true), x, c.requireInput(1), c.requireInput(2), rm, rv);
        c.setStateUpdate(rm, y.get(1));
        c.setStateUpdate(rv, y.get(2));
        return y;
    }

    private static List<Value> averagePool(NodeContext c) {
        boolean include = c.attrIntIn("count_include_pad", 0, 0, 1) == 1;
        return c.emit(new AveragePool(window(c, c.opset() >= 19), include), c.requireInput(0));
    }

    /** Gemm: Y = α·op(A)·op(B) + β·C becomes Linear (with a Transpose for transA, an Add for a non-vector C). */
    private static List<Value> gemm(NodeContext c) {
        Value a = c.requireInput(0);
        Value b = c.requireInput(1);
        Value bias = c.input(2);
        double alpha = c.attrFloat("alpha", 1.0);
        double beta = c.attrFloat("beta", 1.0);
        boolean transA = c.attrIntIn("transA", 0, 0, 1) == 1;
        boolean transB = c.attrIntIn("transB", 0, 0, 1) == 1;
        if (a.type().rank() != 2 || b.type().rank() != 2) throw new CompileException("Gemm needs 2-D A and B, got " + a.type() + " and " + b.type());
        if (transA) a = c.emitHelper(new Transpose(new int[] {1, 0}), a);
        int n = transB ? b.type().dim(0) : b.type().dim(1);
        if (bias != null && beta != 1.0) bias = c.emitHelper(new Mul(), bias, c.constant(c.name() + "/beta", Tensor.scalar(bias.type().dtype(), beta)));
        if (bias == null || beta == 0.0) return c.emit(new Linear(transB, alpha), a, b);
        if (bias.type().size() == n && (bias.type().rank() == 1 || (bias.type().rank() == 2 && bias.type().dim(0) == 1))) {
            if (bias.type().rank() != 1) {
                bias = c.constantOrHelper(bias, "_flat", t -> t.reshape(n), new Reshape(new int[] {n}));
            }
            return c.emit(new Linear(transB, alpha), a, b, bias);
        }
        Value y = c.emitHelper(new Linear(transB, alpha), a, b);
        return c.emit(new Add(), y, bias);
    }

    private static List<Value> flatten(NodeContext c) {
        Value x = c.requireInput(0);
        int rank = x.type().rank();
        long ax = c.attrInt("axis", 1);
        int axis = (int) (ax < 0 ? ax + rank : ax);
        if (axis < 0 || axis > rank) throw new CompileException("Flatten axis " + ax + " out of range for " + x.type());
        int outer = org.traindeeploy.ops.OpSupport.product(x.type().shape(), 0, axis);
        return c.emit(new Reshape(new int[] {outer, x.type().size() / Math.max(outer, 1)}), x);
    }

    /** The compile-time value of input i, which must be present. */
    private static Tensor requiredConst(NodeContext c, int i, String what) {
        Tensor t = c.constInput(i, what);
        if (t == null) throw new CompileException(what + " (input " + i + ") is required");
        return t;
    }

    private static int[] shapeInput(NodeContext c, int i, String what) {
        Tensor t = requiredConst(c, i, what);
        if (t.rank() != 1) throw new CompileException(what + " must be a 1-D tensor, got " + t.type());
        return org.traindeeploy.ops.OpSupport.toIntArray(t.toLongs(), what);
    }

    private static List<Value> reshape(NodeContext c) {
        Value x = c.requireInput(0);
        int[] req = shapeInput(c, 1, "Reshape shape");
        boolean allowZero = c.attrIntIn("allowzero", 0, 0, 1) == 1;
        int[] xs = x.type().shape();
        int[] out = req.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && !allowZero) {
                if (i >= xs.length) throw new CompileException("Reshape shape " + Arrays.toString(req) + " copies dimension " + i + " that " + x.type() + " does not have");
                out[i] = xs[i];
            }
            if (out[i] == -1) {
                if (infer >= 0) throw new CompileException("Reshape shape " + Arrays.toString(req) + " has more than one -1");
                infer = i;
            } else if (out[i] < 0) {
                throw new CompileException("Reshape shape " + Arrays.toString(req) + " has a negative dimension");
            } else {
                known *= out[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || x.type().size() % known != 0) throw new CompileException("cannot reshape " + x.type() + " to " + Arrays.toString(req));
            out[infer] = (int) (x.type().size() / known);
        }
        return c.emit(new Reshape(out), x);
    }

    private static List<Value> transpose(NodeContext c) {
        Value x = c.requireInput(0);
        int r = x.type().rank();
        long[] p = c.attrInts("perm", null);
        if (p != null && p.length != r) throw new CompileException("Transpose perm " + Arrays.toString(p) + " does not fit " + x.type());
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = p == null ? r - 1 - i : org.traindeeploy.ops.OpSupport.normalizeAxis(p[i], r, "Transpose perm entry");
        return c.emit(new Transpose(perm), x);
    }

    private static long[] axesFrom(NodeContext c, int inputFromOpset) {
        if (c.opset() >= inputFromOpset) {
            Tensor t = c.constInput(1, "axes");
            return t == null ? null : t.toLongs();
        }
        return c.attrInts("axes", null);
    }

    private static List<Value> squeeze(NodeContext c) {
        Value x = c.requireInput(0);
        int[] s = x.type().shape();
        long[] axes = axesFrom(c, 13);
        boolean[] drop = new boolean[s.length];
        if (axes == null) {
            for (int i = 0; i < s.length; i++) drop[i] = s[i] == 1;
        } else {
            for (long a : axes) {
                int ax = org.traindeeploy.ops.OpSupport.normalizeAxis(a, s.length, "Squeeze axis");
                if (s[ax] != 1) throw new CompileException("Squeeze axis " + a + " has size " + s[ax] + ", not 1");
                drop[ax] = true;
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < s.length; i++) if (!drop[i]) out.add(s[i]);
        return c.emit(new Reshape(out.stream().mapToInt(Integer::intValue).toArray()), x);
    }

    private static List<Value> unsqueeze(NodeContext c) {
        Value x = c.requireInput(0);
        long[] axes = axesFrom(c, 13);
        if (axes == null) throw new CompileException("Unsqueeze needs axes");
        int[] s = x.type().shape();
        int r = s.length + axes.length;
        boolean[] ins = new boolean[r];
        for (long a : axes) {
            int ax = org.traindeeploy.ops.OpSupport.normalizeAxis(a, r, "Unsqueeze axis");
            if (ins[ax]) throw new CompileException("Unsqueeze axis " + a + " given twice");
            ins[ax] = true;
        }
        int[] out = new int[r];
        for (int i = 0, j = 0; i < r; i++) out[i] = ins[i] ? 1 : s[j++];
        return c.emit(new Reshape(out), x);
    }

    private static List<Value> split(NodeContext c) {
        Value x = c.requireInput(0);
        int axis = org.traindeeploy.ops.OpSupport.normalizeAxis(c.attrInt("axis", 0), x.type().rank(), "Split axis");
        long[] sizes = c.opset() >= 13 ? (c.constInput(1, "Split sizes") == null ? null : c.constInput(1, "Split sizes").toLongs()) : c.attrInts("split", null);
        int outs = c.opset() >= 18 && c.hasAttr("num_outputs") ? c.attrIntIn("num_outputs", 1, 1, 1 << 16) : Math.max(1, c.outputCountIncludingEmpty());
        int dim = x.type().dim(axis);
        int[] sz;
        if (sizes != null) {
            sz = org.traindeeploy.ops.OpSupport.toIntArray(sizes, "Split size");
        } else {
            int chunk = (dim + outs - 1) / outs;
            sz = new int[outs];
            for (int i = 0; i < outs; i++) sz[i] = Math.max(0, Math.min(chunk, dim - i * chunk));
        }
        return c.emit(new Split(axis, sz), x);
    }

    private static List<Value> slice(NodeContext c) {
        Value x = c.requireInput(0);
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (c.opset() < 10) {
            starts = c.attrInts("starts", null);
            ends = c.attrInts("ends", null);
            axes = c.attrInts("axes", null);
            if (starts == null || ends == null) throw new CompileException("Slice needs starts and ends");
        } else {
            starts = requiredConst(c, 1, "Slice starts").toLongs();
            ends = requiredConst(c, 2, "Slice ends").toLongs();
            axes = c.input(3) == null ? null : c.constInput(3, "Slice axes").toLongs();
            steps = c.input(4) == null ? null : c.constInput(4, "Slice steps").toLongs();
        }
        return c.emit(Slice.fromOnnx(x.type().shape(), starts, ends, axes, steps), x);
    }

    private static List<Value> dropout(NodeContext c) {
        if (c.hasOutput(1)) throw new CompileException("the mask output of Dropout is not supported");
        c.attrFloat("ratio", 0.5);
        c.attrInt("seed", 0);
        return List.of(c.requireInput(0));
    }

    private static List<Value> constant(NodeContext c) {
        Tensor t = c.attrTensor("value");
        if (t == null) {
            double[] fs = c.attrFloats("value_floats");
            long[] is = c.attrInts("value_ints", null);
            if (c.hasAttr("value_float")) t = Tensor.scalar(DType.FLOAT, c.attrFloat("value_float", 0)).roundToType();
            else if (c.hasAttr("value_int")) t = Tensor.scalar(DType.INT64, c.attrInt("value_int", 0));
            else if (fs != null) t = Tensor.floats(new int[] {fs.length}, fs);
            else if (is != null) t = Tensor.vector(is);
            else throw new CompileException("Constant without a supported value attribute (sparse and string constants are not supported)");
        }
        return List.of(c.constant(t));
    }

    private static List<Value> shape(NodeContext c) {
        int[] s = c.requireInput(0).type().shape();
        int r = s.length;
        long start = c.attrInt("start", 0);
        long end = c.attrInt("end", r);
        start = Math.max(0, Math.min(r, start < 0 ? start + r : start));
        end = Math.max(0, Math.min(r, end < 0 ? end + r : end));
        long[] v = new long[(int) Math.max(0, end - start)];
        for (int i = 0; i < v.length; i++) v[i] = s[(int) start + i];
        return List.of(c.constant(Tensor.vector(v)));
    }

    private static List<Value> cast(NodeContext c) {
        int to = (int) c.attrInt("to", -1);
        DType d = DType.fromOnnx(to);
        if (d == null) throw new CompileException("Cast to data type " + to + " is not supported");
        Value x = c.requireInput(0);
        if (x.type().dtype() == d) return List.of(x);
        return c.emit(new Cast(d), x);
    }

}
