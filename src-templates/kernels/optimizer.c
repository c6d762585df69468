/*
 * PyTorch's SGD and Adam for one tensor, elementwise (PyTorch rounds its float state after each
 * update, so momentum and moments are rounded to float exactly where torch stores them).
 * SGD: d = g + wd*p; with momentum v' = mu*v + d, d = v' (or d + mu*v' with Nesterov); p' = p - lr*d.
 * Adam: g += wd*p; m' = b1*m + (1-b1)*g; v' = b2*v + (1-b2)*g^2;
 *       p' = p - lr/(1-b1^t) * m' / (sqrt(v')/sqrt(1-b2^t) + eps).
 * Arithmetic in td_real (td_math.h).
 */
#include <math.h>
#include <string.h>

#include "td_kernels.h"
#include "td_math.h"

#if defined(TD_HOST) && defined(__GNUC__) && (defined(__clang__) || __GNUC__ >= 9)
/* Four lanes of td_real (GCC/Clang vector extensions): each lane does the scalar loop's operations
   in the same order and types, so the bits are the same. */
#define TD_SGD_VEC 1
typedef float td_v4f __attribute__((vector_size(16)));
typedef td_real td_v4r __attribute__((vector_size(4 * sizeof(td_real))));
#endif

/* The pointers in locals (under -fno-strict-aliasing a store through p_out could change *a as far as
   the compiler knows) and one loop per case, so the loops have no loads of *a and no branches; on
   the host plain SGD (the common case) four elements at a time. */
void td_sgd(const td_sgd_args *a) {
    const td_real lr = a->lr, mu = a->momentum, wd = a->weight_decay;
    const float *ps = a->p, *gs = a->g, *vs = a->v;
    float *p_out = a->p_out, *v_out = a->v_out;
    int32_t lo, hi, i;
    td_split(a->n, &lo, &hi);
    if (v_out == NULL) {
#ifdef TD_SGD_VEC
        const td_v4r vlr = {lr, lr, lr, lr}, vwd = {wd, wd, wd, wd};
        for (i = lo; i + 4 <= hi; i += 4) {
            td_v4f pf, gf, r;
            td_v4r pr, d;
            memcpy(&pf, ps + i, sizeof pf);
            memcpy(&gf, gs + i, sizeof gf);
            pr = __builtin_convertvector(pf, td_v4r);
            d = __builtin_convertvector(__builtin_convertvector(__builtin_convertvector(gf, td_v4r) + vwd * pr, td_v4f), td_v4r);
            r = __builtin_convertvector(pr - vlr * d, td_v4f);
            memcpy(p_out + i, &r, sizeof r);
        }
#else
        i = lo;
#endif
        for (; i < hi; i++) {
            td_real p = ps[i];
            td_real d = (float)(gs[i] + wd * p);
            p_out[i] = (float)(p - lr * d);
        }
    } else if (a->nesterov) {
        for (i = lo; i < hi; i++) {
            td_real p = ps[i];
            td_real d = (float)(gs[i] + wd * p);
            td_real v = (float)(mu * vs[i] + d);
            v_out[i] = (float)v;
            p_out[i] = (float)(p - lr * (d + mu * v));
        }
    } else {
        for (i = lo; i < hi; i++) {
            td_real p = ps[i];
            td_real d = (float)(gs[i] + wd * p);
            td_real v = (float)(mu * vs[i] + d);
            v_out[i] = (float)v;
            p_out[i] = (float)(p - lr * v);
        }
    }
}

void td_adam(const td_adam_args *a) {
    const td_real b1 = a->beta1, b2 = a->beta2, eps = a->eps, wd = a->weight_decay;
    const td_real c1 = TD_R(1.0) - b1, c2 = TD_R(1.0) - b2;
    td_real t = a->step[0];
    td_real bc1 = TD_R(1.0) - td_pow(b1, t);
    td_real bc2 = td_sqrt(TD_R(1.0) - td_pow(b2, t));
    td_real step = a->lr / bc1;
    int32_t lo, hi, i;
    td_split(a->n, &lo, &hi);
    for (i = lo; i < hi; i++) {
        td_real p = a->p[i];
        td_real g = a->g[i] + wd * p;
        td_real m = (float)(b1 * a->m[i] + c1 * g);
        td_real v = (float)(b2 * a->v[i] + c2 * g * g);
        a->m_out[i] = (float)m;
        a->v_out[i] = (float)v;
        a->p_out[i] = (float)(p - step * m / (td_sqrt(v) / bc2 + eps));
    }
}
