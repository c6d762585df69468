/*
 * 2-D convolution (cross-correlation with groups), forward and both gradients.
 * td_conv_im2col (group 1): per image, the cores first unfold the input into col
 * [c*kh*kw, oh*ow] (zeros where the window hangs over the padding), then multiply W [m, c*kh*kw]
 * by it in 1x4 register blocks (on the host, TD_HOST_GEMM: the SIMD product of td_gemm.h, its panels
 * of col packed straight from the image, td_conv_hpack). td_conv_direct (any group, e.g. depthwise) walks the taps of
 * each output element. The reduction order is (input channel, kernel row, kernel column), the
 * reference's order; sums are blocked (by TD_SUM_BLOCK rows of the GEMM, by input channel, output
 * channel or output row in the direct forms) so that they stay accurate in a float td_acc.
 */
#include "td_kernels.h"
#include "td_math.h"
#include "td_gemm.h"

#define TD_NB 4

/*
 * Pointwise convolutions (1 x 1 window, unit strides, no padding, the input plane the output plane,
 * group 1) are matrix products per image through linear.c's register-blocked product (td_gemm.h),
 * each image's plane the columns: Y[b] = W [m, c] X[b] [c, hw], dX[b] = W^T dY[b],
 * dW = sum over b of dY[b] X[b]^T. The sums run over input channels (forward), output channels (dX)
 * or the plane (dW) in the reference's order, blocked by TD_SUM_BLOCK terms.
 */
static int32_t td_conv_pointwise(const td_conv_geom *g) {
    return g->group == 1 && g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pl == 0 &&
           g->h == g->oh && g->w == g->ow;
}

/* Y[b] = W X[b] (+ b): with a bias, the cores first fill y with it (then a barrier) and the product
   adds its sums into it, one rounding per output as (float)(sum + bias). */
static void td_conv_pw_forward(const td_conv_args *a) {
    const td_conv_geom *g = &a->g;
    const int32_t plane = g->oh * g->ow;
    td_gemm p;
    if (a->b != NULL) {
        int32_t lo, hi, r, q;
        td_split(g->n * g->m, &lo, &hi);
        for (r = lo; r < hi; r++) {
            float *y = a->y + (size_t)r * plane;
            const float bv = a->b[r % g->m];
            for (q = 0; q < plane; q++) y[q] = bv;
        }
        td_barrier();
    }
    p.a = a->w, p.ars = g->cg, p.ats = 1;
    p.b = a->x, p.bts = plane, p.bcs = 1;
    p.m = g->m, p.n = plane, p.k = g->cg;
    p.c = a->y, p.e.ldc = plane, p.e.ldr = 0, p.e.alpha = 1, p.e.accumulate = a->b != NULL;
    p.bias = NULL, p.res = NULL;
    td_gemm_init(&p, 0, 1);
    p.b_step = (size_t)g->c * plane;
    td_gemm_run(&p, g->n, NULL, NULL);
}

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

#ifdef TD_HOST_GEMM
/* The host's SIMD product (td_gemm.h) packs its panels of col straight from the image (td_hepi.pack):
   dst[t * ld + q] = col(t0 + t, j0 + q) of image p, the values td_im2col would unfold; no scratch, no
   barrier. With unit column strides a kernel row's in-bounds run is one copy. */
static void td_conv_hpack(float *dst, int32_t ld, const void *ctx, int32_t p, int32_t t0, int32_t kc, int32_t j0,
                          int32_t cols) {
    const td_conv_args *a = (const td_conv_args *)ctx;
    const td_conv_geom *g = &a->g;
    int32_t t;
    for (t = 0; t < kc; t++) {
        const int32_t r = t0 + t, ic = r / (g->kh * g->kw), i = (r / g->kw) % g->kh, j = r % g->kw;
        const int32_t off = j * g->dw - g->pl;
        const float *xp = a->x + ((size_t)p * g->c + ic) * g->h * g->w;
        float *d = dst + (size_t)t * ld;
        int32_t q = 0;
        while (q < cols) {
            const int32_t o = j0 + q, oy = o / g->ow, ox0 = o % g->ow;
            const int32_t run = g->ow - ox0 < cols - q ? g->ow - ox0 : cols - q;
            const int32_t hy = oy * g->sh - g->pt + i * g->dh;
            int32_t e;
            if (hy < 0 || hy >= g->h) {
                for (e = 0; e < run; e++) d[q + e] = 0;
            } else if (g->sw == 1) {
                /* output column ox0 + e reads input column ox0 + e + off: in bounds for lo <= e < hi */
                int32_t lo = -off - ox0 > 0 ? -off - ox0 : 0, hi = g->w - off - ox0 < run ? g->w - off - ox0 : run;
                if (lo > run) lo = run;
                if (hi < lo) hi = lo;
                for (e = 0; e < lo; e++) d[q + e] = 0;
                if (hi > lo) memcpy(d + q + lo, xp + (size_t)hy * g->w + (ox0 + off + lo), (size_t)(hi - lo) * sizeof(float));
                for (e = hi; e < run; e++) d[q + e] = 0;
            } else {
                const float *xr = xp + (size_t)hy * g->w;
                for (e = 0; e < run; e++) {
                    const int32_t wx = (ox0 + e) * g->sw + off;
                    d[q + e] = wx >= 0 && wx < g->w ? xr[wx] : 0.0f;
                }
            }
            q += run;
        }
    }
}
#endif

void td_conv_im2col(const td_conv_args *a) {
    const td_conv_geom *g = &a->g;
    int32_t rows = g->cg * g->kh * g->kw;
    int32_t plane = g->oh * g->ow;
    int32_t blocks = (plane + TD_NB - 1) / TD_NB;
    int32_t b;
#ifdef TD_HOST_GEMM
    {
        /* Y[b] = W col[b] (+ the bias per output channel), every image in one call */
        td_gemm p;
        td_hepi x;
        p.a = a->w, p.ars = rows, p.ats = 1;
        p.b = a->x, p.bts = plane, p.bcs = 1; /* (B comes from td_conv_hpack) */
        p.m = g->m, p.n = plane, p.k = rows;
        p.c = a->y, p.e.ldc = plane, p.e.ldr = 0, p.e.alpha = 1, p.e.accumulate = 0;
        p.bias = NULL, p.res = NULL;
        td_gemm_init(&p, 0, 1);
        x.rbias = a->b, x.lt = NULL, x.lb = NULL, x.rank = 0, x.scale = 1, x.pack = td_conv_hpack, x.ctx = a;
        td_hgemm_run(&p, g->n, NULL, NULL, &x);
        return;
    }
#endif
    if (td_conv_pointwise(g)) {
        td_conv_pw_forward(a);
        return;
    }
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

/*
 * 3 x 3 windows over single input channels (cg == 1: depthwise, or one input channel), dilation 1:
 * the blocked direct form. A core stages the plane it reads into a zero-padded local copy (the
 * border zeros written once per call: every plane has the same geometry), so that the blocks load
 * without bounds tests; then per output row blocks of 4 outputs (1 for the last ow % 4), the nine
 * weights in registers, per kernel row the block's inputs loaded once. Each sum runs from zero over
 * the taps in the reference's order (kernel row, kernel column), one TD_FMA per tap.
 */
/* TD_DW_STAGE (td_args.h, from Conv.DW_STAGE): floats of the staged plane, on the core's stack; larger planes take the scalar form. */

/* buf [hp, wp]: src [rows, cols] element (r, c) at (r rs + r0, c cs + c0), 0 elsewhere (zero: the whole
   buffer first; later calls overwrite the same positions). */
static void td_dw_stage(float *buf, int32_t hp, int32_t wp, const float *src, int32_t rows, int32_t cols, int32_t rs,
                        int32_t cs, int32_t r0, int32_t c0, int32_t zero) {
    const int32_t rlo = r0 < 0 ? (-r0 + rs - 1) / rs : 0, clo = c0 < 0 ? (-c0 + cs - 1) / cs : 0;
    const int32_t rt = hp - 1 - r0 < 0 ? 0 : (hp - 1 - r0) / rs + 1, ct = wp - 1 - c0 < 0 ? 0 : (wp - 1 - c0) / cs + 1;
    const int32_t rhi = rows < rt ? rows : rt, chi = cols < ct ? cols : ct;
    int32_t r, c;
    if (zero) for (r = 0; r < hp * wp; r++) buf[r] = 0;
    for (r = rlo; r < rhi; r++) {
        const float *sr = src + (size_t)r * cols;
        float *br = buf + (size_t)(r * rs + r0) * wp + c0;
        if (cs == 1) for (c = clo; c < chi; c++) br[c] = sr[c];
        else for (c = clo; c < chi; c++) br[c * cs] = sr[c];
    }
}

/* s[o] = the taps of NB outputs: kernel row i reads buffer row row + i (FLIP: row + 2 - i), kernel
   column j column col + o * SW + j (FLIP: col + o + 2 - j). */
#define TD_DW_TAPS(NB, SW, FLIP)                                                                 \
    do {                                                                                         \
        int32_t i, j, o;                                                                         \
        TD_UNROLL for (o = 0; o < NB; o++) s[o] = 0;                                             \
        TD_UNROLL for (i = 0; i < 3; i++) {                                                      \
            const float *pr = bp + (size_t)((FLIP) ? 2 - i : i) * wp;                            \
            td_acc v[(NB - 1) * SW + 3];                                                         \
            TD_UNROLL for (o = 0; o < (NB - 1) * SW + 3; o++) v[o] = pr[o];                      \
            TD_UNROLL for (j = 0; j < 3; j++) {                                                  \
                const td_acc wv = wk[i * 3 + j];                                                 \
                TD_UNROLL for (o = 0; o < NB; o++) s[o] = TD_FMA(wv, v[o * SW + ((FLIP) ? 2 - j : j)], s[o]); \
            }                                                                                    \
        }                                                                                        \
    } while (0)

/* One output plane [oh, ow] from the staged buffer: y = sum + add (add: the bias, or with `acc` the
   output's value); output (oy, ox) reads from buffer row oy * sh, column ox * SW. */
#define TD_DW_PLANE(NAME, SW, FLIP)                                                                          \
    static void NAME(const float *buf, int32_t wp, const float *w, float *y, int32_t oh, int32_t ow, int32_t sh, \
                     td_real add, int32_t acc) {                                                             \
        td_acc wk[9];                                                                                        \
        int32_t oy, ox, q;                                                                                   \
        TD_UNROLL for (q = 0; q < 9; q++) wk[q] = w[q];                                                      \
        for (oy = 0; oy < oh; oy++) {                                                                        \
            float *yr = y + (size_t)oy * ow;                                                                 \
            const float *bp = buf + (size_t)oy * sh * wp;                                                    \
            for (ox = 0; ox + 4 <= ow; ox += 4, bp += 4 * SW) {                                              \
                td_acc s[4];                                                                                 \
                TD_DW_TAPS(4, SW, FLIP);                                                                     \
                if (acc) TD_UNROLL for (q = 0; q < 4; q++) yr[ox + q] = (float)((td_acc)s[q] + (td_acc)yr[ox + q]); \
                else TD_UNROLL for (q = 0; q < 4; q++) yr[ox + q] = (float)((td_real)s[q] + add);            \
            }                                                                                                \
            for (; ox < ow; ox++, bp += SW) {                                                                \
                td_acc s[1];                                                                                 \
                TD_DW_TAPS(1, SW, FLIP);                                                                     \
                yr[ox] = acc ? (float)((td_acc)s[0] + (td_acc)yr[ox]) : (float)((td_real)s[0] + add);        \
            }                                                                                                \
        }                                                                                                    \
    }
TD_DW_PLANE(td_dw_plane1, 1, 0)
TD_DW_PLANE(td_dw_plane2, 2, 0)
TD_DW_PLANE(td_dw_grad_plane, 1, 1)

/* The forward's staged plane: rows (oh - 1) sh + 3, columns (ow - 1) sw + 3; input (hy, wx) at (hy + pt, wx + pl). */
static int32_t td_dw_forward_fits(const td_conv_geom *g) {
    return g->cg == 1 && g->kh == 3 && g->kw == 3 && g->dh == 1 && g->dw == 1 && (g->sw == 1 || g->sw == 2) && g->sh >= 1 &&
           g->oh > 0 && g->ow > 0 && ((g->oh - 1) * g->sh + 3) * ((g->ow - 1) * g->sw + 3) <= TD_DW_STAGE;
}

/* Units are output planes (b, oc), split over the cores in order; a core restages only when its next
   plane reads another input plane (with cg == 1 and m / group output channels per group, consecutive
   output channels of a group share theirs). */
static void td_dw_forward(const td_conv_args *a) {
    const td_conv_geom *g = &a->g;
    const int32_t mg = g->m / g->group;
    const int32_t hp = (g->oh - 1) * g->sh + 3, wp = (g->ow - 1) * g->sw + 3;
    float buf[TD_DW_STAGE];
    int32_t lo, hi, u, staged = -1;
    td_split(g->n * g->m, &lo, &hi);
    for (u = lo; u < hi; u++) {
        const int32_t b = u / g->m, oc = u % g->m, plane = b * g->c + oc / mg;
        if (plane != staged) {
            td_dw_stage(buf, hp, wp, a->x + (size_t)plane * g->h * g->w, g->h, g->w, 1, 1, g->pt, g->pl, staged < 0);
            staged = plane;
        }
        (g->sw == 1 ? td_dw_plane1 : td_dw_plane2)(buf, wp, a->w + (size_t)oc * 9, a->y + (size_t)u * g->oh * g->ow, g->oh,
                                                   g->ow, g->sh, a->b != NULL ? (td_real)a->b[oc] : 0, 0);
    }
}

/* Depthwise dX (one output channel per input channel): dx (hy, wx) = sum over taps of dy (oy, ox) w (i, j)
   with oy sh = hy + pt - i, ox sw = wx + pl - j; the staged dY plane [h + 2, w + 2] holds dy (oy, ox)
   at (oy sh + 2 - pt, ox sw + 2 - pl), zeros between (strides above 1) and around, so that dx (hy, wx)
   is the flipped window's sum at (hy, wx) as for unit strides (a stride of 2 runs 4 taps for each
   one that is not zero, still far fewer instructions than the gather). */
static int32_t td_dw_grad_input_fits(const td_conv_geom *g) {
    return g->cg == 1 && g->m == g->group && g->kh == 3 && g->kw == 3 && g->sh >= 1 && g->sw >= 1 && g->dh == 1 &&
           g->dw == 1 && g->h > 0 && g->w > 0 && (g->h + 2) * (g->w + 2) <= TD_DW_STAGE;
}

static void td_dw_grad_input(const td_conv_grad_input_args *a) {
    const td_conv_geom *g = &a->g;
    const int32_t hp = g->h + 2, wp = g->w + 2;
    float buf[TD_DW_STAGE];
    int32_t lo, hi, u;
    td_split(g->n * g->c, &lo, &hi);
    for (u = lo; u < hi; u++) {
        td_dw_stage(buf, hp, wp, a->dy + (size_t)u * g->oh * g->ow, g->oh, g->ow, g->sh, g->sw, 2 - g->pt, 2 - g->pl, u == lo);
        td_dw_grad_plane(buf, wp, a->w + (size_t)(u % g->c) * 9, a->dx + (size_t)u * g->h * g->w, g->h, g->w, 1, 0,
                         a->accumulate);
    }
}

/* dW of a 3x3 window over single input channels (the forward's geometry and staging): the core's
   output channels, image by image; per output channel the nine sums over the image's plane, each
   tap's sum in (output row, output column) order in blocks of output rows of at most TD_SUM_BLOCK
   terms, then added into dw (stored for the first image unless accumulate). Blocks of 4 output
   columns load their 4 dY values once and per kernel row the inputs they read once. */
#define TD_DW_GW_TAPS(NB, SW)                                                                      \
    do {                                                                                           \
        td_acc d[NB];                                                                              \
        int32_t i, j, o;                                                                           \
        TD_UNROLL for (o = 0; o < NB; o++) d[o] = dyr[o];                                          \
        TD_UNROLL for (i = 0; i < 3; i++) {                                                        \
            const float *pr = bp + (size_t)i * wp;                                                 \
            td_acc v[(NB - 1) * SW + 3];                                                           \
            TD_UNROLL for (o = 0; o < (NB - 1) * SW + 3; o++) v[o] = pr[o];                        \
            TD_UNROLL for (j = 0; j < 3; j++) TD_UNROLL for (o = 0; o < NB; o++)                   \
                s[i * 3 + j] = TD_FMA(d[o], v[o * SW + j], s[i * 3 + j]);                          \
        }                                                                                          \
    } while (0)

#define TD_DW_GW_PLANE(NAME, SW)                                                                             \
    static void NAME(const float *buf, int32_t wp, const float *dy, int32_t oh, int32_t ow, int32_t sh,       \
                     float *dw, int32_t add) {                                                               \
        const int32_t rb = ow < TD_SUM_BLOCK ? TD_SUM_BLOCK / ow : 1;                                        \
        td_acc tot[9];                                                                                       \
        int32_t oy0, oy, ox, q;                                                                              \
        TD_UNROLL for (q = 0; q < 9; q++) tot[q] = 0;                                                        \
        for (oy0 = 0; oy0 < oh; oy0 += rb) {                                                                 \
            const int32_t oy1 = oh - oy0 < rb ? oh : oy0 + rb;                                               \
            td_acc s[9];                                                                                     \
            TD_UNROLL for (q = 0; q < 9; q++) s[q] = 0;                                                      \
            for (oy = oy0; oy < oy1; oy++) {                                                                 \
                const float *dyr = dy + (size_t)oy * ow;                                                     \
                const float *bp = buf + (size_t)oy * sh * wp;                                                \
                for (ox = 0; ox + 4 <= ow; ox += 4, dyr += 4, bp += 4 * SW) TD_DW_GW_TAPS(4, SW);            \
                for (; ox < ow; ox++, dyr++, bp += SW) TD_DW_GW_TAPS(1, SW);                                 \
            }                                                                                                \
            TD_UNROLL for (q = 0; q < 9; q++) tot[q] += s[q];                                                \
        }                                                                                                    \
        if (add) TD_UNROLL for (q = 0; q < 9; q++) dw[q] = (float)(tot[q] + (td_acc)dw[q]);                  \
        else TD_UNROLL for (q = 0; q < 9; q++) dw[q] = (float)tot[q];                                        \
    }
TD_DW_GW_PLANE(td_dw_gw_plane1, 1)
TD_DW_GW_PLANE(td_dw_gw_plane2, 2)

static void td_dw_grad_weight(const td_conv_grad_weight_args *a) {
    const td_conv_geom *g = &a->g;
    const int32_t mg = g->m / g->group;
    const int32_t hp = (g->oh - 1) * g->sh + 3, wp = (g->ow - 1) * g->sw + 3;
    float buf[TD_DW_STAGE];
    int32_t lo, hi, b, oc, staged = -1;
    td_split(g->m, &lo, &hi);
    for (b = 0; b < g->n; b++) {
        for (oc = lo; oc < hi; oc++) {
            const int32_t plane = b * g->c + oc / mg;
            if (plane != staged) {
                td_dw_stage(buf, hp, wp, a->x + (size_t)plane * g->h * g->w, g->h, g->w, 1, 1, g->pt, g->pl, staged < 0);
                staged = plane;
            }
            (g->sw == 1 ? td_dw_gw_plane1 : td_dw_gw_plane2)(buf, wp, a->dy + ((size_t)b * g->m + oc) * g->oh * g->ow, g->oh,
                                                             g->ow, g->sh, a->dw + (size_t)oc * 9, b > 0 || a->accumulate);
        }
    }
}

/* One element of the direct form: y at (b, oc, oy, ox), taps skipped where they hang over the padding. */
static td_acc td_conv_point(const td_conv_args *a, int32_t b, int32_t oc, int32_t oy, int32_t ox) {
    const td_conv_geom *g = &a->g;
    int32_t grp = oc / (g->m / g->group);
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
    return acc;
}

/*
 * The blocked direct form for group 1, 3-wide kernel rows, unit horizontal stride and dilation: a unit
 * is 4 output channels x TD_CXB outputs of one output row, its 4 x TD_CXB sums held in registers. Per
 * input row the TD_CXB + 2 input values the block reads are loaded once (zeros over the padding) and
 * each of the 4 x 3 weights once, for 12 TD_CXB multiply-adds. Sums run over blocks of input channels
 * (at most TD_SUM_BLOCK taps each) added into the totals, the taps in the reference's order.
 */
#define TD_CONV_BLOCK(TD_CXB)                                                                              \
    static void td_conv_block##TD_CXB(const td_conv_args *a, int32_t b, int32_t oc, int32_t oy, int32_t ox0) { \
        const td_conv_geom *g = &a->g;                                                                     \
        const int32_t taps = g->kh * 3;                                                                    \
        const int32_t icb = TD_SUM_BLOCK / taps > 0 ? TD_SUM_BLOCK / taps : 1;                             \
        const size_t ws = (size_t)g->cg * taps;                                                            \
        const int32_t xl = ox0 - g->pl;                                                                    \
        const int32_t inside = xl >= 0 && xl + TD_CXB + 2 <= g->w;                                         \
        td_acc tot[4 * TD_CXB];                                                                            \
        int32_t ic0, ic, i, q;                                                                             \
        for (ic0 = 0; ic0 < g->cg; ic0 += icb) {                                                           \
            int32_t ic1 = g->cg - ic0 < icb ? g->cg : ic0 + icb;                                           \
            td_acc s[4][TD_CXB];                                                                           \
            TD_UNROLL for (q = 0; q < TD_CXB; q++) s[0][q] = s[1][q] = s[2][q] = s[3][q] = 0;              \
            for (ic = ic0; ic < ic1; ic++) {                                                               \
                const float *xp = a->x + ((size_t)b * g->c + ic) * g->h * g->w;                            \
                const float *w0 = a->w + (size_t)oc * ws + (size_t)ic * taps;                              \
                for (i = 0; i < g->kh; i++, w0 += 3) {                                                     \
                    const int32_t hy = oy * g->sh - g->pt + i * g->dh;                                     \
                    const float *w1 = w0 + ws, *w2 = w1 + ws, *w3 = w2 + ws;                               \
                    td_acc xv[TD_CXB + 2];                                                                 \
                    if (hy < 0 || hy >= g->h) continue;                                                    \
                    if (inside) {                                                                          \
                        const float *xr = xp + hy * g->w + xl;                                             \
                        TD_UNROLL for (q = 0; q < TD_CXB + 2; q++) xv[q] = xr[q];                          \
                    } else {                                                                               \
                        TD_UNROLL for (q = 0; q < TD_CXB + 2; q++)                                         \
                            xv[q] = xl + q >= 0 && xl + q < g->w ? xp[hy * g->w + xl + q] : 0;             \
                    }                                                                                      \
                    TD_UNROLL for (q = 0; q < 3; q++) {                                                    \
                        const td_acc v0 = w0[q], v1 = w1[q], v2 = w2[q], v3 = w3[q];                       \
                        int32_t o;                                                                         \
                        TD_UNROLL for (o = 0; o < TD_CXB; o++) {                                           \
                            s[0][o] = TD_FMA(v0, xv[o + q], s[0][o]);                                      \
                            s[1][o] = TD_FMA(v1, xv[o + q], s[1][o]);                                      \
                            s[2][o] = TD_FMA(v2, xv[o + q], s[2][o]);                                      \
                            s[3][o] = TD_FMA(v3, xv[o + q], s[3][o]);                                      \
                        }                                                                                  \
                    }                                                                                      \
                }                                                                                          \
            }                                                                                              \
            TD_UNROLL for (q = 0; q < TD_CXB; q++) {                                                       \
                if (ic0 == 0) {                                                                            \
                    tot[q] = s[0][q], tot[TD_CXB + q] = s[1][q];                                           \
                    tot[2 * TD_CXB + q] = s[2][q], tot[3 * TD_CXB + q] = s[3][q];                          \
                } else {                                                                                   \
                    tot[q] += s[0][q], tot[TD_CXB + q] += s[1][q];                                         \
                    tot[2 * TD_CXB + q] += s[2][q], tot[3 * TD_CXB + q] += s[3][q];                        \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
        for (i = 0; i < 4; i++) {                                                                          \
            float *y = a->y + (((size_t)b * g->m + oc + i) * g->oh + oy) * g->ow + ox0;                    \
            const td_real bias = a->b != NULL ? (td_real)a->b[oc + i] : 0;                                 \
            for (q = 0; q < TD_CXB; q++) y[q] = (float)((td_real)tot[i * TD_CXB + q] + bias);              \
        }                                                                                                  \
    }
TD_CONV_BLOCK(4)
TD_CONV_BLOCK(2)

void td_conv_direct(const td_conv_args *a) {
    const td_conv_geom *g = &a->g;
    const int32_t cores = (int32_t)td_num_cores();
    int32_t lo, hi, e;
    if (td_conv_pointwise(g)) {
        td_conv_pw_forward(a);
        return;
    }
    if (td_dw_forward_fits(g)) {
        td_dw_forward(a);
        return;
    }
    if (g->group == 1 && g->kw == 3 && g->sw == 1 && g->dw == 1 && g->m >= 4 && g->ow >= 2 && g->cg > 0) {
        /* Blocks of 4 output channels x 4 columns of one output row, as many whole rounds of them as
           every core can take one each; the rest of the 4-column blocks, halved, and a 2-column
           block where a row's width leaves 2 or 3, in a second split; then the last odd column and
           the output channels past the last block of 4, one element at a time (td_conv_point). */
        const int32_t mb = g->m / 4, xb = g->ow / 4, x2 = g->ow % 4 >= 2;
        const int32_t rows = g->n * mb * g->oh;
        const int32_t u4 = rows * xb, full = u4 / cores * cores;
        const int32_t halves = 2 * (u4 - full), u2 = halves + rows * x2;
        int32_t u;
        td_split(full, &lo, &hi);
        for (u = lo; u < hi; u++) {
            int32_t bx = u % xb, row = u / xb;
            td_conv_block4(a, row / (mb * g->oh), row / g->oh % mb * 4, row % g->oh, bx * 4);
        }
        td_split(u2, &lo, &hi);
        for (u = lo; u < hi; u++) {
            int32_t row, ox0;
            if (u < halves) {
                int32_t v = full + u / 2;
                row = v / xb, ox0 = v % xb * 4 + u % 2 * 2;
            } else {
                row = u - halves, ox0 = xb * 4;
            }
            td_conv_block2(a, row / (mb * g->oh), row / g->oh % mb * 4, row % g->oh, ox0);
        }
        {
            const int32_t rc = g->ow - xb * 4 - 2 * x2, rm = g->m - mb * 4;
            const int32_t per_img = mb * 4 * g->oh * rc + rm * g->oh * g->ow;
            td_split(g->n * per_img, &lo, &hi);
            for (e = lo; e < hi; e++) {
                int32_t b = e / per_img, t = e % per_img, oc, oy, ox;
                if (t < mb * 4 * g->oh * rc) {
                    ox = g->ow - rc + t % rc;
                    oy = (t / rc) % g->oh;
                    oc = t / (rc * g->oh);
                } else {
                    t -= mb * 4 * g->oh * rc;
                    ox = t % g->ow;
                    oy = (t / g->ow) % g->oh;
                    oc = mb * 4 + t / (g->ow * g->oh);
                }
                a->y[(((size_t)b * g->m + oc) * g->oh + oy) * g->ow + ox] =
                    (float)((td_real)td_conv_point(a, b, oc, oy, ox) + (a->b != NULL ? (td_real)a->b[oc] : 0));
            }
        }
        return;
    }
    td_split(g->n * g->m * g->oh * g->ow, &lo, &hi);
    for (e = lo; e < hi; e++) {
        int32_t ox = e % g->ow;
        int32_t oy = (e / g->ow) % g->oh;
        int32_t oc = (e / (g->ow * g->oh)) % g->m;
        int32_t b = e / (g->ow * g->oh * g->m);
        a->y[e] = (float)((td_real)td_conv_point(a, b, oc, oy, ox) + (a->b != NULL ? (td_real)a->b[oc] : 0));
    }
}

/* One dX element (b, cc, hy, wx): it gathers the taps that read it, oy * sh = hy + pt - i * dh. */
static td_acc td_conv_gi_point(const td_conv_grad_input_args *a, int32_t b, int32_t cc, int32_t hy, int32_t wx) {
    const td_conv_geom *g = &a->g;
    const int32_t mg = g->m / g->group;
    const int32_t grp = cc / g->cg;
    const int32_t ic = cc % g->cg;
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
    return acc;
}

/*
 * dX of a group-1 convolution with 3-wide rows and unit strides and dilation, blocked: dX is the
 * forward form of dY with W transposed and flipped, so a unit is NC (4 or 1) input channels x CXB
 * (4 or 1: the code stays small) columns of one dX row, its sums in registers. Per output channel
 * and kernel row the CXB + 2 dY values the block reads are loaded once (zeros outside dY) and each
 * of the NC x 3 weights once, for 3 NC CXB multiply-adds; dX column wx0 + o gets tap j from dY
 * column wx0 + o + pl - j. Per output channel the taps run in the reference's order; sums over
 * blocks of output channels (at most TD_SUM_BLOCK taps each) are added into the totals.
 */
#define TD_CONV_GI_BLOCK(NC, CXB)                                                                          \
    static void td_conv_gi_block##NC##CXB(const td_conv_grad_input_args *a, int32_t b, int32_t ic, int32_t hy, \
                                          int32_t wx0) {                                                   \
        const td_conv_geom *g = &a->g;                                                                     \
        const int32_t taps = g->kh * 3;                                                                    \
        const int32_t ocb = TD_SUM_BLOCK / taps > 0 ? TD_SUM_BLOCK / taps : 1;                             \
        const int32_t xl = wx0 + g->pl - 2;                                                                \
        const int32_t inside = xl >= 0 && xl + CXB + 2 <= g->ow;                                           \
        td_acc tot[NC][CXB];                                                                               \
        int32_t oc0, oc, i, q, k;                                                                          \
        TD_UNROLL for (k = 0; k < NC; k++) TD_UNROLL for (q = 0; q < CXB; q++) tot[k][q] = 0;              \
        for (oc0 = 0; oc0 < g->m; oc0 += ocb) {                                                            \
            int32_t oc1 = g->m - oc0 < ocb ? g->m : oc0 + ocb;                                             \
            td_acc s[NC][CXB];                                                                             \
            TD_UNROLL for (k = 0; k < NC; k++) TD_UNROLL for (q = 0; q < CXB; q++) s[k][q] = 0;            \
            for (oc = oc0; oc < oc1; oc++) {                                                               \
                const float *dp = a->dy + ((size_t)b * g->m + oc) * g->oh * g->ow;                         \
                const float *w0 = a->w + ((size_t)oc * g->cg + ic) * taps;                                 \
                for (i = 0; i < g->kh; i++, w0 += 3) {                                                     \
                    const int32_t oy = hy + g->pt - i;                                                     \
                    td_acc xv[CXB + 2];                                                                    \
                    if (oy < 0 || oy >= g->oh) continue;                                                   \
                    if (inside) {                                                                          \
                        const float *xr = dp + oy * g->ow + xl;                                            \
                        TD_UNROLL for (q = 0; q < CXB + 2; q++) xv[q] = xr[q];                             \
                    } else {                                                                               \
                        TD_UNROLL for (q = 0; q < CXB + 2; q++)                                            \
                            xv[q] = xl + q >= 0 && xl + q < g->ow ? dp[oy * g->ow + xl + q] : 0;           \
                    }                                                                                      \
                    TD_UNROLL for (q = 0; q < 3; q++) {                                                    \
                        td_acc v[NC];                                                                      \
                        int32_t o;                                                                         \
                        TD_UNROLL for (k = 0; k < NC; k++) v[k] = w0[(size_t)k * taps + q];                \
                        TD_UNROLL for (o = 0; o < CXB; o++) TD_UNROLL for (k = 0; k < NC; k++)             \
                            s[k][o] = TD_FMA(v[k], xv[o + 2 - q], s[k][o]);                                \
                    }                                                                                      \
                }                                                                                          \
            }                                                                                              \
            TD_UNROLL for (k = 0; k < NC; k++) TD_UNROLL for (q = 0; q < CXB; q++) tot[k][q] += s[k][q];   \
        }                                                                                                  \
        for (k = 0; k < NC; k++) {                                                                         \
            float *dx = a->dx + (((size_t)b * g->c + ic + k) * g->h + hy) * g->w + wx0;                    \
            for (q = 0; q < CXB; q++) dx[q] = (float)(tot[k][q] + (a->accumulate ? (td_acc)dx[q] : 0));    \
        }                                                                                                  \
    }
TD_CONV_GI_BLOCK(4, 4)
TD_CONV_GI_BLOCK(4, 1)
TD_CONV_GI_BLOCK(1, 4)
TD_CONV_GI_BLOCK(1, 1)

void td_conv_grad_input(const td_conv_grad_input_args *a) {
    const td_conv_geom *g = &a->g;
    int32_t total = g->n * g->c * g->h * g->w;
    int32_t lo, hi, e;
    if (td_conv_pointwise(g)) {
        /* dX[b] = W^T dY[b]: A(i, t) = w[t cg + i] */
        const int32_t plane = g->oh * g->ow;
        td_gemm p;
        p.a = a->w, p.ars = 1, p.ats = g->cg;
        p.b = a->dy, p.bts = plane, p.bcs = 1;
        p.m = g->cg, p.n = plane, p.k = g->m;
        p.c = a->dx, p.e.ldc = plane, p.e.ldr = 0, p.e.alpha = 1, p.e.accumulate = a->accumulate;
        p.bias = NULL, p.res = NULL;
        td_gemm_init(&p, 1, 1);
        p.b_step = (size_t)g->m * plane;
        td_gemm_run(&p, g->n, NULL, NULL);
        return;
    }
    if (td_dw_grad_input_fits(g)) {
        td_dw_grad_input(a);
        return;
    }
    if (g->group == 1 && g->kw == 3 && g->sw == 1 && g->dw == 1 && g->sh == 1 && g->dh == 1 && g->m > 0) {
        /* Units: (image, channel block, dX row) rows of column blocks; channel blocks of 4, then single
           channels; column blocks of 4, then single columns. */
        const int32_t cb = g->c / 4, nb = cb + g->c % 4;
        const int32_t xb = g->w / 4, colb = xb + g->w % 4;
        int32_t u;
        td_split(g->n * nb * g->h * colb, &lo, &hi);
        for (u = lo; u < hi; u++) {
            const int32_t cbk = u % colb, row = u / colb;
            const int32_t hy = row % g->h, blk = row / g->h % nb, b = row / (g->h * nb);
            const int32_t ic = blk < cb ? blk * 4 : cb * 4 + (blk - cb);
            const int32_t wx0 = cbk < xb ? cbk * 4 : xb * 4 + (cbk - xb);
            if (blk < cb) {
                if (cbk < xb) td_conv_gi_block44(a, b, ic, hy, wx0);
                else td_conv_gi_block41(a, b, ic, hy, wx0);
            } else {
                if (cbk < xb) td_conv_gi_block14(a, b, ic, hy, wx0);
                else td_conv_gi_block11(a, b, ic, hy, wx0);
            }
        }
        return;
    }
    td_split(total, &lo, &hi);
    for (e = lo; e < hi; e++) {
        int32_t wx = e % g->w;
        int32_t hy = (e / g->w) % g->h;
        int32_t cc = (e / (g->w * g->h)) % g->c;
        int32_t b = e / (g->w * g->h * g->c);
        a->dx[e] = (float)(td_conv_gi_point(a, b, cc, hy, wx) + (a->accumulate ? (td_acc)a->dx[e] : 0));
    }
}

void td_conv_grad_weight(const td_conv_grad_weight_args *a) {
    const td_conv_geom *g = &a->g;
    int32_t mg = g->m / g->group;
    int32_t total = g->m * g->cg * g->kh * g->kw;
    int32_t lo, hi, e;
    if (td_conv_pointwise(g)) {
        /* dW = sum over b of dY[b] X[b]^T: A(i, t) = dy[b][i hw + t], B(t, j) = x[b][j hw + t]; the images
           one product each, added into dw (the same core owns the same outputs in every call) */
        const int32_t plane = g->oh * g->ow;
        int32_t b;
        td_gemm p;
        p.ars = plane, p.ats = 1, p.bts = 1, p.bcs = plane;
        p.m = g->m, p.n = g->cg, p.k = plane;
        p.c = a->dw, p.e.ldc = g->cg, p.e.ldr = 0, p.e.alpha = 1;
        p.bias = NULL, p.res = NULL;
        td_gemm_init(&p, 0, 0);
        for (b = 0; b < g->n; b++) {
            p.a = a->dy + (size_t)b * g->m * plane, p.b = a->x + (size_t)b * g->c * plane;
            p.e.accumulate = b > 0 || a->accumulate;
            td_gemm_run(&p, 1, NULL, NULL);
        }
        return;
    }
    if (td_dw_forward_fits(g)) {
        td_dw_grad_weight(a);
        return;
    }
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
