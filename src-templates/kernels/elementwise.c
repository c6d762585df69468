/*
 * Elementwise kernels: unary math and activations (forward and backward), binary arithmetic and
 * comparison with NumPy broadcasting, Where, Cast. Each output element is computed in double and
 * rounded to float once, as the reference interpreter does.
 */
#include <math.h>
#include <string.h>

#include "td_kernels.h"
#include "td_nd.h"

#define TD_PI 3.14159265358979323846

static double td_gelu_erf(double x) { return 0.5 * x * (1 + erf(x / sqrt(2.0))); }

static double td_gelu_tanh(double x) {
    return 0.5 * x * (1 + tanh(sqrt(2 / TD_PI) * (x + 0.044715 * x * x * x)));
}

static double td_gelu_erf_grad(double x) {
    return 0.5 * (1 + erf(x / sqrt(2.0))) + x * exp(-0.5 * x * x) / sqrt(2 * TD_PI);
}

static double td_gelu_tanh_grad(double x) {
    double t = tanh(sqrt(2 / TD_PI) * (x + 0.044715 * x * x * x));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * sqrt(2 / TD_PI) * (1 + 3 * 0.044715 * x * x);
}

/* min(max(x, lo), hi) with NaN propagating, as Java's Math.min/Math.max. */
static double td_clip(double x, double lo, double hi) {
    if (isnan(x)) return x;
    if (x < lo) x = lo;
    if (x > hi) x = hi;
    return x;
}

/* The Activation family in single precision. */
static float td_sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

static float td_hard_sigmoidf(float x, float alpha, float beta) {
    float v = alpha * x + beta;
    return v < 0 ? 0.0f : v > 1 ? 1.0f : v;
}

void td_unary(const td_unary_args *a) {
    int32_t lo, hi, i;
    td_split(a->n, &lo, &hi);
    for (i = lo; i < hi; i++) {
        double x = a->x[i];
        double y;
        switch (a->op) {
            case TD_NEG: y = -x; break;
            case TD_EXP: y = exp(x); break;
            case TD_SQRT: y = sqrt(x); break;
            case TD_ERF: y = erf(x); break;
            case TD_RELU: y = x > 0 ? x : 0; break;
            case TD_GELU: y = td_gelu_erf(x); break;
            case TD_GELU_TANH: y = td_gelu_tanh(x); break;
            case TD_CLIP: y = td_clip(x, a->lo, a->hi); break;
            case TD_SIGMOID: y = td_sigmoidf(a->x[i]); break;
            case TD_TANH: y = tanhf(a->x[i]); break;
            case TD_HARD_SIGMOID: y = td_hard_sigmoidf(a->x[i], (float)a->lo, (float)a->hi); break;
            case TD_HARD_SWISH: y = a->x[i] * td_hard_sigmoidf(a->x[i], 1.0f / 6.0f, 0.5f); break;
            case TD_LEAKY_RELU: y = a->x[i] >= 0 ? a->x[i] : (float)a->lo * a->x[i]; break;
            default: y = x; break;
        }
        a->y[i] = (float)y;
    }
}

void td_unary_grad(const td_unary_grad_args *a) {
    int32_t lo, hi, i;
    td_split(a->n, &lo, &hi);
    for (i = lo; i < hi; i++) {
        double dy = a->dy[i];
        double s = a->saved[i];
        double dx;
        switch (a->op) {
            case TD_RELU_GRAD: dx = s > 0 ? dy : 0; break;
            case TD_GELU_GRAD: dx = dy * td_gelu_erf_grad(s); break;
            case TD_GELU_TANH_GRAD: dx = dy * td_gelu_tanh_grad(s); break;
            case TD_CLIP_GRAD: dx = s >= a->lo && s <= a->hi ? dy : 0; break;
            case TD_SIGMOID_GRAD: dx = a->dy[i] * a->saved[i] * (1.0f - a->saved[i]); break;
            case TD_TANH_GRAD: dx = a->dy[i] * (1.0f - a->saved[i] * a->saved[i]); break;
            case TD_HARD_SIGMOID_GRAD: {
                float v = (float)a->lo * a->saved[i] + (float)a->hi;
                dx = v > 0 && v < 1 ? a->dy[i] * (float)a->lo : 0.0f;
                break;
            }
            case TD_HARD_SWISH_GRAD:
                dx = a->saved[i] < -3.0f ? 0.0f : a->saved[i] <= 3.0f ? a->dy[i] * (a->saved[i] / 3.0f + 0.5f) : a->dy[i];
                break;
            case TD_LEAKY_RELU_GRAD: dx = a->saved[i] > 0 ? a->dy[i] : a->dy[i] * (float)a->lo; break;
            default: dx = dy; break;
        }
        a->dx[i] = (float)dx;
    }
}

static double td_apply(td_binary_op op, double x, double y) {
    switch (op) {
        case TD_ADD: return x + y;
        case TD_SUB: return x - y;
        case TD_MUL: return x * y;
        case TD_DIV: return x / y;
        case TD_POW: return pow(x, y);
        default: return x;
    }
}

void td_binary(const td_binary_args *a) {
    const td_bcast *v = &a->view;
    int32_t lo, hi, i;
    td_split(v->n, &lo, &hi);
    if (v->contiguous) {
        for (i = lo; i < hi; i++) a->y[i] = (float)td_apply(a->op, a->a[i], a->b[i]);
    } else {
        const int32_t *strides[2];
        int32_t idx[TD_MAX_RANK];
        int32_t off[2];
        strides[0] = v->strides[0];
        strides[1] = v->strides[1];
        if (lo >= hi) return;
        td_nd_seek(v->rank, v->shape, 2, strides, lo, idx, off);
        for (i = lo; i < hi; i++) {
            a->y[i] = (float)td_apply(a->op, a->a[off[0]], a->b[off[1]]);
            td_nd_next(v->rank, v->shape, 2, strides, idx, off);
        }
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

/* float to int64 as Java's (long) cast: truncation toward zero, NaN to 0, saturating. */
static int64_t td_float_to_int64(double x) {
    if (isnan(x)) return 0;
    if (x >= 9223372036854775807.0) return INT64_MAX;
    if (x <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)x;
}

void td_cast(const td_cast_args *a) {
    int32_t lo, hi, i;
    td_split(a->n, &lo, &hi);
    for (i = lo; i < hi; i++) {
        double real = 0;
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
            case TD_DT_FLOAT: ((float *)a->y)[i] = (float)(is_real ? real : (double)whole); break;
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
