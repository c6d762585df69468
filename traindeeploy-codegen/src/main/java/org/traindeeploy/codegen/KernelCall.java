package org.traindeeploy.codegen;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ops.OpSupport;

/**
 * One call of a C kernel, and the one definition of its argument struct: each record's components
 * are the struct's fields in C order (camelCase here, snake_case in C: {@code transW} is
 * {@code trans_w}; {@code id} and a {@code function} component are not fields), and its
 * {@link Struct} annotation names the C type, its comment and the kernels taking it. From the
 * records alone {@link ArgStructs} derives the typedefs of the generated {@code kernels/td_args.h},
 * the constant initializer {@code calls/lib.ftl} renders for every call (named {@link #id()}), the
 * buffers a call reads and writes (for barrier placement), and the field names the tile binder may
 * set ({@link TileBinding}). A component's C type follows from its Java type where it can: {@code int}
 * is {@code int32_t}, {@code boolean} an {@code int32_t} 0/1, {@code int[]} an {@code int32_t} array of
 * {@value #MAX_RANK}, a record its own struct, an enum its own C enum ({@link Enum}: the opcodes); otherwise an annotation says it: {@link Out},
 * {@link In}, {@link InOut} (pointers to buffers: C expressions of {@link BufferPlan}), {@link Real}
 * ({@code td_real}, a C literal), {@link CType}, {@link Index}, {@link Rows}.
 */
public sealed interface KernelCall {
    /** The argument struct's C name. */
    String id();

    /** The C kernel function: the struct's one kernel, or the record's {@code function} component when several take it. */
    default String function() { return ArgStructs.of(getClass()).functions().get(0); }

    /** The C type of the kernel's argument struct (kernels/td_args.h). */
    default String structType() { return ArgStructs.of(getClass()).name(); }

    /** The buffers the call reads: its {@link In} and {@link InOut} pointers that are not NULL, in field order. */
    default List<String> reads() { return ArgStructs.buffers(this, true); }

    /** The buffers the call writes: its {@link Out} and {@link InOut} pointers that are not NULL, in field order. */
    default List<String> writes() { return ArgStructs.buffers(this, false); }

    /** The constant initializer of the struct, field by field (calls/lib.ftl renders it). */
    default List<ArgStructs.Init> fields() { return ArgStructs.init(this); }

    /** The {@link Index} arrays the struct points at, emitted before it. */
    default List<ArgStructs.IndexArray> arrays() { return ArgStructs.arrays(this); }

    int MAX_RANK = 8;

    static void checkRank(int rank) {
        if (rank > MAX_RANK) throw new CompileException("tensors of rank " + rank + " exceed the C kernels' limit of " + MAX_RANK);
    }

    // ---- how a record maps to C -----------------------------------------------------------

    /**
     * A record that is a C struct: its type {@code name}; {@code doc}, the comment above its typedef
     * (lines separated by newlines); {@code functions}, the kernels taking it (prototyped after it;
     * a call's {@link #function()} is one of them); {@code section}, when set, the heading of the
     * td_args.h section it opens (the kernel source file and what it holds).
     */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(ElementType.TYPE)
    @interface Struct {
        String name();

        String doc() default "";

        String[] functions() default {};

        String section() default "";
    }

    /** A pointer the kernel writes ({@code T *}), T the element type; the String value is a buffer expression or NULL. */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(ElementType.RECORD_COMPONENT)
    @interface Out {
        String value() default "float";
    }

    /** A pointer the kernel only reads ({@code const T *}). */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(ElementType.RECORD_COMPONENT)
    @interface In {
        String value() default "float";
    }

    /** A pointer the kernel reads and writes ({@code T *}: scratch). */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(ElementType.RECORD_COMPONENT)
    @interface InOut {
        String value() default "float";
    }

    /** A {@code td_real} scalar; the String value is a C literal ({@link CLiterals}). */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(ElementType.RECORD_COMPONENT)
    @interface Real {}

    /** A scalar of the given C type (float); the String value is its C text. */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(ElementType.RECORD_COMPONENT)
    @interface CType {
        String value();
    }

    /** An {@code int[]} the kernel reads through a {@code const int32_t *}: a static array named {@code <value>_<id>} emitted before the struct. */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(ElementType.RECORD_COMPONENT)
    @interface Index {
        String value();
    }

    /** A {@code List<int[]>}: an {@code int32_t [value][TD_MAX_RANK]} array. */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(ElementType.RECORD_COMPONENT)
    @interface Rows {
        int value();
    }

    /**
     * A Java enum that is a C enum: its type {@code name} and comment; its constants are the C
     * enumerators, in order (emitted into td_args.h before the first struct using it).
     */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(ElementType.TYPE)
    @interface Enum {
        String name();

        String doc() default "";
    }

    // ---- opcodes (KernelOpcodes maps op classes to them) -------------------------------------

    /** td_unary's functions. */
    @Enum(name = "td_unary_op", doc = """
            td_unary's functions; from TD_SIGMOID on the Activation family: lo, hi carry alpha, beta
            (HardSigmoid: alpha x + beta; LeakyRelu: alpha).""")
    enum UnaryOp { TD_NEG, TD_EXP, TD_SQRT, TD_ERF, TD_RELU, TD_GELU, TD_GELU_TANH, TD_CLIP, TD_SIGMOID, TD_TANH, TD_HARD_SIGMOID, TD_HARD_SWISH, TD_LEAKY_RELU }

    /** td_unary_grad's derivatives. */
    @Enum(name = "td_unary_grad_op", doc = "td_unary_grad's derivatives; saved = y for SIGMOID, TANH; saved = x for the others.")
    enum UnaryGradOp {
        TD_RELU_GRAD, TD_GELU_GRAD, TD_GELU_TANH_GRAD, TD_CLIP_GRAD, TD_SIGMOID_GRAD, TD_TANH_GRAD, TD_HARD_SIGMOID_GRAD, TD_HARD_SWISH_GRAD, TD_LEAKY_RELU_GRAD
    }

    /** td_binary's operators. */
    @Enum(name = "td_binary_op", doc = "td_binary's operators.")
    enum BinaryOp { TD_ADD, TD_SUB, TD_MUL, TD_DIV, TD_POW }

    /** td_cast's element types. */
    @Enum(name = "td_dtype", doc = "td_cast's element types.")
    enum CastType { TD_DT_FLOAT, TD_DT_INT64, TD_DT_INT32, TD_DT_BOOL }

    // ---- shared geometry records ----------------------------------------------------------

    /**
     * A broadcast view of operands over an output shape: strides[k] are operand k's strides laid
     * against the output (0 on broadcast axes).
     */
    @Struct(name = "td_bcast", doc = """
            A broadcast view of up to three operands over an output of `shape` (row-major): operand k's
            element for output index i is at offset sum_d i_d * strides[k][d] (stride 0 on broadcast axes).
            `contiguous` is set when every operand has the output's own layout.""")
    record Broadcast(int rank, int n, boolean contiguous, int[] shape, @Rows(3) List<int[]> strides) {
        static Broadcast of(int[] out, int[]... operands) {
            checkRank(out.length);
            List<int[]> s = new ArrayList<>();
            boolean contiguous = true;
            for (int[] op : operands) {
                s.add(OpSupport.broadcastStrides(op, out));
                contiguous &= Arrays.equals(op, out);
            }
            while (s.size() < 3) s.add(new int[out.length]);
            return new Broadcast(out.length, (int) org.traindeeploy.ir.TensorType.elementCount(out), contiguous, out.clone(), s);
        }
    }

    /** Convolution geometry, as td_conv_geom. */
    @Struct(name = "td_conv_geom", doc = "Geometry: X [n, c, h, w], W [m, cg, kh, kw] with c = cg * group, Y [n, m, oh, ow].")
    record ConvGeometry(int n, int c, int h, int w, int m, int cg, int kh, int kw, int oh, int ow,
                        int sh, int sw, int pt, int pl, int dh, int dw, int group) {}

    /** Pooling geometry, as td_pool_geom. */
    @Struct(name = "td_pool_geom", doc = "Window over planes of [h, w] -> [oh, ow]; pads top, left, bottom, right.")
    record PoolGeometry(int planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw,
                        int pt, int pl, int pb, int pr, int dh, int dw, int countIncludePad) {}

    // ---- elementwise.c --------------------------------------------------------------------

    /** td_unary: y = op(x); lo/hi are C double literals (Clip bounds). */
    @Struct(name = "td_unary_args", functions = "td_unary", section = "elementwise.c: unary math, activations and their gradients, binary ops with broadcast",
            doc = "y = op(x) elementwise; lo/hi are Clip's bounds.")
    record Unary(String id, @Out String y, @In String x, int n, UnaryOp op, @Real String lo, @Real String hi) implements KernelCall {}

    /** td_unary_grad: dx = dy * op'(saved). */
    @Struct(name = "td_unary_grad_args", functions = "td_unary_grad",
            doc = "dx = dy * op'(saved) elementwise; saved is Relu's output Y, otherwise the forward input X.")
    record UnaryGrad(String id, @Out String dx, @In String dy, @In String saved, int n, UnaryGradOp op, @Real String lo, @Real String hi)
            implements KernelCall {}

    /** td_binary: y = a op b, broadcast. */
    @Struct(name = "td_binary_args", functions = "td_binary", doc = "y = a op b with NumPy broadcasting (operands 0 = a, 1 = b of the view).")
    record Binary(String id, @Out String y, @In String a, @In String b, BinaryOp op, Broadcast view) implements KernelCall {}

    /** td_equal: y = (a == b), broadcast; {@code isInt64} selects int64_t operands over float. */
    @Struct(name = "td_equal_args", functions = "td_equal", doc = "y = (a == b) as 0/1 bytes; a and b are float (is_int64 = 0) or int64_t (is_int64 = 1).")
    record Equal(String id, @Out("uint8_t") String y, @In("void") String a, @In("void") String b, int isInt64, Broadcast view) implements KernelCall {}

    /** td_where: y = cond ? a : b, broadcast three ways. */
    @Struct(name = "td_where_args", functions = "td_where", doc = "y = cond ? a : b with three-way broadcasting (operands 0 = cond, 1 = a, 2 = b).")
    record Where(String id, @Out String y, @In("uint8_t") String cond, @In String a, @In String b, Broadcast view) implements KernelCall {}

    /** td_cast between the td_dtype codes {@code from} and {@code to}. */
    @Struct(name = "td_cast_args", functions = "td_cast", doc = "y = (to) x elementwise; float to integer truncates toward zero, anything to bool is (x != 0).")
    record Cast(String id, @Out("void") String y, @In("void") String x, int n, CastType from, CastType to) implements KernelCall {}

    // ---- reduce.c -------------------------------------------------------------------------

    /** td_reduce: y[o] = sum over the reduced box / divisor. */
    @Struct(name = "td_reduce_args", functions = "td_reduce", section = "reduce.c", doc = """
            y[o] = (sum over the reduced index space of x) / divisor. Output element o has multi-index
            over out_shape; its first input element is at sum o_d * out_strides[d]; the reduced axes are
            visited in row-major order with red_strides.""")
    record Reduce(String id, @Out String y, @In String x, int nOut, int outRank, int[] outShape, int[] outStrides, int redRank, int[] redShape, int[] redStrides,
                  @Real String divisor) implements KernelCall {
        public Reduce {
            checkRank(outShape.length);
            checkRank(redShape.length);
        }

        /** The ranks are the shapes' lengths. */
        Reduce(String id, String y, String x, int nOut, int[] outShape, int[] outStrides, int[] redShape, int[] redStrides, String divisor) {
            this(id, y, x, nOut, outShape.length, outShape, outStrides, redShape.length, redShape, redStrides, divisor);
        }
    }

    // ---- movement.c -----------------------------------------------------------------------

    /** td_copy: a strided region copy. */
    @Struct(name = "td_copy_args", functions = "td_copy", section = "movement.c: strided copies (Transpose, Expand, Slice, Split, Concat), gathers", doc = """
            For every index i of the region `shape`: y[y_offset + i.y_strides] = x[x_offset + i.x_strides],
            elements of elem_size bytes.""")
    record Copy(String id, @Out("void") String y, @In("void") String x, int elemSize, int rank, int n, int[] shape, int[] yStrides, int[] xStrides, int yOffset,
                int xOffset) implements KernelCall {
        public Copy {
            checkRank(shape.length);
        }

        /** Rank and element count from the shape. */
        Copy(String id, String y, String x, int elemSize, int[] shape, int[] yStrides, int[] xStrides, int yOffset, int xOffset) {
            this(id, y, x, elemSize, shape.length, (int) org.traindeeploy.ir.TensorType.elementCount(shape), shape, yStrides, xStrides, yOffset, xOffset);
        }

        /** A copy from x to y of {@code shape}, both contiguous. */
        static Copy contiguous(String id, String y, String x, int elemSize, int[] shape) {
            int[] s = Tensor.strides(shape);
            return new Copy(id, y, x, elemSize, shape, s, s, 0, 0);
        }
    }

    /** td_scatter: zero y, then a region copy into it. */
    @Struct(name = "td_scatter_args", functions = "td_scatter", doc = """
            Fill y (y_size floats) with `fill`, then the region copy of `copy` (SliceGrad: dY scattered into
            zeros; Pad: x placed inside the constant).""")
    record Scatter(String id, int ySize, @CType("float") String fill, Copy copy) implements KernelCall {}

    /** td_gather over [outer, dim, inner] with nidx indices. */
    @Struct(name = "td_gather_args", functions = "td_gather",
            doc = "y[o, j, i] = x[o, idx[j], i] over [outer, dim, inner], negative indices counting from the end.")
    record Gather(String id, @Out String y, @In String x, @In("int64_t") String idx64, @In("int32_t") String idx32, int outer, int dim, int nidx, int inner)
            implements KernelCall {}

    /** td_gather_grad over [outer, dim, inner] with nidx indices. */
    @Struct(name = "td_gather_grad_args", functions = "td_gather_grad", doc = "dx = zeros; dx[o, idx[j], i] += dy[o, j, i].")
    record GatherGrad(String id, @Out String dx, @In String dy, @In("int64_t") String idx64, @In("int32_t") String idx32, int outer, int dim, int nidx,
                      int inner) implements KernelCall {}

    // ---- linear.c -------------------------------------------------------------------------

    /** td_linear: y = alpha * x W + b (+ r); accumulate is set by the tile binder only (0 in the constant). */
    @Struct(name = "td_linear_args", functions = "td_linear", section = "linear.c: fully connected layers and batched matrix products", doc = """
            y[r, j] = alpha * sum_i x[r, i] * W(i, j) + b[j] + r[r, j], W(i, j) = w[i*n + j], or w[j*k + i] with
            trans_w; b and the residual r optional (NULL). With accumulate, y += alpha * x W instead (a later
            block of the reduction: b and r were added by the first).""")
    record Linear(String id, @Out String y, @In String x, @In String w, @In String b, @In String r, int rows, int k, int n, int transW, @Real String alpha,
                  int accumulate) implements KernelCall {
        Linear(String id, String y, String x, String w, String b, String r, int rows, int k, int n, int transW, String alpha) {
            this(id, y, x, w, b, r, rows, k, n, transW, alpha, 0);
        }
    }

    /** td_lora_linear: t = x A^T, y = alpha * x op(W) + b + scale * t B^T (LoraLinear); t_ready is set by the tile binder only (0 in the constant). */
    @Struct(name = "td_lora_linear_args", functions = "td_lora_linear", doc = """
            A Linear with its LoRA adapter (LoraLinear): t = x A^T ([rows, r], A [r, k]), then
            y = alpha * x op(W) + b + scale * t B^T (B [n, r]), the low-rank terms added to each output block's
            sums while they are in registers. With t_ready, t already holds x A^T for these rows (an earlier
            column tile of the same rows computed it) and is only read.""")
    record LoraLinear(String id, @Out String y, @InOut String t, @In String x, @In String w, @In String b, @In String a, @In String lb, int rows, int k, int n,
                      int r, int transW, @Real String alpha, @Real String scale, int tReady) implements KernelCall {
        LoraLinear(String id, String y, String t, String x, String w, String b, String a, String lb, int rows, int k, int n, int r, int transW, String alpha,
                   String scale) {
            this(id, y, t, x, w, b, a, lb, rows, k, n, r, transW, alpha, scale, 0);
        }
    }

    /** td_linear_grad_weight: dw = alpha * x^T dy (or its transpose). */
    @Struct(name = "td_linear_grad_weight_args", functions = "td_linear_grad_weight", doc = """
            dw = alpha * x^T dy ([k, n]), or alpha * dy^T x ([n, k]) with trans_w; x [rows, k], dy [rows, n].
            With accumulate, dw += (a later block of rows).""")
    record LinearGradWeight(String id, @Out String dw, @In String x, @In String dy, int rows, int k, int n, int transW, @Real String alpha, int accumulate)
            implements KernelCall {
        LinearGradWeight(String id, String dw, String x, String dy, int rows, int k, int n, int transW, String alpha) {
            this(id, dw, x, dy, rows, k, n, transW, alpha, 0);
        }
    }

    /** td_matmul over broadcast batches; aOff/bOff are element offsets per batch, emitted as arrays named {@code ma_id}/{@code mb_id}. */
    @Struct(name = "td_matmul_args", functions = "td_matmul",
            doc = "y[p] = a[a_off[p]] (m x k) . b[b_off[p]] (k x n) for each of `batch` products (broadcast batch).")
    record MatMul(String id, @Out String y, @In String a, @In String b, @Index("ma") int[] aOff, @Index("mb") int[] bOff, int batch, int m, int k, int n)
            implements KernelCall {
        /** One product per offset. */
        MatMul(String id, String y, String a, String b, int[] aOff, int[] bOff, int m, int k, int n) {
            this(id, y, a, b, aOff, bOff, aOff.length, m, k, n);
        }
    }

    // ---- conv.c ---------------------------------------------------------------------------

    /** td_conv_im2col (col is scratch) or td_conv_direct (col NULL). */
    @Struct(name = "td_conv_args", functions = {"td_conv_im2col", "td_conv_direct"},
            section = "conv.c: 2-D convolution (im2col + GEMM, or direct), and its two gradients",
            doc = "y = conv(x, w) + b. col: scratch of cg*kh*kw*oh*ow floats for im2col (td_conv_im2col only).")
    record Conv(String id, String function, @Out String y, @In String x, @In String w, @In String b, @InOut String col, ConvGeometry g) implements KernelCall {
        public Conv {
            ArgStructs.checkFunction(Conv.class, function);
        }
    }

    /** td_conv_grad_input; accumulate is set by the tile binder only (0 in the constant). */
    @Struct(name = "td_conv_grad_input_args", functions = "td_conv_grad_input",
            doc = "dx = sum over taps of dy * w; with accumulate, dx += that sum (a block of a larger reduction).")
    record ConvGradInput(String id, @Out String dx, @In String dy, @In String w, ConvGeometry g, int accumulate) implements KernelCall {
        ConvGradInput(String id, String dx, String dy, String w, ConvGeometry g) {
            this(id, dx, dy, w, g, 0);
        }
    }

    /** td_conv_grad_weight; accumulate is set by the tile binder only (0 in the constant). */
    @Struct(name = "td_conv_grad_weight_args", functions = "td_conv_grad_weight",
            doc = "dw = sum over taps of dy * x; with accumulate, dw += that sum (a block of images or rows of a larger reduction).")
    record ConvGradWeight(String id, @Out String dw, @In String dy, @In String x, ConvGeometry g, int accumulate) implements KernelCall {
        ConvGradWeight(String id, String dw, String dy, String x, ConvGeometry g) {
            this(id, dw, dy, x, g, 0);
        }
    }

    // ---- pool.c ---------------------------------------------------------------------------

    /** td_maxpool / td_maxpool_grad / td_avgpool / td_avgpool_grad. */
    @Struct(name = "td_pool_args", functions = {"td_maxpool", "td_maxpool_grad", "td_avgpool", "td_avgpool_grad"},
            section = "pool.c: max and average pooling and their gradients",
            doc = "Forward: out = pool(in). MaxPool gradient: out = dX from in = dY and the forward input x. AveragePool gradient: out = dX from in = dY.")
    record Pool(String id, String function, @Out String out, @In String in, @In String x, PoolGeometry g) implements KernelCall {
        public Pool {
            ArgStructs.checkFunction(Pool.class, function);
        }
    }

    // ---- norm.c ---------------------------------------------------------------------------

    /** td_layernorm. */
    @Struct(name = "td_layernorm_args", functions = "td_layernorm", section = "norm.c: layer normalization over the last n elements of each row")
    record LayerNorm(String id, @Out String y, @In String x, @In String gamma, @In String beta, int rows, int n, @Real String eps) implements KernelCall {}

    /** td_layernorm_grad; stats is accumulator scratch. */
    @Struct(name = "td_layernorm_grad_args", functions = "td_layernorm_grad", doc = """
            dx, dgamma, dbeta from dy, x, gamma; stats: scratch of 2*rows td_acc (mean, 1/sigma per row).
            With accumulate, dgamma and dbeta are added to (a tile of rows of a larger tensor) instead of set.""")
    record LayerNormGrad(String id, @Out String dx, @Out String dgamma, @Out String dbeta, @In String dy, @In String x, @In String gamma,
                         @InOut("td_acc") String stats, int rows, int n, @Real String eps, int accumulate) implements KernelCall {}

    /** td_batchnorm over x [n, c, inner]; runMeanOut / runVarOut are NULL in inference mode. */
    @Struct(name = "td_batchnorm_args", functions = "td_batchnorm", section = "norm.c: batch normalization over the channel axis 1 of x [n, c, inner]", doc = """
            Inference (training == 0): y = (x - mean) / sqrt(var + eps) * gamma + beta with the given statistics.
            Training: mean and the biased variance of x per channel over n and inner; run_mean_out / run_var_out
            (when not NULL) get momentum * running + (1 - momentum) * batch statistic, the variance unbiased.""")
    record BatchNorm(String id, @Out String y, @Out String runMeanOut, @Out String runVarOut, @In String x, @In String gamma, @In String beta, @In String mean,
                     @In String var, int n, int c, int inner, @Real String eps, @Real String momentum, int training) implements KernelCall {}

    /** td_batchnorm_grad; mean / var are NULL in training mode (recomputed from x). */
    @Struct(name = "td_batchnorm_grad_args", functions = "td_batchnorm_grad",
            doc = "dx, dgamma, dbeta from dy, x, gamma (and mean, var in inference mode); channels split over cores.")
    record BatchNormGrad(String id, @Out String dx, @Out String dgamma, @Out String dbeta, @In String dy, @In String x, @In String gamma, @In String mean,
                         @In String var, int n, int c, int inner, @Real String eps, int training) implements KernelCall {}

    // ---- softmax.c ------------------------------------------------------------------------

    /** td_softmax along the middle axis of [outer, n, inner]. */
    @Struct(name = "td_softmax_args", functions = "td_softmax", section = "softmax.c: softmax along the middle axis of [outer, n, inner]")
    record Softmax(String id, @Out String y, @In String x, int outer, int n, int inner) implements KernelCall {}

    /** td_softmax_grad. */
    @Struct(name = "td_softmax_grad_args", functions = "td_softmax_grad", doc = "dx = y * (dy - sum(dy * y)).")
    record SoftmaxGrad(String id, @Out String dx, @In String dy, @In String y, int outer, int n, int inner) implements KernelCall {}

    // ---- loss.c ---------------------------------------------------------------------------

    /** td_cross_entropy(_grad) / td_mse(_grad). */
    @Struct(name = "td_loss_args", functions = {"td_cross_entropy", "td_cross_entropy_grad", "td_mse", "td_mse_grad"},
            section = "loss.c: cross-entropy against integer labels; mean squared error against one-hot labels or float targets", doc = """
            Forward: out[0] = loss of z [n, c]. Gradient: out = dZ, scaled by dl[0]. Labels are int64 or int32;
            MSE compares with target [n, c] instead when it is not NULL.""")
    record Loss(String id, String function, @Out String out, @In String z, @In("int64_t") String labels64, @In("int32_t") String labels32, @In String target,
                @In String dl, int n, int c) implements KernelCall {
        public Loss {
            ArgStructs.checkFunction(Loss.class, function);
        }
    }

    // ---- optimizer.c ----------------------------------------------------------------------

    /** td_sgd; vOut/v are NULL without momentum. */
    @Struct(name = "td_sgd_args", functions = "td_sgd", section = "optimizer.c: PyTorch SGD and Adam, one tensor each")
    record Sgd(String id, @Out String pOut, @Out String vOut, @In String p, @In String g, @In String v, int n, @Real String lr, @Real String momentum,
               @Real String weightDecay, int nesterov) implements KernelCall {}

    /** td_adam. */
    @Struct(name = "td_adam_args", functions = "td_adam")
    record Adam(String id, @Out String pOut, @Out String mOut, @Out String vOut, @In String p, @In String g, @In String m, @In String v, @In String step, int n,
                @Real String lr, @Real String beta1, @Real String beta2, @Real String eps, @Real String weightDecay) implements KernelCall {}
}
