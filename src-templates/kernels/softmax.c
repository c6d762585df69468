/* Softmax along the middle axis of [outer, n, inner] (one line per core unit), and its gradient. */
#include <math.h>

#include "td_kernels.h"

void td_softmax(const td_softmax_args *a) {
    int32_t lo, hi, line, k;
    td_split(a->outer * a->inner, &lo, &hi);
    for (line = lo; line < hi; line++) {
        size_t base = (size_t)(line / a->inner) * a->n * a->inner + (size_t)(line % a->inner);
        double m = -HUGE_VAL, sum = 0;
        for (k = 0; k < a->n; k++) {
            double v = a->x[base + (size_t)k * a->inner];
            if (v > m || isnan(v)) m = v;
        }
        for (k = 0; k < a->n; k++) sum += exp(a->x[base + (size_t)k * a->inner] - m);
        for (k = 0; k < a->n; k++) {
            size_t i = base + (size_t)k * a->inner;
            a->y[i] = (float)(exp(a->x[i] - m) / sum);
        }
    }
}

void td_softmax_grad(const td_softmax_grad_args *a) {
    int32_t lo, hi, line, k;
    td_split(a->outer * a->inner, &lo, &hi);
    for (line = lo; line < hi; line++) {
        size_t base = (size_t)(line / a->inner) * a->n * a->inner + (size_t)(line % a->inner);
        td_acc dot = 0;
        for (k = 0; k < a->n; k++) {
            size_t i = base + (size_t)k * a->inner;
            dot += (td_acc)a->dy[i] * a->y[i];
        }
        for (k = 0; k < a->n; k++) {
            size_t i = base + (size_t)k * a->inner;
            a->dx[i] = (float)(a->y[i] * ((td_acc)a->dy[i] - dot));
        }
    }
}
