/*
 * Max and average pooling over planes of [h, w], and their gradients. The gradients split work
 * by plane: windows overlap within a plane, never across planes, so no two cores write the same
 * dX element.
 */
#include <math.h>
#include <string.h>

#include "td_kernels.h"
#include "td_math.h"

/* Flat index (within the plane) of the first maximum of output (oy, ox)'s window, or -1. NaN wins. */
static int32_t td_argmax(const td_pool_geom *g, const float *x, int32_t oy, int32_t ox) {
    int32_t best = -1;
    float m = 0.0f;
    int32_t i, j;
    for (i = 0; i < g->kh; i++) {
        int32_t hy = oy * g->sh - g->pt + i * g->dh;
        if (hy < 0 || hy >= g->h) continue;
        for (j = 0; j < g->kw; j++) {
            int32_t wx = ox * g->sw - g->pl + j * g->dw;
            float v;
            if (wx < 0 || wx >= g->w) continue;
            v = x[hy * g->w + wx];
            if (best < 0 || v > m || isnan(v)) {
                best = hy * g->w + wx;
                m = v;
            }
        }
    }
    return best;
}

/* The window taps of output row oy (or column) that fall inside [0, n): first tap i0, end i1. */
static void td_taps(int32_t o, int32_t stride, int32_t pad, int32_t dil, int32_t k, int32_t n, int32_t *i0, int32_t *i1) {
    int32_t base = o * stride - pad, lo = 0, hi = k;
    while (lo < k && base + lo * dil < 0) lo++;
    while (hi > lo && base + (hi - 1) * dil >= n) hi--;
    *i0 = lo, *i1 = hi;
}

#ifdef TD_HOST
/* Outputs of one row that the host's td_maxpool computes together. */
#define TD_MAXPOOL_RUN 64

/* The first maximum of each window (NaN wins, as td_argmax), walking only the taps inside the input.
   Host build: the geometry in locals (stores to out cannot change them), and a run of outputs whose
   windows have every column inside the input is computed tap by tap across the run, so the
   compare-and-take has no dependence from one output to the next (each output still sees its taps
   in the same order, first tap first: the same result). */
void td_maxpool(const td_pool_args *a) {
    const td_pool_geom g = a->g;
    const float *in = a->in;
    float *out = a->out;
    const int32_t plane_out = g.oh * g.ow;
    int32_t lo, hi, e;
    td_split(g.planes * plane_out, &lo, &hi);
    for (e = lo; e < hi;) {
        int32_t ox = e % g.ow;
        int32_t oy = (e / g.ow) % g.oh;
        int32_t plane = e / plane_out;
        const float *x = in + (size_t)plane * g.h * g.w;
        int32_t i0, i1, end = e + (g.ow - ox) < hi ? e + (g.ow - ox) : hi;
        td_taps(oy, g.sh, g.pt, g.dh, g.kh, g.h, &i0, &i1);
        while (e < end) {
            int32_t j0, j1, i, j, k;
            const float *r = x + (oy * g.sh - g.pt) * g.w + ox * g.sw - g.pl;
            td_taps(ox, g.sw, g.pl, g.dw, g.kw, g.w, &j0, &j1);
            if (i0 < i1 && j0 == 0 && j1 == g.kw) {
                float m[TD_MAXPOOL_RUN], s[TD_MAXPOOL_RUN];
                int32_t n = 1;
                while (n < TD_MAXPOOL_RUN && e + n < end && (ox + n) * g.sw - g.pl + (g.kw - 1) * g.dw < g.w) n++;
                for (k = 0; k < n; k++) m[k] = s[k] = r[i0 * g.dh * g.w + k * g.sw];
                for (i = i0; i < i1; i++) {
                    for (j = 0; j < g.kw; j++) {
                        const float *q = r + i * g.dh * g.w + j * g.dw;
                        if (i == i0 && j == 0) continue;
                        /* the first maximum without NaN (a max instruction); the sum turns NaN if a tap is NaN */
                        for (k = 0; k < n; k++) {
                            float v = q[k * g.sw];
                            m[k] = v > m[k] ? v : m[k];
                            s[k] += v;
                        }
                    }
                }
                for (k = 0; k < n; k++) {
                    if (s[k] != s[k]) { /* a NaN tap (or inf - inf): the exact scan, where NaN wins */
                        const float *w0 = r + k * g.sw;
                        float mk = w0[i0 * g.dh * g.w];
                        for (i = i0; i < i1; i++) {
                            for (j = 0; j < g.kw; j++) {
                                float v = w0[i * g.dh * g.w + j * g.dw];
                                if (v > mk || v != v) mk = v;
                            }
                        }
                        m[k] = mk;
                    }
                }
                memcpy(out + e, m, sizeof(float) * (size_t)n);
                e += n, ox += n;
            } else {
                float m = -HUGE_VALF;
                if (i0 < i1 && j0 < j1) {
                    m = r[i0 * g.dh * g.w + j0 * g.dw];
                    for (i = i0; i < i1; i++) {
                        const float *row = r + i * g.dh * g.w;
                        for (j = j0; j < j1; j++) {
                            float v = row[j * g.dw];
                            if (v > m || v != v) m = v;
                        }
                    }
                }
                out[e] = m;
                e++, ox++;
            }
        }
    }
}
#else
/* The first maximum of each window (NaN wins, as td_argmax), walking only the taps inside the input. */
void td_maxpool(const td_pool_args *a) {
    const td_pool_geom *g = &a->g;
    int32_t lo, hi, e;
    td_split(g->planes * g->oh * g->ow, &lo, &hi);
    for (e = lo; e < hi;) {
        int32_t ox = e % g->ow;
        int32_t oy = (e / g->ow) % g->oh;
        int32_t plane = e / (g->ow * g->oh);
        const float *x = a->in + (size_t)plane * g->h * g->w;
        int32_t i0, i1, end = e + (g->ow - ox) < hi ? e + (g->ow - ox) : hi;
        td_taps(oy, g->sh, g->pt, g->dh, g->kh, g->h, &i0, &i1);
        for (; e < end; e++, ox++) {
            int32_t j0, j1, i, j, found = 0;
            float m = -HUGE_VALF;
            td_taps(ox, g->sw, g->pl, g->dw, g->kw, g->w, &j0, &j1);
            for (i = i0; i < i1; i++) {
                const int32_t r0 = (oy * g->sh - g->pt + i * g->dh) * g->w + ox * g->sw - g->pl;
                for (j = j0; j < j1; j++) {
                    float v = x[r0 + j * g->dw];
                    if (!found || v > m || v != v) m = v, found = 1;
                }
            }
            a->out[e] = m;
        }
    }
}
#endif /* TD_HOST */

void td_maxpool_grad(const td_pool_args *a) {
    const td_pool_geom *g = &a->g;
    int32_t lo, hi, plane;
    td_split(g->planes, &lo, &hi);
    for (plane = lo; plane < hi; plane++) {
        const float *x = a->x + (size_t)plane * g->h * g->w;
        const float *dy = a->in + (size_t)plane * g->oh * g->ow;
        float *dx = a->out + (size_t)plane * g->h * g->w;
        int32_t oy, ox;
        memset(dx, 0, sizeof(float) * (size_t)g->h * (size_t)g->w);
        for (oy = 0; oy < g->oh; oy++) {
            for (ox = 0; ox < g->ow; ox++) {
                int32_t k = td_argmax(g, x, oy, ox);
                if (k >= 0) dx[k] += dy[oy * g->ow + ox];
            }
        }
    }
}

/* Output (oy, ox)'s window clipped to the input, [h0,h1) x [w0,w1), and its divisor (PyTorch's rule). */
static int32_t td_avg_window(const td_pool_geom *g, int32_t oy, int32_t ox, int32_t *h0, int32_t *h1, int32_t *w0, int32_t *w1) {
    int32_t padded, div;
    *h0 = oy * g->sh - g->pt;
    *w0 = ox * g->sw - g->pl;
    *h1 = *h0 + g->kh < g->h + g->pb ? *h0 + g->kh : g->h + g->pb;
    *w1 = *w0 + g->kw < g->w + g->pr ? *w0 + g->kw : g->w + g->pr;
    padded = (*h1 - *h0) * (*w1 - *w0);
    if (*h0 < 0) *h0 = 0;
    if (*w0 < 0) *w0 = 0;
    if (*h1 > g->h) *h1 = g->h;
    if (*w1 > g->w) *w1 = g->w;
    div = g->count_include_pad ? padded : (*h1 - *h0) * (*w1 - *w0);
    return div < 1 ? 1 : div;
}

void td_avgpool(const td_pool_args *a) {
    const td_pool_geom *g = &a->g;
    int32_t lo, hi, e;
    td_split(g->planes * g->oh * g->ow, &lo, &hi);
    for (e = lo; e < hi; e++) {
        int32_t ox = e % g->ow;
        int32_t oy = (e / g->ow) % g->oh;
        int32_t plane = e / (g->ow * g->oh);
        const float *x = a->in + (size_t)plane * g->h * g->w;
        int32_t h0, h1, w0, w1, i, j;
        int32_t div = td_avg_window(g, oy, ox, &h0, &h1, &w0, &w1);
        td_acc s = 0;
        for (i = h0; i < h1; i++) {
            for (j = w0; j < w1; j++) s += x[i * g->w + j];
        }
        a->out[e] = (float)((td_real)s / (td_real)div);
    }
}

void td_avgpool_grad(const td_pool_args *a) {
    const td_pool_geom *g = &a->g;
    int32_t lo, hi, plane;
    td_split(g->planes, &lo, &hi);
    for (plane = lo; plane < hi; plane++) {
        const float *dy = a->in + (size_t)plane * g->oh * g->ow;
        float *dx = a->out + (size_t)plane * g->h * g->w;
        int32_t oy, ox;
        memset(dx, 0, sizeof(float) * (size_t)g->h * (size_t)g->w);
        for (oy = 0; oy < g->oh; oy++) {
            for (ox = 0; ox < g->ow; ox++) {
                int32_t h0, h1, w0, w1, i, j;
                int32_t div = td_avg_window(g, oy, ox, &h0, &h1, &w0, &w1);
                td_real v = (td_real)dy[oy * g->ow + ox] / (td_real)div;
                for (i = h0; i < h1; i++) {
                    for (j = w0; j < w1; j++) dx[i * g->w + j] = (float)(dx[i * g->w + j] + v);
                }
            }
        }
    }
}
