/*
 * PyTorch's SGD and Adam for one tensor, elementwise (PyTorch rounds its float state after each
 * update, so momentum and moments are rounded to float exactly where torch stores them).
 * SGD: d = g + wd*p; with momentum v' = mu*v + d, d = v' (or d + mu*v' with Nesterov); p' = p - lr*d.
 * Adam: g += wd*p; m' = b1*m + (1-b1)*g; v' = b2*v + (1-b2)*g^2;
 *       p' = p - lr/(1-b1^t) * m' / (sqrt(v')/sqrt(1-b2^t) + eps).
 */
#include <math.h>

#include "td_kernels.h"

void td_sgd(const td_sgd_args *a) {
    int32_t lo, hi, i;
    td_split(a->n, &lo, &hi);
    for (i = lo; i < hi; i++) {
        double p = a->p[i];
        double d = (float)(a->g[i] + a->weight_decay * p);
        if (a->v_out != NULL) {
            double v = (float)(a->momentum * a->v[i] + d);
            a->v_out[i] = (float)v;
            d = a->nesterov ? d + a->momentum * v : v;
        }
        a->p_out[i] = (float)(p - a->lr * d);
    }
}

void td_adam(const td_adam_args *a) {
    double t = a->step[0];
    double bc1 = 1 - pow(a->beta1, t);
    double bc2 = sqrt(1 - pow(a->beta2, t));
    double step = a->lr / bc1;
    int32_t lo, hi, i;
    td_split(a->n, &lo, &hi);
    for (i = lo; i < hi; i++) {
        double p = a->p[i];
        double g = a->g[i] + a->weight_decay * p;
        double m = (float)(a->beta1 * a->m[i] + (1 - a->beta1) * g);
        double v = (float)(a->beta2 * a->v[i] + (1 - a->beta2) * g * g);
        a->m_out[i] = (float)m;
        a->v_out[i] = (float)v;
        a->p_out[i] = (float)(p - step * m / (sqrt(v) / bc2 + a->eps));
    }
}
