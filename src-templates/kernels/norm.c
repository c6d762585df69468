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

/*
 * Batch normalization over the channel axis of x [n, c, inner], one channel per core at a time.
 * Training mode normalizes with the channel's mean and biased variance over n and inner (m = n * inner
 * elements); its gradient is dx = gamma / sigma * (dy - dbeta / m - x^ * dgamma / m).
 */
static void td_channel_stats(const float *x, int32_t n, int32_t c, int32_t inner, int32_t ch, td_acc *mean, td_acc *var) {
    td_acc s = 0, v = 0, m = (td_acc)n * inner;
    int32_t b, i;
    for (b = 0; b < n; b++) {
        const float *p = x + ((size_t)b * c + ch) * inner;
        for (i = 0; i < inner; i++) s += p[i];
    }
    s /= m;
    for (b = 0; b < n; b++) {
        const float *p = x + ((size_t)b * c + ch) * inner;
        for (i = 0; i < inner; i++) {
            td_acc d = p[i] - s;
            v += d * d;
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
        rstd = (td_acc)(1 / sqrt((double)var + a->eps));
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
        rstd = (td_acc)(1 / sqrt((double)var + a->eps));
        for (b = 0; b < a->n; b++) {
            size_t base = ((size_t)b * a->c + ch) * a->inner;
            for (i = 0; i < a->inner; i++) {
                td_acc d = a->dy[base + i];
                dg += d * ((a->x[base + i] - mean) * rstd);
                db += d;
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
