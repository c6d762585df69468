/*
 * Layer normalization over the last n elements of each row, and its gradient:
 * x^ = (x - mean) / sigma, y = x^ * gamma + beta;
 * dx = (g - mean(g) - x^ * mean(g * x^)) / sigma with g = dy * gamma, dgamma = sum_rows dy * x^,
 * dbeta = sum_rows dy. The gradient runs in two phases: rows (dx, and each row's statistics into
 * scratch), then columns (dgamma, dbeta), so no two cores add into the same element.
 */
#include <math.h>

#include "td_kernels.h"

static void td_row_stats(const float *x, int32_t n, double eps, td_acc *mean, td_acc *rstd) {
    td_acc m = 0, var = 0;
    int32_t k;
    for (k = 0; k < n; k++) m += x[k];
    m /= n;
    for (k = 0; k < n; k++) {
        td_acc d = x[k] - m;
        var += d * d;
    }
    var /= n;
    *mean = m;
    *rstd = (td_acc)(1 / sqrt((double)var + eps));
}

void td_layernorm(const td_layernorm_args *a) {
    int32_t lo, hi, r, k;
    td_split(a->rows, &lo, &hi);
    for (r = lo; r < hi; r++) {
        const float *x = a->x + (size_t)r * a->n;
        float *y = a->y + (size_t)r * a->n;
        td_acc mean, rstd;
        td_row_stats(x, a->n, a->eps, &mean, &rstd);
        for (k = 0; k < a->n; k++) {
            td_acc xh = (x[k] - mean) * rstd;
            y[k] = (float)(xh * a->gamma[k] + (a->beta != NULL ? a->beta[k] : 0));
        }
    }
}

void td_layernorm_grad(const td_layernorm_grad_args *a) {
    int32_t lo, hi, r, k;
    td_split(a->rows, &lo, &hi);
    for (r = lo; r < hi; r++) {
        const float *x = a->x + (size_t)r * a->n;
        const float *dy = a->dy + (size_t)r * a->n;
        float *dx = a->dx + (size_t)r * a->n;
        td_acc mean, rstd, mg = 0, mgx = 0;
        td_row_stats(x, a->n, a->eps, &mean, &rstd);
        a->stats[2 * r] = mean;
        a->stats[2 * r + 1] = rstd;
        for (k = 0; k < a->n; k++) {
            td_acc xh = (x[k] - mean) * rstd;
            td_acc gk = (td_acc)dy[k] * a->gamma[k];
            mg += gk;
            mgx += gk * xh;
        }
        mg /= a->n;
        mgx /= a->n;
        for (k = 0; k < a->n; k++) {
            td_acc xh = (x[k] - mean) * rstd;
            dx[k] = (float)(((td_acc)dy[k] * a->gamma[k] - mg - xh * mgx) * rstd);
        }
    }
    td_barrier();
    td_split(a->n, &lo, &hi);
    for (k = lo; k < hi; k++) {
        td_acc dg = 0, db = 0;
        for (r = 0; r < a->rows; r++) {
            td_acc xh = (a->x[(size_t)r * a->n + k] - a->stats[2 * r]) * a->stats[2 * r + 1];
            td_acc d = a->dy[(size_t)r * a->n + k];
            dg += d * xh;
            db += d;
        }
        if (a->accumulate) {
            a->dgamma[k] += (float)dg;
            a->dbeta[k] += (float)db;
        } else {
            a->dgamma[k] = (float)dg;
            a->dbeta[k] = (float)db;
        }
    }
}
