/*
 * Losses against integer labels, mean over the batch: cross-entropy of logits (computed stably
 * with the row maximum) and mean squared error against one-hot vectors, with their gradients
 * scaled by dl. The batch is small: core 0 does the work. Arithmetic in td_real (td_math.h),
 * sums blocked (TD_SUM_BLOCK).
 */
#include <math.h>

#include "td_kernels.h"
#include "td_math.h"

/* The label of sample r, or -1 (and an error reported) when it is not a class index. */
static int32_t td_label(const td_loss_args *a, int32_t r) {
    int64_t y = a->labels64 != NULL ? a->labels64[r] : (int64_t)a->labels32[r];
    if (y < 0 || y >= a->c) {
        td_report_error(TD_ERROR_LABEL_RANGE);
        return -1;
    }
    return (int32_t)y;
}

static td_real td_row_max(const float *z, int32_t c) {
    td_real m = -TD_INF;
    int32_t k;
    for (k = 0; k < c; k++) {
        if (z[k] > m || isnan(z[k])) m = z[k];
    }
    return m;
}

/* sum_k exp(z[k] - m) of a row, with m its maximum (returned too). */
static td_real td_row_sumexp(const float *z, int32_t c, td_real *m) {
    td_acc s = 0;
    int32_t k, k0;
    *m = td_row_max(z, c);
    for (k0 = 0; k0 < c; k0 += TD_SUM_BLOCK) {
        int32_t k1 = c - k0 < TD_SUM_BLOCK ? c : k0 + TD_SUM_BLOCK;
        td_acc part = 0;
        for (k = k0; k < k1; k++) part += td_exp(z[k] - *m);
        s += part;
    }
    return (td_real)s;
}

void td_cross_entropy(const td_loss_args *a) {
    td_acc loss = 0;
    td_real m;
    int32_t r;
    if (td_core_id() != 0) return;
    for (r = 0; r < a->n; r++) {
        const float *z = a->z + (size_t)r * a->c;
        int32_t y = td_label(a, r);
        td_real s = td_row_sumexp(z, a->c, &m);
        loss += (m + td_log(s)) - (y < 0 ? TD_R(0.0) : (td_real)z[y]);
    }
    a->out[0] = (float)(loss / (td_acc)a->n);
}

void td_cross_entropy_grad(const td_loss_args *a) {
    td_real scale = a->dl[0] / (td_real)a->n, m;
    int32_t r, k;
    if (td_core_id() != 0) return;
    for (r = 0; r < a->n; r++) {
        const float *z = a->z + (size_t)r * a->c;
        td_real inv = TD_R(1.0) / td_row_sumexp(z, a->c, &m);
        int32_t y = td_label(a, r);
        for (k = 0; k < a->c; k++) {
            td_real p = td_exp(z[k] - m) * inv;
            a->out[(size_t)r * a->c + k] = (float)((p - (k == y ? 1 : 0)) * scale);
        }
    }
}

void td_mse(const td_loss_args *a) {
    td_acc s = 0;
    int32_t r, k;
    if (td_core_id() != 0) return;
    for (r = 0; r < a->n; r++) {
        int32_t y = a->target != NULL ? -1 : td_label(a, r);
        td_acc part = 0;
        for (k = 0; k < a->c; k++) {
            size_t i = (size_t)r * a->c + k;
            td_real d = (td_real)a->z[i] - (a->target != NULL ? (td_real)a->target[i] : (k == y ? 1 : 0));
            part += d * d;
        }
        s += part;
    }
    a->out[0] = (float)(s / ((td_acc)a->n * (td_acc)a->c));
}

void td_mse_grad(const td_loss_args *a) {
    td_real dl = a->dl[0];
    td_real len = (td_real)a->n * (td_real)a->c;
    int32_t r, k;
    if (td_core_id() != 0) return;
    for (r = 0; r < a->n; r++) {
        int32_t y = a->target != NULL ? -1 : td_label(a, r);
        for (k = 0; k < a->c; k++) {
            size_t i = (size_t)r * a->c + k;
            td_real d = (td_real)a->z[i] - (a->target != NULL ? (td_real)a->target[i] : (k == y ? 1 : 0));
            a->out[i] = (float)(dl * 2 * d / len);
        }
    }
}
