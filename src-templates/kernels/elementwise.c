/*
 * Elementwise kernels: unary math and activations (forward and backward), binary arithmetic and
 * comparison with NumPy broadcasting, Where, Cast. Each output element is computed in td_real
 * (td_math.h) and rounded to float once, as the reference interpreter does. The op is chosen once
 * per call: each op has its own loop (TD_MAP), no switch runs per element.
 */
#include <math.h>
#include <string.h>

#include "td_kernels.h"
#include "td_math.h"
#include "td_nd.h"

/* 0.5 x (1 + erf(x / sqrt 2)); for x < 0 as 0.5 x erfc(-x / sqrt 2), which keeps its precision. */
static inline td_real td_gelu_erf(td_real x) {
    td_real u = x * TD_R(0.70710678118654752440);
    return TD_R(0.5) * x * (x >= 0 ? TD_R(1.0) + td_erf(u) : td_erfc(-u));
}

/* Phi(x) + x phi(x) = 0.5 (1 + erf(x / sqrt 2)) + x e^(-x^2 / 2) / sqrt(2 pi). */
static inline td_real td_gelu_erf_grad(td_real x) {
    td_real u = x * TD_R(0.70710678118654752440);
    td_real cdf = TD_R(0.5) * (x >= 0 ? TD_R(1.0) + td_erf(u) : td_erfc(-u));
    return cdf + x * td_exp(-u * u) * TD_R(0.39894228040143267794);
}

/* v = sqrt(2/pi) (x + 0.044715 x^3); 0.5 x (1 + tanh v) = x sigmoid(2v) (no cancellation for x < 0). */
static inline td_real td_gelu_tanh_arg(td_real x) {
    return TD_R(0.79788456080286535588) * (x + TD_R(0.044715) * x * x * x);
}

static inline td_real td_gelu_tanh(td_real x) { return x * td_sigmoid(TD_R(2.0) * td_gelu_tanh_arg(x)); }

/* With s = sigmoid(2v): 0.5 (1 + tanh v) = s and 0.5 (1 - tanh^2 v) = 2 s (1 - s), so
   d/dx = s + 2 x s (1 - s) sqrt(2/pi) (1 + 3 * 0.044715 x^2). */
static inline td_real td_gelu_tanh_grad(td_real x) {
    td_real s, sc;
    td_sigmoid_pair(TD_R(2.0) * td_gelu_tanh_arg(x), &s, &sc);
    return s + TD_R(2.0) * x * s * sc * TD_R(0.79788456080286535588) * (TD_R(1.0) + TD_R(0.134145) * x * x);
}

/* min(max(x, lo), hi) with NaN propagating, as Java's Math.min/Math.max. */
static inline td_real td_clip(td_real x, td_real lo, td_real hi) {
    if (isnan(x)) return x;
    if (x < lo) x = lo;
    if (x > hi) x = hi;
    return x;
}

/* max(0, min(1, alpha x + beta)). */
static inline td_real td_hard_sigmoid(td_real x, td_real alpha, td_real beta) {
    td_real v = alpha * x + beta;
    return v < 0 ? TD_R(0.0) : v > 1 ? TD_R(1.0) : v;
}

/* One loop over this core's elements [lo, hi): y[i] = expr of x = x[i] (td_real). */
#define TD_MAP(y, x_arr, expr)                             \
    for (i = lo; i < hi; i++) {                            \
        const td_real x = (x_arr)[i];                      \
        (y)[i] = (float)(expr);                            \
    }                                                      \
    break

void td_unary(const td_unary_args *a) {
    const float *xs = a->x;
    float *ys = a->y;
    const td_real clo = a->lo, chi = a->hi;
    int32_t lo, hi, i;
    td_split(a->n, &lo, &hi);
#ifdef TD_HOST
    /* Host build: Relu compares and copies the float itself (the same bits as through td_real: the
       widening is exact, +0 for x <= 0 and NaN), a loop the compiler can vectorize. */
    if (a->op == TD_RELU) {
        for (i = lo; i < hi; i++) {
            const float x = xs[i];
            ys[i] = x > 0.0f ? x : 0.0f;
        }
        return;
    }
#endif
    switch (a->op) {
        case TD_NEG: TD_MAP(ys, xs, -x);
        case TD_EXP: TD_MAP(ys, xs, td_exp(x));
        case TD_SQRT: TD_MAP(ys, xs, td_sqrt(x));
        case TD_ERF: TD_MAP(ys, xs, td_erf(x));
        case TD_RELU: TD_MAP(ys, xs, x > 0 ? x : 0);
        case TD_GELU: TD_MAP(ys, xs, td_gelu_erf(x));
        case TD_GELU_TANH: TD_MAP(ys, xs, td_gelu_tanh(x));
        case TD_CLIP: TD_MAP(ys, xs, td_clip(x, clo, chi));
        case TD_SIGMOID: TD_MAP(ys, xs, td_sigmoid(x));
        case TD_TANH: TD_MAP(ys, xs, td_tanh(x));
        /* lo, hi carry HardSigmoid's alpha and beta; LeakyRelu's alpha is lo. */
        case TD_HARD_SIGMOID: TD_MAP(ys, xs, td_hard_sigmoid(x, clo, chi));
        case TD_HARD_SWISH: TD_MAP(ys, xs, x * td_hard_sigmoid(x, TD_R(1.0) / TD_R(6.0), TD_R(0.5)));
        case TD_LEAKY_RELU: TD_MAP(ys, xs, x >= 0 ? x : clo * x);
        default: TD_MAP(ys, xs, x);
    }
}

/* One loop: dx[i] = expr of dy = dy[i] and s = saved[i] (td_real). */
#define TD_MAP_GRAD(expr)                                  \
    for (i = lo; i < hi; i++) {                            \
        const td_real dy = dys[i];                         \
        const td_real s = ss[i];                           \
        (void)s;                                           \
        dxs[i] = (float)(expr);                            \
    }                                                      \
    break

void td_unary_grad(const td_unary_grad_args *a) {
    const float *dys = a->dy, *ss = a->saved;
    float *dxs = a->dx;
    const td_real clo = a->lo, chi = a->hi;
    int32_t lo, hi, i;
    td_split(a->n, &lo, &hi);
    switch (a->op) {
        case TD_RELU_GRAD: TD_MAP_GRAD(s > 0 ? dy : 0);
        case TD_GELU_GRAD: TD_MAP_GRAD(dy * td_gelu_erf_grad(s));
        case TD_GELU_TANH_GRAD: TD_MAP_GRAD(dy * td_gelu_tanh_grad(s));
        case TD_CLIP_GRAD: TD_MAP_GRAD(s >= clo && s <= chi ? dy : 0);
        /* Sigmoid and Tanh save their output y: dx = dy y (1 - y), dy (1 - y^2). */
        case TD_SIGMOID_GRAD: TD_MAP_GRAD(dy * s * (TD_R(1.0) - s));
        case TD_TANH_GRAD: TD_MAP_GRAD(dy * (TD_R(1.0) - s * s));
        /* The others save their input x. */
        case TD_HARD_SIGMOID_GRAD: TD_MAP_GRAD((clo * s + chi > 0 && clo * s + chi < 1) ? dy * clo : 0);
        case TD_HARD_SWISH_GRAD: TD_MAP_GRAD(s < -3 ? 0 : s <= 3 ? dy * (s / TD_R(3.0) + TD_R(0.5)) : dy);
        case TD_LEAKY_RELU_GRAD: TD_MAP_GRAD(s > 0 ? dy : dy * clo);
        default: TD_MAP_GRAD(dy);
    }
}

/* One loop over [lo, hi) of a binary op: contiguous operands, or a broadcast walk of the view in
   runs along its last axis (one strided loop per run, the multi-index carried between runs). */
#define TD_MAP2(expr)                                                                      \
    if (v->contiguous || v->rank == 0) {                                                   \
        for (i = lo; i < hi; i++) {                                                        \
            const td_real x = a->a[i], y = a->b[i];                                        \
            (void)y;                                                                       \
            a->y[i] = (float)(expr);                                                       \
        }                                                                                  \
    } else {                                                                               \
        const int32_t last = v->rank - 1, sa = strides[0][last], sb = strides[1][last];    \
        td_nd_seek(v->rank, v->shape, 2, strides, lo, idx, off);                           \
        for (i = lo; i < hi;) {                                                            \
            int32_t run = v->shape[last] - idx[last], r;                                   \
            const float *pa = a->a + off[0], *pb = a->b + off[1];                          \
            float *py = a->y + i;                                                          \
            if (run > hi - i) run = hi - i;                                                \
            for (r = 0; r < run; r++) {                                                    \
                const td_real x = pa[r * sa], y = pb[r * sb];                              \
                (void)y;                                                                   \
                py[r] = (float)(expr);                                                     \
            }                                                                              \
            i += run;                                                                      \
            if (i >= hi) break;                                                            \
            off[0] += (run - 1) * sa, off[1] += (run - 1) * sb, idx[last] += run - 1;      \
            td_nd_next(v->rank, v->shape, 2, strides, idx, off);                           \
        }                                                                                  \
    }                                                                                      \
    break

void td_binary(const td_binary_args *a) {
    const td_bcast *v = &a->view;
    const int32_t *strides[2];
    int32_t idx[TD_MAX_RANK];
    int32_t off[2];
    int32_t lo, hi, i;
    td_split(v->n, &lo, &hi);
    if (lo >= hi) return;
    strides[0] = v->strides[0];
    strides[1] = v->strides[1];
    switch (a->op) {
        case TD_ADD: TD_MAP2(x + y);
        case TD_SUB: TD_MAP2(x - y);
        case TD_MUL: TD_MAP2(x * y);
        case TD_DIV: TD_MAP2(x / y);
        case TD_POW: TD_MAP2(td_pow(x, y));
        default: TD_MAP2(x);
    }
}

void td_equal(const td_equal_args *a) {
    const td_bcast *v = &a->view;
    const int32_t *strides[2];
    int32_t idx[TD_MAX_RANK];
    int32_t off[2];
    int32_t lo, hi, i;
    td_split(v->n, &lo, &hi);
    if (lo >= hi) return;
    strides[0] = v->strides[0];
    strides[1] = v->strides[1];
    td_nd_seek(v->rank, v->shape, 2, strides, lo, idx, off);
    for (i = lo; i < hi; i++) {
        if (a->is_int64) {
            a->y[i] = ((const int64_t *)a->a)[off[0]] == ((const int64_t *)a->b)[off[1]];
        } else {
            a->y[i] = ((const float *)a->a)[off[0]] == ((const float *)a->b)[off[1]];
        }
        td_nd_next(v->rank, v->shape, 2, strides, idx, off);
    }
}

void td_where(const td_where_args *a) {
    const td_bcast *v = &a->view;
    const int32_t *strides[3];
    int32_t idx[TD_MAX_RANK];
    int32_t off[3];
    int32_t lo, hi, i;
    td_split(v->n, &lo, &hi);
    if (lo >= hi) return;
    strides[0] = v->strides[0];
    strides[1] = v->strides[1];
    strides[2] = v->strides[2];
    td_nd_seek(v->rank, v->shape, 3, strides, lo, idx, off);
    for (i = lo; i < hi; i++) {
        a->y[i] = a->cond[off[0]] ? a->a[off[1]] : a->b[off[2]];
        td_nd_next(v->rank, v->shape, 3, strides, idx, off);
    }
}

/* float to int64 as Java's (long) cast: truncation toward zero, NaN to 0, saturating (2^63 is a float). */
static int64_t td_float_to_int64(float x) {
    if (isnan(x)) return 0;
    if (x >= 9223372036854775808.0f) return INT64_MAX;
    if (x <= -9223372036854775808.0f) return INT64_MIN;
    return (int64_t)x;
}

void td_cast(const td_cast_args *a) {
    int32_t lo, hi, i;
    td_split(a->n, &lo, &hi);
    for (i = lo; i < hi; i++) {
        float real = 0;
        int64_t whole = 0;
        int is_real = 0;
        switch (a->from) {
            case TD_DT_FLOAT: real = ((const float *)a->x)[i]; is_real = 1; break;
            case TD_DT_INT64: whole = ((const int64_t *)a->x)[i]; break;
            case TD_DT_INT32: whole = ((const int32_t *)a->x)[i]; break;
            case TD_DT_BOOL: whole = ((const uint8_t *)a->x)[i]; break;
            default: break;
        }
        switch (a->to) {
            case TD_DT_FLOAT: ((float *)a->y)[i] = is_real ? real : (float)whole; break;
            case TD_DT_INT64: ((int64_t *)a->y)[i] = is_real ? td_float_to_int64(real) : whole; break;
            case TD_DT_INT32: {
                int64_t w = is_real ? td_float_to_int64(real) : whole;
                ((int32_t *)a->y)[i] = (int32_t)(uint32_t)(uint64_t)w;
                break;
            }
            case TD_DT_BOOL: ((uint8_t *)a->y)[i] = (uint8_t)(is_real ? real != 0 : whole != 0); break;
            default: break;
        }
    }
}
