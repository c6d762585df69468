/*
 * Softmax along the middle axis of [outer, n, inner] (one line per core unit), and its gradient.
 * Forward: m = max, e_k = exp(x_k - m) computed once (stored in y), then y_k = e_k * (1 / sum e).
 */
#include <math.h>

#include "td_kernels.h"
#include "td_math.h"

void td_softmax(const td_softmax_args *a) {
    int32_t lo, hi, line, k, k0;
    td_split(a->outer * a->inner, &lo, &hi);
    for (line = lo; line < hi; line++) {
        size_t base = (size_t)(line / a->inner) * a->n * a->inner + (size_t)(line % a->inner);
        const float *x = a->x + base;
        float *y = a->y + base;
        size_t st = (size_t)a->inner;
        td_real m = -TD_INF, inv;
        td_acc sum = 0;
        for (k = 0; k < a->n; k++) {
            td_real v = x[(size_t)k * st];
            if (v > m || isnan(v)) m = v;
        }
        for (k0 = 0; k0 < a->n; k0 += TD_SUM_BLOCK) {
            int32_t k1 = a->n - k0 < TD_SUM_BLOCK ? a->n : k0 + TD_SUM_BLOCK;
            td_acc part = 0;
            for (k = k0; k < k1; k++) {
                td_real e = td_exp(x[(size_t)k * st] - m);
                y[(size_t)k * st] = (float)e;
                part += e;
            }
            sum += part;
        }
        inv = TD_R(1.0) / (td_real)sum;
        for (k = 0; k < a->n; k++) y[(size_t)k * st] = (float)(y[(size_t)k * st] * inv);
    }
}

void td_softmax_grad(const td_softmax_grad_args *a) {
    int32_t lo, hi, line, k, k0;
    td_split(a->outer * a->inner, &lo, &hi);
    for (line = lo; line < hi; line++) {
        size_t base = (size_t)(line / a->inner) * a->n * a->inner + (size_t)(line % a->inner);
        size_t st = (size_t)a->inner;
        td_acc dot = 0;
        for (k0 = 0; k0 < a->n; k0 += TD_SUM_BLOCK) {
            int32_t k1 = a->n - k0 < TD_SUM_BLOCK ? a->n : k0 + TD_SUM_BLOCK;
            td_acc part = 0;
            for (k = k0; k < k1; k++) {
                size_t i = base + (size_t)k * st;
                part += (td_acc)a->dy[i] * a->y[i];
            }
            dot += part;
        }
        for (k = 0; k < a->n; k++) {
            size_t i = base + (size_t)k * st;
            a->dx[i] = (float)(a->y[i] * ((td_acc)a->dy[i] - dot));
        }
    }
}
