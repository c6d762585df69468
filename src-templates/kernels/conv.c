/*
 * 2-D convolution (cross-correlation with groups), forward and both gradients.
 * td_conv_im2col (group 1): per image, the cores first unfold the input into col
 * [c*kh*kw, oh*ow] (zeros where the window hangs over the padding), then multiply W [m, c*kh*kw]
 * by it in 1x4 register blocks. td_conv_direct (any group, e.g. depthwise) walks the taps of
 * each output element. The reduction order is (input channel, kernel row, kernel column), the
 * reference's order; sums are blocked (by TD_SUM_BLOCK rows of the GEMM, by input channel, output
 * channel or output row in the direct forms) so that they stay accurate in a float td_acc.
 */
#include "td_kernels.h"
#include "td_math.h"

#define TD_NB 4

static void td_im2col(const td_conv_args *a, int32_t b) {
    const td_conv_geom *g = &a->g;
    int32_t rows = g->cg * g->kh * g->kw;
    int32_t plane = g->oh * g->ow;
    int32_t lo, hi, r;
    td_split(rows, &lo, &hi);
    for (r = lo; r < hi; r++) {
        int32_t ic = r / (g->kh * g->kw);
        int32_t i = (r / g->kw) % g->kh;
        int32_t j = r % g->kw;
        const float *x = a->x + ((size_t)b * g->c + ic) * g->h * g->w;
        float *col = a->col + (size_t)r * plane;
        int32_t oy, ox;
        for (oy = 0; oy < g->oh; oy++) {
            int32_t hy = oy * g->sh - g->pt + i * g->dh;
            for (ox = 0; ox < g->ow; ox++) {
                int32_t wx = ox * g->sw - g->pl + j * g->dw;
                col[oy * g->ow + ox] = hy >= 0 && hy < g->h && wx >= 0 && wx < g->w ? x[hy * g->w + wx] : 0.0f;
            }
        }
    }
}

void td_conv_im2col(const td_conv_args *a) {
    const td_conv_geom *g = &a->g;
    int32_t rows = g->cg * g->kh * g->kw;
    int32_t plane = g->oh * g->ow;
    int32_t blocks = (plane + TD_NB - 1) / TD_NB;
    int32_t b;
    for (b = 0; b < g->n; b++) {
        int32_t lo, hi, u;
        if (b > 0) td_barrier(); /* everyone is done reading col of the previous image */
        td_im2col(a, b);
        td_barrier();
        td_split(g->m * blocks, &lo, &hi);
        for (u = lo; u < hi; u++) {
            int32_t oc = u / blocks;
            int32_t p0 = (u % blocks) * TD_NB;
            int32_t cnt = plane - p0 < TD_NB ? plane - p0 : TD_NB;
            const float *w = a->w + (size_t)oc * rows;
            float *y = a->y + ((size_t)b * g->m + oc) * plane + p0;
            td_acc acc[TD_NB] = {0, 0, 0, 0};
            td_real bias = a->b != NULL ? (td_real)a->b[oc] : 0;
            int32_t r, r0, q;
            for (r0 = 0; r0 < rows; r0 += TD_SUM_BLOCK) {
                int32_t r1 = rows - r0 < TD_SUM_BLOCK ? rows : r0 + TD_SUM_BLOCK;
                td_acc p[TD_NB] = {0, 0, 0, 0};
                if (cnt == TD_NB) {
                    for (r = r0; r < r1; r++) {
                        const float *col = a->col + (size_t)r * plane + p0;
                        td_acc wv = w[r];
                        p[0] += wv * col[0];
                        p[1] += wv * col[1];
                        p[2] += wv * col[2];
                        p[3] += wv * col[3];
                    }
                } else {
                    for (r = r0; r < r1; r++) {
                        for (q = 0; q < cnt; q++) p[q] += (td_acc)w[r] * a->col[(size_t)r * plane + p0 + q];
                    }
                }
                for (q = 0; q < TD_NB; q++) acc[q] += p[q];
            }
            for (q = 0; q < cnt; q++) y[q] = (float)((td_real)acc[q] + bias);
        }
    }
}

void td_conv_direct(const td_conv_args *a) {
    const td_conv_geom *g = &a->g;
    int32_t mg = g->m / g->group;
    int32_t total = g->n * g->m * g->oh * g->ow;
    int32_t lo, hi, e;
    td_split(total, &lo, &hi);
    for (e = lo; e < hi; e++) {
        int32_t ox = e % g->ow;
        int32_t oy = (e / g->ow) % g->oh;
        int32_t oc = (e / (g->ow * g->oh)) % g->m;
        int32_t b = e / (g->ow * g->oh * g->m);
        int32_t grp = oc / mg;
        td_acc acc = 0;
        int32_t ic, i, j;
        for (ic = 0; ic < g->cg; ic++) {
            const float *x = a->x + ((size_t)b * g->c + grp * g->cg + ic) * g->h * g->w;
            const float *w = a->w + ((size_t)oc * g->cg + ic) * g->kh * g->kw;
            td_acc part = 0;
            for (i = 0; i < g->kh; i++) {
                int32_t hy = oy * g->sh - g->pt + i * g->dh;
                if (hy < 0 || hy >= g->h) continue;
                for (j = 0; j < g->kw; j++) {
                    int32_t wx = ox * g->sw - g->pl + j * g->dw;
                    if (wx < 0 || wx >= g->w) continue;
                    part += (td_acc)x[hy * g->w + wx] * w[i * g->kw + j];
                }
            }
            acc += part;
        }
        a->y[e] = (float)((td_real)acc + (a->b != NULL ? (td_real)a->b[oc] : 0));
    }
}

void td_conv_grad_input(const td_conv_grad_input_args *a) {
    const td_conv_geom *g = &a->g;
    int32_t mg = g->m / g->group;
    int32_t total = g->n * g->c * g->h * g->w;
    int32_t lo, hi, e;
    td_split(total, &lo, &hi);
    /* Each dX element gathers the taps that read it: oy * sh = hy + pt - i * dh. */
    for (e = lo; e < hi; e++) {
        int32_t wx = e % g->w;
        int32_t hy = (e / g->w) % g->h;
        int32_t cc = (e / (g->w * g->h)) % g->c;
        int32_t b = e / (g->w * g->h * g->c);
        int32_t grp = cc / g->cg;
        int32_t ic = cc % g->cg;
        td_acc acc = 0;
        int32_t oc, i, j;
        for (oc = grp * mg; oc < (grp + 1) * mg; oc++) {
            const float *dy = a->dy + ((size_t)b * g->m + oc) * g->oh * g->ow;
            const float *w = a->w + ((size_t)oc * g->cg + ic) * g->kh * g->kw;
            td_acc part = 0;
            for (i = 0; i < g->kh; i++) {
                int32_t ty = hy + g->pt - i * g->dh;
                int32_t oy;
                if (ty < 0 || ty % g->sh != 0) continue;
                oy = ty / g->sh;
                if (oy >= g->oh) continue;
                for (j = 0; j < g->kw; j++) {
                    int32_t tx = wx + g->pl - j * g->dw;
                    int32_t ox;
                    if (tx < 0 || tx % g->sw != 0) continue;
                    ox = tx / g->sw;
                    if (ox >= g->ow) continue;
                    part += (td_acc)dy[oy * g->ow + ox] * w[i * g->kw + j];
                }
            }
            acc += part;
        }
        a->dx[e] = (float)(acc + (a->accumulate ? (td_acc)a->dx[e] : 0));
    }
}

void td_conv_grad_weight(const td_conv_grad_weight_args *a) {
    const td_conv_geom *g = &a->g;
    int32_t mg = g->m / g->group;
    int32_t total = g->m * g->cg * g->kh * g->kw;
    int32_t lo, hi, e;
    td_split(total, &lo, &hi);
    for (e = lo; e < hi; e++) {
        int32_t j = e % g->kw;
        int32_t i = (e / g->kw) % g->kh;
        int32_t ic = (e / (g->kw * g->kh)) % g->cg;
        int32_t oc = e / (g->kw * g->kh * g->cg);
        int32_t cc = (oc / mg) * g->cg + ic;
        td_acc acc = 0;
        int32_t b, oy, ox;
        for (b = 0; b < g->n; b++) {
            const float *dy = a->dy + ((size_t)b * g->m + oc) * g->oh * g->ow;
            const float *x = a->x + ((size_t)b * g->c + cc) * g->h * g->w;
            for (oy = 0; oy < g->oh; oy++) {
                int32_t hy = oy * g->sh - g->pt + i * g->dh;
                td_acc part = 0;
                if (hy < 0 || hy >= g->h) continue;
                for (ox = 0; ox < g->ow; ox++) {
                    int32_t wx = ox * g->sw - g->pl + j * g->dw;
                    if (wx < 0 || wx >= g->w) continue;
                    part += (td_acc)dy[oy * g->ow + ox] * x[hy * g->w + wx];
                }
                acc += part;
            }
        }
        a->dw[e] = (float)(acc + (a->accumulate ? (td_acc)a->dw[e] : 0));
    }
}
