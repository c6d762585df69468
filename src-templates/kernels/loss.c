/*
 * Losses against integer labels, mean over the batch: cross-entropy of logits (computed stably
 * with the row maximum) and mean squared error against one-hot vectors, with their gradients
 * scaled by dl. The batch is small: core 0 does the work.
 */
#include <math.h>

#include "td_kernels.h"

/* The label of sample r, or -1 (and an error reported) when it is not a class index. */
static int32_t td_label(const td_loss_args *a, int32_t r) {
    int64_t y = a->labels64 != NULL ? a->labels64[r] : (int64_t)a->labels32[r];
    if (y < 0 || y >= a->c) {
        td_report_error(TD_ERROR_LABEL_RANGE);
        return -1;
    }
    return (int32_t)y;
}

static double td_row_max(const float *z, int32_t c) {
    double m = -HUGE_VAL;
    int32_t k;
    for (k = 0; k < c; k++) {
        if (z[k] > m || isnan(z[k])) m = z[k];
    }
    return m;
}

/* log(sum_k exp(z[k])) of a row, computed stably around its maximum m (returned too). */
static double td_row_logsumexp(const float *z, int32_t c, double *m) {
    double s = 0;
    int32_t k;
    *m = td_row_max(z, c);
    for (k = 0; k < c; k++) s += exp(z[k] - *m);
    return *m + log(s);
}

void td_cross_entropy(const td_loss_args *a) {
    double loss = 0, m;
    int32_t r;
    if (td_core_id() != 0) return;
    for (r = 0; r < a->n; r++) {
        const float *z = a->z + (size_t)r * a->c;
        int32_t y = td_label(a, r);
        loss += td_row_logsumexp(z, a->c, &m) - (y < 0 ? 0.0 : (double)z[y]);
    }
    a->out[0] = (float)(loss / a->n);
}

void td_cross_entropy_grad(const td_loss_args *a) {
    double dl = a->dl[0], m;
    int32_t r, k;
    if (td_core_id() != 0) return;
    for (r = 0; r < a->n; r++) {
        const float *z = a->z + (size_t)r * a->c;
        double s = exp(td_row_logsumexp(z, a->c, &m) - m);
        int32_t y = td_label(a, r);
        for (k = 0; k < a->c; k++) {
            double p = exp(z[k] - m) / s;
            a->out[(size_t)r * a->c + k] = (float)(dl * (p - (k == y ? 1 : 0)) / a->n);
        }
    }
}

void td_mse(const td_loss_args *a) {
    double s = 0;
    int32_t r, k;
    if (td_core_id() != 0) return;
    for (r = 0; r < a->n; r++) {
        int32_t y = a->target != NULL ? -1 : td_label(a, r);
        for (k = 0; k < a->c; k++) {
            size_t i = (size_t)r * a->c + k;
            double d = (double)a->z[i] - (a->target != NULL ? (double)a->target[i] : (k == y ? 1 : 0));
            s += d * d;
        }
    }
    a->out[0] = (float)(s / ((double)a->n * a->c));
}

void td_mse_grad(const td_loss_args *a) {
    double dl = a->dl[0];
    double len = (double)a->n * a->c;
    int32_t r, k;
    if (td_core_id() != 0) return;
    for (r = 0; r < a->n; r++) {
        int32_t y = a->target != NULL ? -1 : td_label(a, r);
        for (k = 0; k < a->c; k++) {
            size_t i = (size_t)r * a->c + k;
            double d = (double)a->z[i] - (a->target != NULL ? (double)a->target[i] : (k == y ? 1 : 0));
            a->out[i] = (float)(dl * 2 * d / len);
        }
    }
}
