package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ops.OpSupport;

/**
 * One call of a C kernel: the typed record a template ({@code src-templates/calls/<template>.ftl})
 * renders into the kernel's constant argument struct, named {@link #id()}. Pointer fields hold
 * C expressions of buffers (see {@link BufferPlan}); {@link #reads()} and {@link #writes()} name
 * the buffers for barrier placement. One record type per kernel family.
 */
public sealed interface KernelCall {
    /** The argument struct's C name. */
    String id();

    /** The C kernel function. */
    String function();

    /** The template under calls/ (without .ftl) rendering the argument struct. */
    String template();

    /** The C type of the kernel's argument struct (td_kernels.h). */
    default String structType() { return "td_" + template() + "_args"; }

    List<String> reads();

    List<String> writes();

    int MAX_RANK = 8;

    private static List<String> bufs(String... refs) {
        List<String> out = new ArrayList<>();
        for (String r : refs) if (r != null && !r.equals("NULL")) out.add(r);
        return out;
    }

    static void checkRank(int rank) {
        if (rank > MAX_RANK) throw new CompileException("tensors of rank " + rank + " exceed the C kernels' limit of " + MAX_RANK);
    }

    // ---- shared geometry records ----------------------------------------------------------

    /**
     * A broadcast view of operands over an output shape: strides[k] are operand k's strides laid
     * against the output (0 on broadcast axes).
     */
    record Broadcast(int rank, int n, boolean contiguous, int[] shape, List<int[]> strides) {
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

        public int contiguousFlag() { return contiguous ? 1 : 0; }
    }

    /** Convolution geometry, as td_conv_geom. */
    record ConvGeometry(int n, int c, int h, int w, int m, int cg, int kh, int kw, int oh, int ow,
                        int sh, int sw, int pt, int pl, int dh, int dw, int group) {}

    /** Pooling geometry, as td_pool_geom. */
    record PoolGeometry(int planes, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw,
                        int pt, int pl, int pb, int pr, int dh, int dw, int countIncludePad) {}

    // ---- elementwise.c --------------------------------------------------------------------

    /** td_unary: y = op(x); lo/hi are C double literals (Clip bounds). */
    record Unary(String id, String y, String x, int n, String op, String lo, String hi) implements KernelCall {
        public String function() { return "td_unary"; }
        public String template() { return "unary"; }
        public List<String> reads() { return bufs(x); }
        public List<String> writes() { return bufs(y); }
    }

    /** td_unary_grad: dx = dy * op'(saved). */
    record UnaryGrad(String id, String dx, String dy, String saved, int n, String op, String lo, String hi) implements KernelCall {
        public String function() { return "td_unary_grad"; }
        public String template() { return "unary_grad"; }
        public List<String> reads() { return bufs(dy, saved); }
        public List<String> writes() { return bufs(dx); }
    }

    /** td_binary: y = a op b, broadcast. */
    record Binary(String id, String y, String a, String b, String op, Broadcast view) implements KernelCall {
        public String function() { return "td_binary"; }
        public String template() { return "binary"; }
        public List<String> reads() { return bufs(a, b); }
        public List<String> writes() { return bufs(y); }
    }

    /** td_equal: y = (a == b), broadcast; {@code int64} selects int64_t operands over float. */
    record Equal(String id, String y, String a, String b, int int64, Broadcast view) implements KernelCall {
        public String function() { return "td_equal"; }
        public String template() { return "equal"; }
        public List<String> reads() { return bufs(a, b); }
        public List<String> writes() { return bufs(y); }
    }

    /** td_where: y = cond ? a : b, broadcast three ways. */
    record Where(String id, String y, String cond, String a, String b, Broadcast view) implements KernelCall {
        public String function() { return "td_where"; }
        public String template() { return "where"; }
        public List<String> reads() { return bufs(cond, a, b); }
        public List<String> writes() { return bufs(y); }
    }

    /** td_cast between the td_dtype codes {@code from} and {@code to}. */
    record Cast(String id, String y, String x, int n, String from, String to) implements KernelCall {
        public String function() { return "td_cast"; }
        public String template() { return "cast"; }
        public List<String> reads() { return bufs(x); }
        public List<String> writes() { return bufs(y); }
    }

    // ---- reduce.c -------------------------------------------------------------------------

    /** td_reduce: y[o] = sum over the reduced box / divisor. */
    record Reduce(String id, String y, String x, int nOut, int[] outShape, int[] outStrides, int[] redShape, int[] redStrides,
                  String divisor) implements KernelCall {
        public String function() { return "td_reduce"; }
        public String template() { return "reduce"; }
        public List<String> reads() { return bufs(x); }
        public List<String> writes() { return bufs(y); }
    }

    // ---- movement.c -----------------------------------------------------------------------

    /** td_copy: a strided region copy. */
    record Copy(String id, String y, String x, int elemSize, int[] shape, int[] yStrides, int[] xStrides, int yOffset, int xOffset)
            implements KernelCall {
        public Copy {
            checkRank(shape.length);
        }
        public int rank() { return shape.length; }
        public int n() { return (int) org.traindeeploy.ir.TensorType.elementCount(shape); }
        public String function() { return "td_copy"; }
        public String template() { return "copy"; }
        public List<String> reads() { return bufs(x); }
        public List<String> writes() { return bufs(y); }

        /** A copy from x to y of {@code shape}, both contiguous. */
        static Copy contiguous(String id, String y, String x, int elemSize, int[] shape) {
            int[] s = Tensor.strides(shape);
            return new Copy(id, y, x, elemSize, shape, s, s, 0, 0);
        }
    }

    /** td_scatter: zero y, then a region copy into it. */
    record Scatter(String id, int ySize, String fill, Copy copy) implements KernelCall {
        public String function() { return "td_scatter"; }
        public String template() { return "scatter"; }
        public List<String> reads() { return copy.reads(); }
        public List<String> writes() { return copy.writes(); }
    }

    /** td_gather or td_gather_grad over [outer, dim, inner] with nidx indices. */
    record Gather(String id, String function, String out, String in, String idx64, String idx32, int outer, int dim, int nidx, int inner)
            implements KernelCall {
        public String template() { return "gather"; }
        public List<String> reads() { return bufs(in, idx64, idx32); }
        public List<String> writes() { return bufs(out); }
        public String structType() { return function + "_args"; }
        public String outField() { return function.equals("td_gather") ? "y" : "dx"; }
    }

    // ---- linear.c -------------------------------------------------------------------------

    /** td_linear: y = alpha * x W + b. */
    record Linear(String id, String y, String x, String w, String b, String r, int rows, int k, int n, int transW, String alpha) implements KernelCall {
        public String function() { return "td_linear"; }
        public String template() { return "linear"; }
        public List<String> reads() { return bufs(x, w, b, r); }
        public List<String> writes() { return bufs(y); }
    }

    /** td_linear_grad_weight: dw = alpha * x^T dy (or its transpose). */
    record LinearGradWeight(String id, String dw, String x, String dy, int rows, int k, int n, int transW, String alpha) implements KernelCall {
        public String function() { return "td_linear_grad_weight"; }
        public String template() { return "linear_grad_weight"; }
        public List<String> reads() { return bufs(x, dy); }
        public List<String> writes() { return bufs(dw); }
    }

    /** td_lora_linear: t = x A^T, y = alpha * x op(W) + b + scale * t B^T (LoraLinear). */
    record LoraLinear(String id, String y, String t, String x, String w, String b, String a, String lb, int rows, int k, int n, int r, int transW,
                      String alpha, String scale) implements KernelCall {
        public String function() { return "td_lora_linear"; }
        public String template() { return "lora_linear"; }
        public List<String> reads() { return bufs(x, w, b, a, lb, t); }
        public List<String> writes() { return bufs(y, t); }
    }

    /** td_matmul over broadcast batches; aOff/bOff are element offsets per batch, emitted as arrays named {@code id_aoff}/{@code id_boff}. */
    record MatMul(String id, String y, String a, String b, int[] aOff, int[] bOff, int m, int k, int n) implements KernelCall {
        public int batch() { return aOff.length; }
        public String function() { return "td_matmul"; }
        public String template() { return "matmul"; }
        public List<String> reads() { return bufs(a, b); }
        public List<String> writes() { return bufs(y); }
    }

    // ---- conv.c ---------------------------------------------------------------------------

    /** td_conv_im2col (col is scratch) or td_conv_direct (col NULL). */
    record Conv(String id, String function, String y, String x, String w, String b, String col, ConvGeometry g) implements KernelCall {
        public String template() { return "conv"; }
        public List<String> reads() { return bufs(x, w, b, col); }
        public List<String> writes() { return bufs(y, col); }
    }

    /** td_conv_grad_input. */
    record ConvGradInput(String id, String dx, String dy, String w, ConvGeometry g) implements KernelCall {
        public String function() { return "td_conv_grad_input"; }
        public String template() { return "conv_grad_input"; }
        public List<String> reads() { return bufs(dy, w); }
        public List<String> writes() { return bufs(dx); }
    }

    /** td_conv_grad_weight. */
    record ConvGradWeight(String id, String dw, String dy, String x, ConvGeometry g) implements KernelCall {
        public String function() { return "td_conv_grad_weight"; }
        public String template() { return "conv_grad_weight"; }
        public List<String> reads() { return bufs(dy, x); }
        public List<String> writes() { return bufs(dw); }
    }

    // ---- pool.c ---------------------------------------------------------------------------

    /** td_maxpool / td_maxpool_grad / td_avgpool / td_avgpool_grad. */
    record Pool(String id, String function, String out, String in, String x, PoolGeometry g) implements KernelCall {
        public String template() { return "pool"; }
        public List<String> reads() { return bufs(in, x); }
        public List<String> writes() { return bufs(out); }
    }

    // ---- norm.c ---------------------------------------------------------------------------

    /** td_layernorm. */
    record LayerNorm(String id, String y, String x, String gamma, String beta, int rows, int n, String eps) implements KernelCall {
        public String function() { return "td_layernorm"; }
        public String template() { return "layernorm"; }
        public List<String> reads() { return bufs(x, gamma, beta); }
        public List<String> writes() { return bufs(y); }
    }

    /** td_layernorm_grad; stats is accumulator scratch. */
    record LayerNormGrad(String id, String dx, String dgamma, String dbeta, String dy, String x, String gamma, String stats,
                         int rows, int n, String eps, int accumulate) implements KernelCall {
        public String function() { return "td_layernorm_grad"; }
        public String template() { return "layernorm_grad"; }
        public List<String> reads() { return bufs(dy, x, gamma, stats); }
        public List<String> writes() { return bufs(dx, dgamma, dbeta, stats); }
    }

    /** td_batchnorm over x [n, c, inner]; runMeanOut / runVarOut are NULL in inference mode. */
    record BatchNorm(String id, String y, String runMeanOut, String runVarOut, String x, String gamma, String beta, String mean, String var,
                     int n, int c, int inner, String eps, String momentum, int training) implements KernelCall {
        public String function() { return "td_batchnorm"; }
        public String template() { return "batchnorm"; }
        public List<String> reads() { return bufs(x, gamma, beta, mean, var); }
        public List<String> writes() { return bufs(y, runMeanOut, runVarOut); }
    }

    /** td_batchnorm_grad; mean / var are NULL in training mode (recomputed from x). */
    record BatchNormGrad(String id, String dx, String dgamma, String dbeta, String dy, String x, String gamma, String mean, String var,
                         int n, int c, int inner, String eps, int training) implements KernelCall {
        public String function() { return "td_batchnorm_grad"; }
        public String template() { return "batchnorm_grad"; }
        public List<String> reads() { return bufs(dy, x, gamma, mean, var); }
        public List<String> writes() { return bufs(dx, dgamma, dbeta); }
    }

    // ---- softmax.c ------------------------------------------------------------------------

    /** td_softmax along the middle axis of [outer, n, inner]. */
    record Softmax(String id, String y, String x, int outer, int n, int inner) implements KernelCall {
        public String function() { return "td_softmax"; }
        public String template() { return "softmax"; }
        public List<String> reads() { return bufs(x); }
        public List<String> writes() { return bufs(y); }
    }

    /** td_softmax_grad. */
    record SoftmaxGrad(String id, String dx, String dy, String y, int outer, int n, int inner) implements KernelCall {
        public String function() { return "td_softmax_grad"; }
        public String template() { return "softmax_grad"; }
        public List<String> reads() { return bufs(dy, y); }
        public List<String> writes() { return bufs(dx); }
    }

    // ---- loss.c ---------------------------------------------------------------------------

    /** td_cross_entropy(_grad) / td_mse(_grad). */
    record Loss(String id, String function, String out, String z, String labels64, String labels32, String target, String dl, int n, int c) implements KernelCall {
        public String template() { return "loss"; }
        public List<String> reads() { return bufs(z, labels64, labels32, target, dl); }
        public List<String> writes() { return bufs(out); }
    }

    // ---- optimizer.c ----------------------------------------------------------------------

    /** td_sgd; vOut/v are NULL without momentum. */
    record Sgd(String id, String pOut, String vOut, String p, String g, String v, int n, String lr, String momentum, String weightDecay,
               int nesterov) implements KernelCall {
        public String function() { return "td_sgd"; }
        public String template() { return "sgd"; }
        public List<String> reads() { return bufs(p, g, v); }
        public List<String> writes() { return bufs(pOut, vOut); }
    }

    /** td_adam. */
    record Adam(String id, String pOut, String mOut, String vOut, String p, String g, String m, String v, String step, int n,
                String lr, String beta1, String beta2, String eps, String weightDecay) implements KernelCall {
        public String function() { return "td_adam"; }
        public String template() { return "adam"; }
        public List<String> reads() { return bufs(p, g, m, v, step); }
        public List<String> writes() { return bufs(pOut, mOut, vOut); }
    }
}
