/*
 * Layer normalization over the last n elements of each row, and its gradient:
 * x^ = (x - mean) / sigma, y = x^ * gamma + beta;
 * dx = (g - mean(g) - x^ * mean(g * x^)) / sigma with g = dy * gamma, dgamma = sum_rows dy * x^,
 * dbeta = sum_rows dy. The gradient runs in two phases: rows (dx, and each row's statistics into
 * scratch), then columns (dgamma, dbeta), so no two cores add into the same element.
 * Sums are blocked (TD_SUM_BLOCK) so that they stay accurate in a float td_acc.
 */
#include <math.h>

#include "td_kernels.h"
#include "td_math.h"

static void td_row_stats(const float *x, int32_t n, td_real eps, td_acc *mean, td_acc *rstd) {
    td_acc m = 0, var = 0;
    int32_t k, k0;
    for (k0 = 0; k0 < n; k0 += TD_SUM_BLOCK) {
        int32_t k1 = n - k0 < TD_SUM_BLOCK ? n : k0 + TD_SUM_BLOCK;
        td_acc part = 0;
        for (k = k0; k < k1; k++) part += x[k];
        m += part;
    }
    m /= (td_acc)n;
    for (k0 = 0; k0 < n; k0 += TD_SUM_BLOCK) {
        int32_t k1 = n - k0 < TD_SUM_BLOCK ? n : k0 + TD_SUM_BLOCK;
        td_acc part = 0;
        for (k = k0; k < k1; k++) {
            td_acc d = x[k] - m;
            part += d * d;
        }
        var += part;
    }
    var /= (td_acc)n;
    *mean = m;
    *rstd = (td_acc)(TD_R(1.0) / td_sqrt((td_real)var + eps));
}

/* The arguments are copied into locals first: the build's -fno-strict-aliasing lets a store to y or dx
   change *a as far as the compiler knows, so it would reload them in every elementwise loop. */
void td_layernorm(const td_layernorm_args *a) {
    const float *gamma = a->gamma, *beta = a->beta;
    const int32_t n = a->n;
    const td_real eps = a->eps;
    int32_t lo, hi, r, k;
    td_split(a->rows, &lo, &hi);
    for (r = lo; r < hi; r++) {
        const float *x = a->x + (size_t)r * n;
        float *y = a->y + (size_t)r * n;
        td_acc mean, rstd;
        td_row_stats(x, n, eps, &mean, &rstd);
        if (beta != NULL) {
            for (k = 0; k < n; k++) y[k] = (float)((x[k] - mean) * rstd * gamma[k] + beta[k]);
        } else {
            for (k = 0; k < n; k++) y[k] = (float)((x[k] - mean) * rstd * gamma[k] + 0);
        }
    }
}

void td_layernorm_grad(const td_layernorm_grad_args *a) {
    const float *xs = a->x, *dys = a->dy, *gamma = a->gamma;
    float *dxs = a->dx, *dgamma = a->dgamma, *dbeta = a->dbeta;
    td_acc *stats = a->stats;
    const int32_t n = a->n, rows = a->rows;
    const td_real eps = a->eps;
    int32_t lo, hi, r, k, k0, r0;
    td_split(rows, &lo, &hi);
    for (r = lo; r < hi; r++) {
        const float *x = xs + (size_t)r * n;
        const float *dy = dys + (size_t)r * n;
        float *dx = dxs + (size_t)r * n;
        td_acc mean, rstd, mg = 0, mgx = 0;
        td_row_stats(x, n, eps, &mean, &rstd);
        stats[2 * r] = mean;
        stats[2 * r + 1] = rstd;
        for (k0 = 0; k0 < n; k0 += TD_SUM_BLOCK) {
            int32_t k1 = n - k0 < TD_SUM_BLOCK ? n : k0 + TD_SUM_BLOCK;
            td_acc pg = 0, pgx = 0;
            for (k = k0; k < k1; k++) {
                td_acc xh = (x[k] - mean) * rstd;
                td_acc gk = (td_acc)dy[k] * gamma[k];
                pg += gk;
                pgx += gk * xh;
            }
            mg += pg;
            mgx += pgx;
        }
        mg /= (td_acc)n;
        mgx /= (td_acc)n;
        for (k = 0; k < n; k++) {
            td_acc xh = (x[k] - mean) * rstd;
            dx[k] = (float)(((td_acc)dy[k] * gamma[k] - mg - xh * mgx) * rstd);
        }
    }
    td_barrier();
    td_split(n, &lo, &hi);
    for (k = lo; k < hi; k++) {
        td_acc dg = 0, db = 0;
        for (r0 = 0; r0 < rows; r0 += TD_SUM_BLOCK) {
            int32_t r1 = rows - r0 < TD_SUM_BLOCK ? rows : r0 + TD_SUM_BLOCK;
            td_acc pg = 0, pb = 0;
            for (r = r0; r < r1; r++) {
                td_acc xh = (xs[(size_t)r * n + k] - stats[2 * r]) * stats[2 * r + 1];
                td_acc d = dys[(size_t)r * n + k];
                pg += d * xh;
                pb += d;
            }
            dg += pg;
            db += pb;
        }
        if (a->accumulate) {
            dgamma[k] += (float)dg;
            dbeta[k] += (float)db;
        } else {
            dgamma[k] = (float)dg;
            dbeta[k] = (float)db;
        }
    }
}

/*
 * Batch normalization over the channel axis of x [n, c, inner], one channel per core at a time.
 * Training mode normalizes with the channel's mean and biased variance over n and inner (m = n * inner
 * elements); its gradient is dx = gamma / sigma * (dy - dbeta / m - x^ * dgamma / m).
 */
static void td_channel_stats(const float *x, int32_t n, int32_t c, int32_t inner, int32_t ch, td_acc *mean, td_acc *var) {
    td_acc s = 0, v = 0, m = (td_acc)n * inner;
    int32_t b, i, i0;
    for (b = 0; b < n; b++) {
        const float *p = x + ((size_t)b * c + ch) * inner;
        for (i0 = 0; i0 < inner; i0 += TD_SUM_BLOCK) {
            int32_t i1 = inner - i0 < TD_SUM_BLOCK ? inner : i0 + TD_SUM_BLOCK;
            td_acc part = 0;
            for (i = i0; i < i1; i++) part += p[i];
            s += part;
        }
    }
    s /= m;
    for (b = 0; b < n; b++) {
        const float *p = x + ((size_t)b * c + ch) * inner;
        for (i0 = 0; i0 < inner; i0 += TD_SUM_BLOCK) {
            int32_t i1 = inner - i0 < TD_SUM_BLOCK ? inner : i0 + TD_SUM_BLOCK;
            td_acc part = 0;
            for (i = i0; i < i1; i++) {
                td_acc d = p[i] - s;
                part += d * d;
            }
            v += part;
        }
    }
    *mean = s;
    *var = v / m;
}

void td_batchnorm(const td_batchnorm_args *a) {
    int32_t lo, hi, ch, b, i;
    td_split(a->c, &lo, &hi);
    for (ch = lo; ch < hi; ch++) {
        td_acc mean, var, rstd;
        if (a->training) {
            td_channel_stats(a->x, a->n, a->c, a->inner, ch, &mean, &var);
            if (a->run_mean_out != NULL) {
                td_acc m = (td_acc)a->n * a->inner;
                a->run_mean_out[ch] = (float)(a->momentum * a->mean[ch] + (1 - a->momentum) * mean);
                a->run_var_out[ch] = (float)(a->momentum * a->var[ch] + (1 - a->momentum) * var * (m > 1 ? m / (m - 1) : 1));
            }
        } else {
            mean = a->mean[ch];
            var = a->var[ch];
        }
        rstd = (td_acc)(TD_R(1.0) / td_sqrt((td_real)var + (td_real)a->eps));
        for (b = 0; b < a->n; b++) {
            size_t base = ((size_t)b * a->c + ch) * a->inner;
            for (i = 0; i < a->inner; i++) {
                td_acc xh = (a->x[base + i] - mean) * rstd;
                a->y[base + i] = (float)(xh * a->gamma[ch] + a->beta[ch]);
            }
        }
    }
}

void td_batchnorm_grad(const td_batchnorm_grad_args *a) {
    int32_t lo, hi, ch, b, i;
    td_split(a->c, &lo, &hi);
    for (ch = lo; ch < hi; ch++) {
        td_acc mean, var, rstd, dg = 0, db = 0, m = (td_acc)a->n * a->inner, k;
        if (a->training) {
            td_channel_stats(a->x, a->n, a->c, a->inner, ch, &mean, &var);
        } else {
            mean = a->mean[ch];
            var = a->var[ch];
        }
        rstd = (td_acc)(TD_R(1.0) / td_sqrt((td_real)var + (td_real)a->eps));
        for (b = 0; b < a->n; b++) {
            size_t base = ((size_t)b * a->c + ch) * a->inner;
            int32_t i0;
            for (i0 = 0; i0 < a->inner; i0 += TD_SUM_BLOCK) {
                int32_t i1 = a->inner - i0 < TD_SUM_BLOCK ? a->inner : i0 + TD_SUM_BLOCK;
                td_acc pg = 0, pb = 0;
                for (i = i0; i < i1; i++) {
                    td_acc d = a->dy[base + i];
                    pg += d * ((a->x[base + i] - mean) * rstd);
                    pb += d;
                }
                dg += pg;
                db += pb;
            }
        }
        k = a->gamma[ch] * rstd;
        for (b = 0; b < a->n; b++) {
            size_t base = ((size_t)b * a->c + ch) * a->inner;
            for (i = 0; i < a->inner; i++) {
                td_acc d = a->dy[base + i];
                if (a->training) {
                    td_acc xh = (a->x[base + i] - mean) * rstd;
                    a->dx[base + i] = (float)(k * (d - db / m - xh * dg / m));
                } else {
                    a->dx[base + i] = (float)(k * d);
                }
            }
        }
        a->dgamma[ch] = (float)dg;
        a->dbeta[ch] = (float)db;
    }
}
