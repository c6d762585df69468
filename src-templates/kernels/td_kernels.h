/*
 * td_kernels.h - the kernels of the generated training step, one family per source file.
 *
 * Every kernel is called by all cores inside td_fork with a pointer to its (constant) argument
 * struct, splits its work by td_core_id() so that each output element is computed by exactly
 * one core in a fixed order (results do not depend on the core count), and returns without a
 * final barrier: the generated code places barriers between dependent kernels. Kernels that
 * need a barrier between two internal phases call td_barrier() themselves.
 *
 * Numerics follow the reference interpreter (org.traindeeploy.ops.*#evaluate): sums accumulate
 * in td_acc, elementwise math is done in td_real (td_math.h: double on the host, float on a target
 * without a double-precision FPU) and rounded to float once per output element. Scalar arguments
 * (alpha, eps, learning rates, bounds) are td_real too.
 */
#ifndef TD_KERNELS_H
#define TD_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "td_runtime.h"

#define TD_MAX_RANK 8

/* ---- elementwise.c: unary math, activations and their gradients, binary ops with broadcast ---- */

typedef enum {
    TD_NEG, TD_EXP, TD_SQRT, TD_ERF, TD_RELU, TD_GELU, TD_GELU_TANH, TD_CLIP,
    /* the Activation family; lo, hi carry alpha, beta (HardSigmoid: alpha x + beta; LeakyRelu: alpha) */
    TD_SIGMOID, TD_TANH, TD_HARD_SIGMOID, TD_HARD_SWISH, TD_LEAKY_RELU
} td_unary_op;

/* y = op(x) elementwise; lo/hi are Clip's bounds. */
typedef struct {
    float *y;
    const float *x;
    int32_t n;
    td_unary_op op;
    td_real lo, hi;
} td_unary_args;
void td_unary(const td_unary_args *a);

typedef enum {
    TD_RELU_GRAD, TD_GELU_GRAD, TD_GELU_TANH_GRAD, TD_CLIP_GRAD,
    /* saved = y for SIGMOID, TANH; saved = x for the others */
    TD_SIGMOID_GRAD, TD_TANH_GRAD, TD_HARD_SIGMOID_GRAD, TD_HARD_SWISH_GRAD, TD_LEAKY_RELU_GRAD
} td_unary_grad_op;

/* dx = dy * op'(saved) elementwise; saved is Relu's output Y, otherwise the forward input X. */
typedef struct {
    float *dx;
    const float *dy;
    const float *saved;
    int32_t n;
    td_unary_grad_op op;
    td_real lo, hi;
} td_unary_grad_args;
void td_unary_grad(const td_unary_grad_args *a);

/*
 * A broadcast view of up to three operands over an output of `shape` (row-major): operand k's
 * element for output index i is at offset sum_d i_d * strides[k][d] (stride 0 on broadcast axes).
 * `contiguous` is set when every operand has the output's own layout.
 */
typedef struct {
    int32_t rank;
    int32_t n;
    int32_t contiguous;
    int32_t shape[TD_MAX_RANK];
    int32_t strides[3][TD_MAX_RANK];
} td_bcast;

typedef enum { TD_ADD, TD_SUB, TD_MUL, TD_DIV, TD_POW } td_binary_op;

/* y = a op b with NumPy broadcasting (operands 0 = a, 1 = b of the view). */
typedef struct {
    float *y;
    const float *a;
    const float *b;
    td_binary_op op;
    td_bcast view;
} td_binary_args;
void td_binary(const td_binary_args *a);

/* y = (a == b) as 0/1 bytes; a and b are float (is_int64 = 0) or int64_t (is_int64 = 1). */
typedef struct {
    uint8_t *y;
    const void *a;
    const void *b;
    int32_t is_int64;
    td_bcast view;
} td_equal_args;
void td_equal(const td_equal_args *a);

/* y = cond ? a : b with three-way broadcasting (operands 0 = cond, 1 = a, 2 = b). */
typedef struct {
    float *y;
    const uint8_t *cond;
    const float *a;
    const float *b;
    td_bcast view;
} td_where_args;
void td_where(const td_where_args *a);

typedef enum { TD_DT_FLOAT, TD_DT_INT64, TD_DT_INT32, TD_DT_BOOL } td_dtype;

/* y = (to) x elementwise; float to integer truncates toward zero, anything to bool is (x != 0). */
typedef struct {
    void *y;
    const void *x;
    int32_t n;
    td_dtype from, to;
} td_cast_args;
void td_cast(const td_cast_args *a);

/* ---- reduce.c ---- */

/*
 * y[o] = (sum over the reduced index space of x) / divisor. Output element o has multi-index
 * over out_shape; its first input element is at sum o_d * out_strides[d]; the reduced axes are
 * visited in row-major order with red_strides.
 */
typedef struct {
    float *y;
    const float *x;
    int32_t n_out;
    int32_t out_rank;
    int32_t out_shape[TD_MAX_RANK];
    int32_t out_strides[TD_MAX_RANK];
    int32_t red_rank;
    int32_t red_shape[TD_MAX_RANK];
    int32_t red_strides[TD_MAX_RANK];
    td_real divisor;
} td_reduce_args;
void td_reduce(const td_reduce_args *a);

/* ---- movement.c: strided copies (Transpose, Expand, Slice, Split, Concat), gathers ---- */

/*
 * For every index i of the region `shape`: y[y_offset + i.y_strides] = x[x_offset + i.x_strides],
 * elements of elem_size bytes.
 */
typedef struct {
    void *y;
    const void *x;
    int32_t elem_size;
    int32_t rank;
    int32_t n;
    int32_t shape[TD_MAX_RANK];
    int32_t y_strides[TD_MAX_RANK];
    int32_t x_strides[TD_MAX_RANK];
    int32_t y_offset;
    int32_t x_offset;
} td_copy_args;
void td_copy(const td_copy_args *a);

/* Fill y (y_size floats) with `fill`, then the region copy of `copy` (SliceGrad: dY scattered into
   zeros; Pad: x placed inside the constant). */
typedef struct {
    int32_t y_size;
    float fill;
    td_copy_args copy;
} td_scatter_args;
void td_scatter(const td_scatter_args *a);

/* y[o, j, i] = x[o, idx[j], i] over [outer, dim, inner], negative indices counting from the end. */
typedef struct {
    float *y;
    const float *x;
    const int64_t *idx64;
    const int32_t *idx32;
    int32_t outer, dim, nidx, inner;
} td_gather_args;
void td_gather(const td_gather_args *a);

/* dx = zeros; dx[o, idx[j], i] += dy[o, j, i]. */
typedef struct {
    float *dx;
    const float *dy;
    const int64_t *idx64;
    const int32_t *idx32;
    int32_t outer, dim, nidx, inner;
} td_gather_grad_args;
void td_gather_grad(const td_gather_grad_args *a);

/* ---- linear.c: fully connected layers and batched matrix products ---- */

/* y[r, j] = alpha * sum_i x[r, i] * W(i, j) + b[j] + r[r, j], W(i, j) = w[i*n + j], or w[j*k + i] with
   trans_w; b and the residual r optional (NULL). With accumulate, y += alpha * x W instead (a later
   block of the reduction: b and r were added by the first). */
typedef struct {
    float *y;
    const float *x;
    const float *w;
    const float *b;
    const float *r;
    int32_t rows, k, n;
    int32_t trans_w;
    td_real alpha;
    int32_t accumulate;
} td_linear_args;
void td_linear(const td_linear_args *a);

/* A Linear with its LoRA adapter (LoraLinear): t = x A^T ([rows, r], A [r, k]), then
   y = alpha * x op(W) + b + scale * t B^T (B [n, r]), the low-rank terms added to each output block's
   sums while they are in registers. With t_ready, t already holds x A^T for these rows (an earlier
   column tile of the same rows computed it) and is only read. */
typedef struct {
    float *y;
    float *t;
    const float *x;
    const float *w;
    const float *b;
    const float *a;
    const float *lb;
    int32_t rows, k, n, r;
    int32_t trans_w;
    td_real alpha, scale;
    int32_t t_ready;
} td_lora_linear_args;
void td_lora_linear(const td_lora_linear_args *a);

/* dw = alpha * x^T dy ([k, n]), or alpha * dy^T x ([n, k]) with trans_w; x [rows, k], dy [rows, n].
   With accumulate, dw += (a later block of rows). */
typedef struct {
    float *dw;
    const float *x;
    const float *dy;
    int32_t rows, k, n;
    int32_t trans_w;
    td_real alpha;
    int32_t accumulate;
} td_linear_grad_weight_args;
void td_linear_grad_weight(const td_linear_grad_weight_args *a);

/* y[p] = a[a_off[p]] (m x k) . b[b_off[p]] (k x n) for each of `batch` products (broadcast batch). */
typedef struct {
    float *y;
    const float *a;
    const float *b;
    const int32_t *a_off;
    const int32_t *b_off;
    int32_t batch, m, k, n;
} td_matmul_args;
void td_matmul(const td_matmul_args *a);

/* ---- conv.c: 2-D convolution (im2col + GEMM, or direct), and its two gradients ---- */

/* Geometry: X [n, c, h, w], W [m, cg, kh, kw] with c = cg * group, Y [n, m, oh, ow]. */
typedef struct {
    int32_t n, c, h, w;
    int32_t m, cg, kh, kw;
    int32_t oh, ow;
    int32_t sh, sw, pt, pl, dh, dw;
    int32_t group;
} td_conv_geom;

/* y = conv(x, w) + b. col: scratch of cg*kh*kw*oh*ow floats for im2col (td_conv_im2col only). */
typedef struct {
    float *y;
    const float *x;
    const float *w;
    const float *b;
    float *col;
    td_conv_geom g;
} td_conv_args;
void td_conv_im2col(const td_conv_args *a);
void td_conv_direct(const td_conv_args *a);

/* dx = sum over taps of dy * w; with accumulate, dx += that sum (a block of a larger reduction). */
typedef struct {
    float *dx;
    const float *dy;
    const float *w;
    td_conv_geom g;
    int32_t accumulate;
} td_conv_grad_input_args;
void td_conv_grad_input(const td_conv_grad_input_args *a);

/* dw = sum over taps of dy * x; with accumulate, dw += that sum (a block of images or rows of a larger reduction). */
typedef struct {
    float *dw;
    const float *dy;
    const float *x;
    td_conv_geom g;
    int32_t accumulate;
} td_conv_grad_weight_args;
void td_conv_grad_weight(const td_conv_grad_weight_args *a);

/* ---- pool.c: max and average pooling and their gradients ---- */

/* Window over planes of [h, w] -> [oh, ow]; pads top, left, bottom, right. */
typedef struct {
    int32_t planes, h, w, oh, ow;
    int32_t kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
    int32_t count_include_pad;
} td_pool_geom;

/* Forward: out = pool(in). MaxPool gradient: out = dX from in = dY and the forward input x. AveragePool gradient: out = dX from in = dY. */
typedef struct {
    float *out;
    const float *in;
    const float *x;
    td_pool_geom g;
} td_pool_args;
void td_maxpool(const td_pool_args *a);
void td_maxpool_grad(const td_pool_args *a);
void td_avgpool(const td_pool_args *a);
void td_avgpool_grad(const td_pool_args *a);

/* ---- norm.c: layer normalization over the last n elements of each row ---- */

typedef struct {
    float *y;
    const float *x;
    const float *gamma;
    const float *beta;
    int32_t rows, n;
    td_real eps;
} td_layernorm_args;
void td_layernorm(const td_layernorm_args *a);

/* dx, dgamma, dbeta from dy, x, gamma; stats: scratch of 2*rows td_acc (mean, 1/sigma per row).
   With accumulate, dgamma and dbeta are added to (a tile of rows of a larger tensor) instead of set. */
typedef struct {
    float *dx;
    float *dgamma;
    float *dbeta;
    const float *dy;
    const float *x;
    const float *gamma;
    td_acc *stats;
    int32_t rows, n;
    td_real eps;
    int32_t accumulate;
} td_layernorm_grad_args;
void td_layernorm_grad(const td_layernorm_grad_args *a);

/* ---- norm.c: batch normalization over the channel axis 1 of x [n, c, inner] ---- */

/* Inference (training == 0): y = (x - mean) / sqrt(var + eps) * gamma + beta with the given statistics.
   Training: mean and the biased variance of x per channel over n and inner; run_mean_out / run_var_out
   (when not NULL) get momentum * running + (1 - momentum) * batch statistic, the variance unbiased. */
typedef struct {
    float *y;
    float *run_mean_out;
    float *run_var_out;
    const float *x;
    const float *gamma;
    const float *beta;
    const float *mean;
    const float *var;
    int32_t n, c, inner;
    td_real eps, momentum;
    int32_t training;
} td_batchnorm_args;
void td_batchnorm(const td_batchnorm_args *a);

/* dx, dgamma, dbeta from dy, x, gamma (and mean, var in inference mode); channels split over cores. */
typedef struct {
    float *dx;
    float *dgamma;
    float *dbeta;
    const float *dy;
    const float *x;
    const float *gamma;
    const float *mean;
    const float *var;
    int32_t n, c, inner;
    td_real eps;
    int32_t training;
} td_batchnorm_grad_args;
void td_batchnorm_grad(const td_batchnorm_grad_args *a);

/* ---- softmax.c: softmax along the middle axis of [outer, n, inner] ---- */

typedef struct {
    float *y;
    const float *x;
    int32_t outer, n, inner;
} td_softmax_args;
void td_softmax(const td_softmax_args *a);

/* dx = y * (dy - sum(dy * y)). */
typedef struct {
    float *dx;
    const float *dy;
    const float *y;
    int32_t outer, n, inner;
} td_softmax_grad_args;
void td_softmax_grad(const td_softmax_grad_args *a);

/* ---- loss.c: cross-entropy against integer labels; mean squared error against one-hot labels or float targets ---- */

/* Forward: out[0] = loss of z [n, c]. Gradient: out = dZ, scaled by dl[0]. Labels are int64 or int32;
   MSE compares with target [n, c] instead when it is not NULL. */
typedef struct {
    float *out;
    const float *z;
    const int64_t *labels64;
    const int32_t *labels32;
    const float *target;
    const float *dl;
    int32_t n, c;
} td_loss_args;
void td_cross_entropy(const td_loss_args *a);
void td_cross_entropy_grad(const td_loss_args *a);
void td_mse(const td_loss_args *a);
void td_mse_grad(const td_loss_args *a);

/* ---- optimizer.c: PyTorch SGD and Adam, one tensor each ---- */

typedef struct {
    float *p_out;
    float *v_out;
    const float *p;
    const float *g;
    const float *v;
    int32_t n;
    td_real lr, momentum, weight_decay;
    int32_t nesterov;
} td_sgd_args;
void td_sgd(const td_sgd_args *a);

typedef struct {
    float *p_out;
    float *m_out;
    float *v_out;
    const float *p;
    const float *g;
    const float *m;
    const float *v;
    const float *step;
    int32_t n;
    td_real lr, beta1, beta2, eps, weight_decay;
} td_adam_args;
void td_adam(const td_adam_args *a);

#endif /* TD_KERNELS_H */
