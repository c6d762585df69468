/*
 * Fully connected layers and matrix products, all through one register-blocked product:
 * C(i, j) = sum_t A(i, t) B(t, j) over blocks of up to 4 x 4 outputs whose sums stay in registers
 * while the reduction runs once, in index order (the order of the reference interpreter), with one
 * fused multiply-add per term (TD_FMA) and pointer increments only in the inner loop. Sums longer
 * than TD_SUM_BLOCK terms are blocked: partial sums of TD_SUM_BLOCK terms are added into the totals
 * (accurate in a float td_acc, td_math.h). A operand's rows are either contiguous in t (4 row
 * pointers) or contiguous across rows (one pointer, immediate offsets); B's columns likewise.
 *
 * Work is split over (block of rows, block of columns) units, each output computed by exactly one
 * core: blocks of 4 rows, or of single rows when 4-row blocks would leave cores idle; 4 columns,
 * then a block of 2 and of 1 for the remainder.
 *
 * That is the devices' product (and the siracusa host simulation's). The host target (TD_HOST_GEMM,
 * td_gemm.h) compiles the float SIMD product at the end of this file instead: td_gemm_run,
 * td_lora_linear and conv.c's im2col run through td_hgemm_run.
 */
#include "td_kernels.h"
#include "td_math.h"
#include "td_gemm.h"

/* One term of the reduction: s[i][j] += A(i, t + U) B(t + U, j), A(i, t) = a[i * ars + t * ats],
   B(t, j) = b[t * bts + j * bcs]. APACK: ars == 1 (one pointer, the rows at immediate offsets,
   advanced by ats per term), else ats == 1 (one pointer per row, the terms at immediate offsets U);
   BPACK: bcs == 1, else bts == 1, likewise. */
#define TD_GEMM_STEP(MR, NR, APACK, BPACK, U)                                      \
    do {                                                                           \
        td_acc av[MR], bv[NR];                                                     \
        TD_UNROLL for (i = 0; i < MR; i++) av[i] = APACK ? pa[0][i] : pa[i][U];    \
        TD_UNROLL for (j = 0; j < NR; j++) bv[j] = BPACK ? pb[0][j] : pb[j][U];    \
        TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++)      \
            s[i][j] = TD_FMA(av[i], bv[j], s[i][j]);                               \
        if (APACK) pa[0] += ats;                                                   \
        if (BPACK) pb[0] += bts;                                                   \
    } while (0)

/* s = the sum of the next `t` terms (t <= TD_SUM_BLOCK): UNR (4 or 2) terms per iteration (the
   per-row and per-column pointers advance once per UNR), then the rest one at a time. */
#define TD_GEMM_REDUCE(MR, NR, APACK, BPACK, UNR, t)                                                \
    do {                                                                                            \
        int32_t tt = (t);                                                                           \
        TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) s[i][j] = 0;          \
        for (; tt >= UNR; tt -= UNR) {                                                              \
            TD_GEMM_STEP(MR, NR, APACK, BPACK, 0);                                                  \
            TD_GEMM_STEP(MR, NR, APACK, BPACK, 1);                                                  \
            if (UNR == 4) TD_GEMM_STEP(MR, NR, APACK, BPACK, 2);                                    \
            if (UNR == 4) TD_GEMM_STEP(MR, NR, APACK, BPACK, 3);                                    \
            if (!APACK) TD_UNROLL for (i = 0; i < MR; i++) pa[i] += UNR;                            \
            if (!BPACK) TD_UNROLL for (j = 0; j < NR; j++) pb[j] += UNR;                            \
        }                                                                                           \
        for (; tt > 0; tt--) {                                                                      \
            TD_GEMM_STEP(MR, NR, APACK, BPACK, 0);                                                  \
            if (!APACK) TD_UNROLL for (i = 0; i < MR; i++) pa[i] += 1;                              \
            if (!BPACK) TD_UNROLL for (j = 0; j < NR; j++) pb[j] += 1;                              \
        }                                                                                           \
    } while (0)

/* Where a block's sums go: C(i, j) = c[i * ldc + j] gets alpha * sum (+ bias[j] + res[i * ldr + j]
   when those are not NULL), or with accumulate C += alpha * sum. `mode` (td_epi_mode) says which,
   decided once per call: the common cases get their own code (alpha == 1 skips the multiply: the
   same value), the rest the general form. The kernels copy the fields into locals first (C's stores
   may alias them as far as the compiler knows). */
enum { TD_EPI_STORE1, TD_EPI_ADD, TD_EPI_B1, TD_EPI_R1, TD_EPI_ANY };

static int32_t td_epi_mode(const td_epi *e, const float *bias, const float *res) {
    int32_t one = e->alpha == 1;
    if (e->accumulate) return TD_EPI_ADD;
    if (one && bias == NULL && res == NULL) return TD_EPI_STORE1;
    if (one && res == NULL) return TD_EPI_B1;
    if (one && bias == NULL) return TD_EPI_R1;
    return TD_EPI_ANY;
}

#ifndef TD_HOST_GEMM /* the portable product (devices; the host's is td_hgemm_run, below) */

#define TD_EPI_LOCALS(e)                 \
    const td_real alpha = (e)->alpha;    \
    const int32_t ldc = (e)->ldc;        \
    const int32_t ldr = (e)->ldr;        \
    const int32_t mode = (e)->mode

#define TD_EPI_EACH(MR, NR, EXPR)                                                                   \
    TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++)                           \
        c[i * ldc + j] = (float)(EXPR)

/* RES1: whether TD_EPI_R1 has its own code (else the general form computes it). */
#define TD_GEMM_EPILOGUE(MR, NR, RES1)                                                              \
    do {                                                                                            \
        if (mode == TD_EPI_STORE1) {                                                                \
            TD_EPI_EACH(MR, NR, s[i][j]);                                                           \
        } else if (mode == TD_EPI_ADD) {                                                            \
            TD_EPI_EACH(MR, NR, TD_FMA(alpha, (td_real)s[i][j], (td_real)c[i * ldc + j]));          \
        } else if (mode == TD_EPI_B1) {                                                             \
            TD_EPI_EACH(MR, NR, (td_real)s[i][j] + (td_real)bias[j]);                               \
        } else if (RES1 && mode == TD_EPI_R1) {                                                     \
            TD_EPI_EACH(MR, NR, (td_real)s[i][j] + (td_real)res[i * ldr + j]);                      \
        } else {                                                                                    \
            TD_EPI_EACH(MR, NR, alpha * (td_real)s[i][j] + (bias != NULL ? (td_real)bias[j] : 0) +  \
                                    (res != NULL ? (td_real)res[i * ldr + j] : 0));                 \
        }                                                                                           \
    } while (0)

/* nblk blocks of MR x NR outputs side by side (tot: scratch of MR * NR totals for k > TD_SUM_BLOCK). */
#define TD_GEMM_KERNEL(NAME, MR, NR, APACK, BPACK, UNR)                                                      \
    static void NAME(const float *a, int32_t ars, int32_t ats, const float *b, int32_t bts, int32_t bcs, \
                     int32_t k, float *c, const float *bias, const float *res, const td_epi *e, td_acc *tot, \
                     int32_t nblk) {                                                                    \
        TD_EPI_LOCALS(e);                                                                               \
        for (; nblk > 0; nblk--, b += (size_t)NR * bcs, c += NR, bias = bias != NULL ? bias + NR : NULL, \
                         res = res != NULL ? res + NR : NULL) {                                         \
        const float *pa[MR], *pb[NR];                                                                   \
        td_acc s[MR][NR];                                                                               \
        int32_t i, j, t0;                                                                               \
        TD_UNROLL for (i = 0; i < MR; i++) pa[i] = a + (APACK ? (size_t)i : (size_t)i * ars);           \
        TD_UNROLL for (j = 0; j < NR; j++) pb[j] = b + (BPACK ? (size_t)j : (size_t)j * bcs);           \
        TD_GEMM_REDUCE(MR, NR, APACK, BPACK, UNR, k < TD_SUM_BLOCK ? k : TD_SUM_BLOCK);                      \
        if (k > TD_SUM_BLOCK) {                                                                         \
            TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) tot[i * NR + j] = s[i][j]; \
            for (t0 = TD_SUM_BLOCK; t0 < k; t0 += TD_SUM_BLOCK) {                                       \
                TD_GEMM_REDUCE(MR, NR, APACK, BPACK, UNR, k - t0 < TD_SUM_BLOCK ? k - t0 : TD_SUM_BLOCK);    \
                TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) tot[i * NR + j] += s[i][j]; \
            }                                                                                           \
            TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) s[i][j] = tot[i * NR + j]; \
        }                                                                                               \
        TD_GEMM_EPILOGUE(MR, NR, 0);                                                                       \
        }                                                                                               \
    }

/* The three layouts: rows x contiguous-columns (x W, A B), rows x column pointers (x W^T),
   packed x packed (x^T dy). */
#define TD_GEMM_LAYOUT(SUF, APACK, BPACK)              \
    TD_GEMM_KERNEL(td_gemm44_##SUF, 4, 4, APACK, BPACK, 4) \
    TD_GEMM_KERNEL(td_gemm42_##SUF, 4, 2, APACK, BPACK, 4) \
    TD_GEMM_KERNEL(td_gemm41_##SUF, 4, 1, APACK, BPACK, 2) \
    TD_GEMM_KERNEL(td_gemm14_##SUF, 1, 4, APACK, BPACK, 2) \
    TD_GEMM_KERNEL(td_gemm12_##SUF, 1, 2, APACK, BPACK, 2) \
    TD_GEMM_KERNEL(td_gemm11_##SUF, 1, 1, APACK, BPACK, 2)
TD_GEMM_LAYOUT(rc, 0, 1)
TD_GEMM_LAYOUT(rr, 0, 0)
TD_GEMM_LAYOUT(cc, 1, 1)

/* Products with a short reduction (k = KK <= 4: a LoRA rank): the MR x KK block of A stays in
   registers while `ncols` columns stream past, two at a time: per column KK loads of B, MR * KK
   multiply-adds, MR stores (the 4 x 4 blocks would pay their fixed cost for 4 terms). Each sum runs in
   index order from zero with one TD_FMA per term, as in TD_GEMM_KERNEL. A's rows are contiguous in t
   (ats == 1); B as in TD_GEMM_STEP. */
#define TD_SMALLK_COL(MR, KK, BPACK, J)                                                             \
    do {                                                                                            \
        td_acc bv[KK];                                                                              \
        TD_UNROLL for (t = 0; t < KK; t++) bv[t] = BPACK ? pb[t][J] : pb[J][t];                     \
        TD_UNROLL for (i = 0; i < MR; i++) {                                                        \
            s[i][J] = 0;                                                                            \
            TD_UNROLL for (t = 0; t < KK; t++) s[i][J] = TD_FMA(av[i][t], bv[t], s[i][J]);          \
        }                                                                                           \
    } while (0)

#define TD_SMALLK_KERNEL(NAME, MR, KK, BPACK)                                                           \
    static void NAME(const float *a, int32_t ars, int32_t ats, const float *b, int32_t bts, int32_t bcs, \
                     int32_t k, float *c, const float *bias, const float *res, const td_epi *e, td_acc *tot, \
                     int32_t ncols) {                                                                   \
        TD_EPI_LOCALS(e);                                                                               \
        td_acc av[MR][KK];                                                                              \
        const float *pb[BPACK ? KK : 2];                                                                \
        int32_t i, j, t;                                                                                \
        (void)ats, (void)k, (void)tot;                                                                  \
        TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (t = 0; t < KK; t++) av[i][t] = a[(size_t)i * ars + t]; \
        if (BPACK) TD_UNROLL for (t = 0; t < KK; t++) pb[t] = b + (size_t)t * bts;                      \
        else pb[0] = b, pb[1] = b + bcs;                                                                \
        for (; ncols >= 2; ncols -= 2, c += 2, bias = bias != NULL ? bias + 2 : NULL,                   \
                           res = res != NULL ? res + 2 : NULL) {                                        \
            td_acc s[MR][2];                                                                            \
            TD_SMALLK_COL(MR, KK, BPACK, 0);                                                            \
            TD_SMALLK_COL(MR, KK, BPACK, 1);                                                            \
            TD_GEMM_EPILOGUE(MR, 2, 1);                                                                    \
            if (BPACK) TD_UNROLL for (t = 0; t < KK; t++) pb[t] += 2;                                   \
            else pb[0] += 2 * bcs, pb[1] += 2 * bcs;                                                    \
        }                                                                                               \
        if (ncols > 0) {                                                                                \
            td_acc s[MR][1];                                                                            \
            TD_SMALLK_COL(MR, KK, BPACK, 0);                                                            \
            TD_GEMM_EPILOGUE(MR, 1, 1);                                                                    \
        }                                                                                               \
    }

#define TD_SMALLK_LAYOUT(SUF, BPACK)                 \
    TD_SMALLK_KERNEL(td_smallk41_##SUF, 4, 1, BPACK) \
    TD_SMALLK_KERNEL(td_smallk42_##SUF, 4, 2, BPACK) \
    TD_SMALLK_KERNEL(td_smallk43_##SUF, 4, 3, BPACK) \
    TD_SMALLK_KERNEL(td_smallk44_##SUF, 4, 4, BPACK)
TD_SMALLK_LAYOUT(rc, 1)
TD_SMALLK_LAYOUT(rr, 0)

void td_gemm_init(td_gemm *g, int32_t apack, int32_t bpack) {
    static const td_gemm_fn small[2][4] = {{td_smallk41_rr, td_smallk42_rr, td_smallk43_rr, td_smallk44_rr},
                                           {td_smallk41_rc, td_smallk42_rc, td_smallk43_rc, td_smallk44_rc}};
    g->small = !apack && g->k >= 1 && g->k <= 4 ? small[bpack != 0][g->k - 1] : NULL;
    g->a_step = 0, g->b_step = 0;
    if (apack) {
        g->fn[0][0] = td_gemm44_cc, g->fn[0][1] = td_gemm42_cc, g->fn[0][2] = td_gemm41_cc;
        g->fn[1][0] = td_gemm14_cc, g->fn[1][1] = td_gemm12_cc, g->fn[1][2] = td_gemm11_cc;
    } else if (bpack) {
        g->fn[0][0] = td_gemm44_rc, g->fn[0][1] = td_gemm42_rc, g->fn[0][2] = td_gemm41_rc;
        g->fn[1][0] = td_gemm14_rc, g->fn[1][1] = td_gemm12_rc, g->fn[1][2] = td_gemm11_rc;
    } else {
        g->fn[0][0] = td_gemm44_rr, g->fn[0][1] = td_gemm42_rr, g->fn[0][2] = td_gemm41_rr;
        g->fn[1][0] = td_gemm14_rr, g->fn[1][1] = td_gemm12_rr, g->fn[1][2] = td_gemm11_rr;
    }
}

/* Column blocks of n: n / 4 blocks of 4, then one of 2 and one of 1 as the remainder needs. */
static int32_t td_col_blocks(int32_t n) { return n / 4 + (n % 4 >= 2) + (n % 2); }

/* Rows per row block: 4, unless single rows spread the work over the cores much more evenly. */
static int32_t td_row_block(int32_t units_per_row, int32_t m) {
    int32_t cores = (int32_t)td_num_cores();
    int32_t u4 = (m / 4 + m % 4) * units_per_row, u1 = m * units_per_row;
    /* the busiest core's rows of work; 4-row blocks cost about 4/5 of single rows per output */
    int32_t w4 = (u4 + cores - 1) / cores * 4, w1 = (u1 + cores - 1) / cores;
    return m >= 4 && 4 * w4 <= 5 * w1 ? 4 : 1;
}

/* Columns per unit of a short-reduction product (its kernels take any number of columns). */
#define TD_SMALLK_CHUNK 32

/* This core's blocks of the batch of m x n products: units batch-major, then row block, then column
   block (of 4, 2 or 1 columns; of TD_SMALLK_CHUNK for the short-reduction kernels); C of product p
   at c + p * m * ldc, A at a + a_off[p], B at b + b_off[p] (without the arrays: p * a_step, p * b_step). A core's run of units
   in one row block is one call where the kernel allows (4-column blocks; any short-reduction chunks). */
void td_gemm_run(const td_gemm *g, int32_t batch, const int32_t *a_off, const int32_t *b_off) {
    int32_t cb = g->small != NULL ? (g->n + TD_SMALLK_CHUNK - 1) / TD_SMALLK_CHUNK : td_col_blocks(g->n);
    int32_t mr = td_row_block(cb * batch, g->m);
    int32_t full = mr == 4 ? g->m / 4 : 0;
    int32_t rb = full + (g->m - 4 * full);
    int32_t lo, hi, u;
    td_acc tot[16]; /* the kernels' running totals of sums longer than TD_SUM_BLOCK */
    td_epi e = g->e;
    if (g->m <= 0 || g->n <= 0) return;
    e.mode = td_epi_mode(&e, g->bias, g->res);
    td_split(batch * rb * cb, &lo, &hi);
    for (u = lo; u < hi;) {
        int32_t p = u / (rb * cb), r = (u / cb) % rb, cbk = u % cb;
        int32_t i0, j0, rows, cols, nblk = 1, last;
        if (r < full) i0 = r * 4, rows = 4;
        else i0 = 4 * full + (r - full), rows = 1;
        if (g->small != NULL) {
            /* this core's run of chunks in the row block: one call over their columns */
            nblk = cb - cbk < hi - u ? cb - cbk : hi - u;
            j0 = cbk * TD_SMALLK_CHUNK;
            last = (cbk + nblk) * TD_SMALLK_CHUNK;
            cols = (last < g->n ? last : g->n) - j0;
        } else if (cbk < g->n / 4) {
            /* this core's run of 4-column blocks in the row block: one call */
            j0 = cbk * 4, cols = 4;
            nblk = g->n / 4 - cbk < hi - u ? g->n / 4 - cbk : hi - u;
        } else if (cbk == g->n / 4 && g->n % 4 >= 2) {
            j0 = g->n / 4 * 4, cols = 2;
        } else {
            j0 = g->n - 1, cols = 1;
        }
        {
            const float *pa = g->a + (a_off != NULL ? (size_t)a_off[p] : (size_t)p * g->a_step) + (size_t)i0 * g->ars;
            const float *pb = g->b + (b_off != NULL ? (size_t)b_off[p] : (size_t)p * g->b_step) + (size_t)j0 * g->bcs;
            float *pc = g->c + ((size_t)p * g->m + i0) * g->e.ldc + j0;
            const float *bias = g->bias != NULL ? g->bias + j0 : NULL;
            const float *res = g->res != NULL ? g->res + (size_t)i0 * g->e.ldr + j0 : NULL;
            if (g->small != NULL && rows == 4) {
                g->small(pa, g->ars, g->ats, pb, g->bts, g->bcs, g->k, pc, bias, res, &e, tot, cols);
            } else if (g->small != NULL) {
                /* a single row of a short-reduction product: the chunk as 4-, 2- and 1-column blocks */
                int32_t j = 0, q;
                for (q = 0; q < 3; q++) {
                    int32_t w = q == 0 ? 4 : q == 1 ? 2 : 1, nb = q == 0 ? cols / 4 : (cols - j) / w;
                    if (nb == 0) continue;
                    g->fn[1][q](pa, g->ars, g->ats, pb + (size_t)j * g->bcs, g->bts, g->bcs, g->k, pc + j,
                                bias != NULL ? bias + j : NULL, res != NULL ? res + j : NULL, &e, tot, nb);
                    j += nb * w;
                }
            } else {
                g->fn[rows == 4 ? 0 : 1][cols == 4 ? 0 : cols == 2 ? 1 : 2](pa, g->ars, g->ats, pb, g->bts, g->bcs,
                                                                             g->k, pc, bias, res, &e, tot, nblk);
            }
        }
        u += nblk;
    }
}

#endif /* !TD_HOST_GEMM */

void td_linear(const td_linear_args *a) {
    td_gemm g;
    g.a = a->x, g.ars = a->k, g.ats = 1;
    g.b = a->w;
    if (a->trans_w) g.bts = 1, g.bcs = a->k;
    else g.bts = a->n, g.bcs = 1;
    g.m = a->rows, g.n = a->n, g.k = a->k;
    g.c = a->y, g.e.ldc = a->n, g.e.ldr = a->n, g.e.alpha = a->alpha, g.e.accumulate = a->accumulate;
    /* with accumulate, b and r were added by the first block of the reduction */
    g.bias = a->accumulate ? NULL : a->b, g.res = a->accumulate ? NULL : a->r;
    td_gemm_init(&g, 0, !a->trans_w);
    td_gemm_run(&g, 1, NULL, NULL);
}

void td_linear_grad_weight(const td_linear_grad_weight_args *a) {
    td_gemm g;
    /* dw = x^T dy: A(i, t) = x[t k + i], B(t, j) = dy[t n + j]; with trans_w dw [n, k] = dy^T x. */
    if (a->trans_w) {
        g.a = a->dy, g.ats = a->n, g.b = a->x, g.bts = a->k;
        g.m = a->n, g.n = a->k;
    } else {
        g.a = a->x, g.ats = a->k, g.b = a->dy, g.bts = a->n;
        g.m = a->k, g.n = a->n;
    }
    g.ars = 1, g.bcs = 1, g.k = a->rows;
    g.c = a->dw, g.e.ldc = g.n, g.e.ldr = 0, g.e.alpha = a->alpha, g.e.accumulate = a->accumulate;
    g.bias = NULL, g.res = NULL;
    td_gemm_init(&g, 1, 1);
    td_gemm_run(&g, 1, NULL, NULL);
}

void td_matmul(const td_matmul_args *a) {
    td_gemm g;
    g.a = a->a, g.ars = a->k, g.ats = 1;
    g.b = a->b, g.bts = a->n, g.bcs = 1;
    g.m = a->m, g.n = a->n, g.k = a->k;
    g.c = a->y, g.e.ldc = a->n, g.e.ldr = 0, g.e.alpha = 1, g.e.accumulate = 0;
    g.bias = NULL, g.res = NULL;
    td_gemm_init(&g, 0, 1);
    td_gemm_run(&g, a->batch, a->a_off, a->b_off);
}

/* LoRA's t = x A^T (rows x rank, A given as rank rows of k) as a product of td_gemm_run's or td_hgemm_run's. */
static void td_lora_t_product(const td_lora_linear_args *a, td_gemm *g) {
    const int32_t k = a->k;
    g->a = a->x, g->ars = k, g->ats = 1;
    g->b = a->a, g->bts = 1, g->bcs = k;
    g->m = a->rows, g->n = a->r, g->k = k;
    g->c = a->t, g->e.ldc = a->r, g->e.ldr = 0, g->e.alpha = 1, g->e.accumulate = 0;
    g->bias = NULL, g->res = NULL;
    td_gemm_init(g, 0, 0);
}

#ifndef TD_HOST_GEMM /* the portable LoRA product (the host's is td_hgemm_run, below) */
/* ---- LoraLinear: a Linear with its LoRA adapter's low-rank term in the same output blocks ---- */

/* What a LoRA output block does after its sums: C(i, j) = alpha * sum + bias[j] + the rank terms
   scale * T(i, q) B(j, q), T(i, q) = lt[i * rank + q], B(j, q) = lb[j * rank + q]. */
typedef struct {
    int32_t ldc, rank;
    td_real alpha, scale;
} td_lora_epi;

/* nblk blocks of MR x NR outputs of y = alpha x op(W) + b + scale t B^T side by side: the sums of
   x op(W) as in TD_GEMM_KERNEL (x's rows contiguous in k), alpha and the bias applied in registers,
   then the rank terms as `rank` more fused multiply-adds into the same registers, then one store per
   output: y is written once and never read back. */
#define TD_LORA_KERNEL(NAME, MR, NR, BPACK, UNR)                                                             \
    static void NAME(const float *a, int32_t ars, const float *b, int32_t bts, int32_t bcs, int32_t k, float *c, \
                     const float *bias, const float *lt, const float *lb, const td_lora_epi *e, td_acc *tot,   \
                     int32_t nblk) {                                                                        \
        const int32_t ldc = e->ldc, rank = e->rank, ats = 1;                                                \
        const td_real alpha = e->alpha, scale = e->scale;                                                   \
        const int32_t scaled = alpha != 1, lscaled = scale != 1;                                            \
        (void)ats;                                                                                          \
        for (; nblk > 0; nblk--, b += (size_t)NR * bcs, lb += (size_t)NR * rank, c += NR,                   \
                         bias = bias != NULL ? bias + NR : NULL) {                                          \
        const float *pa[MR], *pb[NR];                                                                       \
        td_acc s[MR][NR];                                                                                   \
        int32_t i, j, t0, q;                                                                                \
        TD_UNROLL for (i = 0; i < MR; i++) pa[i] = a + (size_t)i * ars;                                     \
        TD_UNROLL for (j = 0; j < NR; j++) pb[j] = b + (BPACK ? (size_t)j : (size_t)j * bcs);               \
        TD_GEMM_REDUCE(MR, NR, 0, BPACK, UNR, k < TD_SUM_BLOCK ? k : TD_SUM_BLOCK);                          \
        if (k > TD_SUM_BLOCK) {                                                                             \
            TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) tot[i * NR + j] = s[i][j]; \
            for (t0 = TD_SUM_BLOCK; t0 < k; t0 += TD_SUM_BLOCK) {                                           \
                TD_GEMM_REDUCE(MR, NR, 0, BPACK, UNR, k - t0 < TD_SUM_BLOCK ? k - t0 : TD_SUM_BLOCK);        \
                TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) tot[i * NR + j] += s[i][j]; \
            }                                                                                               \
            TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) s[i][j] = tot[i * NR + j]; \
        }                                                                                                   \
        if (scaled) TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++)                   \
            s[i][j] = (td_acc)(alpha * (td_real)s[i][j]);                                                   \
        if (bias != NULL) TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++)             \
            s[i][j] += (td_acc)bias[j];                                                                     \
        for (q = 0; q < rank; q++) {                                                                        \
            td_acc av[MR], bv[NR];                                                                          \
            TD_UNROLL for (i = 0; i < MR; i++)                                                              \
                av[i] = lscaled ? (td_acc)(scale * (td_real)lt[(size_t)i * rank + q]) : (td_acc)lt[(size_t)i * rank + q]; \
            TD_UNROLL for (j = 0; j < NR; j++) bv[j] = lb[(size_t)j * rank + q];                            \
            TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++)                           \
                s[i][j] = TD_FMA(av[i], bv[j], s[i][j]);                                                    \
        }                                                                                                   \
        TD_EPI_EACH(MR, NR, s[i][j]);                                                                       \
        }                                                                                                   \
    }

#define TD_LORA_LAYOUT(SUF, BPACK)                    \
    TD_LORA_KERNEL(td_lora44_##SUF, 4, 4, BPACK, 4) \
    TD_LORA_KERNEL(td_lora42_##SUF, 4, 2, BPACK, 4) \
    TD_LORA_KERNEL(td_lora41_##SUF, 4, 1, BPACK, 2) \
    TD_LORA_KERNEL(td_lora14_##SUF, 1, 4, BPACK, 2) \
    TD_LORA_KERNEL(td_lora12_##SUF, 1, 2, BPACK, 2) \
    TD_LORA_KERNEL(td_lora11_##SUF, 1, 1, BPACK, 2)
TD_LORA_LAYOUT(rc, 1)
TD_LORA_LAYOUT(rr, 0)

typedef void (*td_lora_fn)(const float *, int32_t, const float *, int32_t, int32_t, int32_t, float *, const float *,
                           const float *, const float *, const td_lora_epi *, td_acc *, int32_t);

/* t = x A^T first (all cores, then a barrier: a block's rank terms read whole rows of t), unless an
   earlier column tile of these rows left it in t; then y's blocks, split over the cores as td_gemm_run
   splits a product's (row block of 4 or 1, then blocks of 4, 2, 1 columns; a core's run of 4-column
   blocks in one row block is one call). */
void td_lora_linear(const td_lora_linear_args *a) {
    static const td_lora_fn fns[2][2][3] = {
        {{td_lora44_rr, td_lora42_rr, td_lora41_rr}, {td_lora14_rr, td_lora12_rr, td_lora11_rr}},
        {{td_lora44_rc, td_lora42_rc, td_lora41_rc}, {td_lora14_rc, td_lora12_rc, td_lora11_rc}}};
    const int32_t m = a->rows, n = a->n, k = a->k;
    const int32_t bts = a->trans_w ? 1 : n, bcs = a->trans_w ? k : 1;
    int32_t cb, full, rb, lo, hi, u;
    td_lora_epi e;
    td_acc tot[16];
    if (m <= 0 || n <= 0) return;
    if (!a->t_ready) {
        td_gemm g;
        td_lora_t_product(a, &g);
        td_gemm_run(&g, 1, NULL, NULL);
        td_barrier();
    }
    e.ldc = n, e.rank = a->r, e.alpha = a->alpha, e.scale = a->scale;
    cb = td_col_blocks(n);
    full = td_row_block(cb, m) == 4 ? m / 4 : 0;
    rb = full + (m - 4 * full);
    td_split(rb * cb, &lo, &hi);
    for (u = lo; u < hi;) {
        int32_t r = u / cb, cbk = u % cb, i0, rows, j0, cols, nblk = 1;
        if (r < full) i0 = r * 4, rows = 4;
        else i0 = 4 * full + (r - full), rows = 1;
        if (cbk < n / 4) {
            j0 = cbk * 4, cols = 4;
            nblk = n / 4 - cbk < hi - u ? n / 4 - cbk : hi - u;
        } else if (cbk == n / 4 && n % 4 >= 2) {
            j0 = n / 4 * 4, cols = 2;
        } else {
            j0 = n - 1, cols = 1;
        }
        fns[!a->trans_w][rows == 4 ? 0 : 1][cols == 4 ? 0 : cols == 2 ? 1 : 2](
            a->x + (size_t)i0 * k, k, a->w + (size_t)j0 * bcs, bts, bcs, k, a->y + (size_t)i0 * n + j0,
            a->b != NULL ? a->b + j0 : NULL, a->t + (size_t)i0 * a->r, a->lb + (size_t)j0 * a->r, &e, tot, nblk);
        u += nblk;
    }
}

#endif /* !TD_HOST_GEMM */

#ifdef TD_HOST_GEMM
/*
 * ---- The host's product (td_gemm.h, TD_HOST_GEMM) ----
 *
 * Float SIMD through the compiler's vector extensions: TD_HOST_VW lanes (16 with AVX-512, 8 with
 * AVX, else 4: SSE on plain x86-64, NEON on arm64, scalar code elsewhere; the host Makefile builds
 * with -march=native, docs/codegen.md, *The host's product*). A unit is TD_HMR rows x one panel of TD_HNR = TD_HNV vectors of
 * columns: the core packs the panel of B ([t][TD_HNR], zeros past n) into its scratch once for all
 * the row blocks it runs in that panel, and the block's sums stay in TD_HMR x TD_HNV vector
 * registers, one broadcast of A(i, t) and one fused multiply-add per vector and term. Every sum runs
 * in index order from zero, blocked by TD_SUM_BLOCK terms (the device's float sums, td_math.h); the
 * padded lanes and short row blocks do the same arithmetic, so an output's value depends only on its
 * operands, not on the split or the block it falls in.
 */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#ifndef TD_HOST_VW
#if defined(__AVX512F__)
#define TD_HOST_VW 16
#elif defined(__AVX__)
#define TD_HOST_VW 8
#else
#define TD_HOST_VW 4
#endif
#endif

typedef float td_vf __attribute__((vector_size(TD_HOST_VW * 4)));

/* A TD_HOST_VW wider than the compiler's target ISA (HostGemmTest builds 16 and 8 lanes on any x86-64;
   `make HOST_ARCH=` builds 8 on plain SSE2) is lowered to narrower instructions, correctly; GCC then
   warns that passing such vectors by value "changes the ABI" (-Wpsabi). The functions that do are
   static to this file, so no caller on another ABI exists: the note does not apply. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

/* c + a b as one fused multiply-add where the machine has one (one rounding, as fmadd.s on the device),
   else a multiply and an add (-std=c99: the compiler does not contract them). */
#if TD_HOST_VW == 16 && defined(__AVX512F__)
#define TD_VFMA(a, b, c) ((td_vf)_mm512_fmadd_ps((__m512)(a), (__m512)(b), (__m512)(c)))
#define TD_HOST_FMA 1
#elif TD_HOST_VW == 8 && defined(__FMA__)
#define TD_VFMA(a, b, c) ((td_vf)_mm256_fmadd_ps((__m256)(a), (__m256)(b), (__m256)(c)))
#define TD_HOST_FMA 1
#elif TD_HOST_VW == 4 && defined(__FMA__)
#define TD_VFMA(a, b, c) ((td_vf)_mm_fmadd_ps((__m128)(a), (__m128)(b), (__m128)(c)))
#define TD_HOST_FMA 1
#else
#define TD_VFMA(a, b, c) ((c) + (a) * (b))
#endif

#if TD_HOST_VW == 16 && defined(__AVX512F__)
#define td_vsplat(x) ((td_vf)_mm512_set1_ps(x))
#elif TD_HOST_VW == 8 && defined(__AVX__)
#define td_vsplat(x) ((td_vf)_mm256_set1_ps(x))
#elif TD_HOST_VW == 4 && defined(__SSE__)
#define td_vsplat(x) ((td_vf)_mm_set1_ps(x))
#else
static inline td_vf td_vsplat(float x) {
    td_vf v;
    int32_t l;
    TD_UNROLL for (l = 0; l < TD_HOST_VW; l++) v[l] = x;
    return v;
}
#endif

static inline td_vf td_vld(const float *p) {
    td_vf v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* the first n lanes from p, zeros after */
static inline td_vf td_vldn(const float *p, int32_t n) {
    float tmp[TD_HOST_VW] = {0};
    if (n >= TD_HOST_VW) return td_vld(p);
    memcpy(tmp, p, (size_t)n * sizeof(float));
    return td_vld(tmp);
}

/* the first n lanes of v to p */
static inline void td_vstn(float *p, td_vf v, int32_t n) {
    if (n >= TD_HOST_VW) {
        memcpy(p, &v, sizeof v);
    } else {
        float tmp[TD_HOST_VW];
        memcpy(tmp, &v, sizeof v);
        memcpy(p, tmp, (size_t)n * sizeof(float));
    }
}

#define TD_HNV 2
#define TD_HNR (TD_HNV * TD_HOST_VW)
#define TD_HMR 6
/* Terms of B's panel packed at once (a multiple of TD_SUM_BLOCK); a longer reduction packs in chunks
   of this many per row block. */
#define TD_HKC 1024

/* Each core's packed panel of B. */
static float td_hpack[TD_NUM_CORES][TD_HKC * TD_HNR] __attribute__((aligned(64)));

/* tot[i][v] (+)= the sums of the kc terms of A's rows i (A(i, t) = a[i ars + t ats]) with the packed
   panel bp [kc][TD_HNR]: per TD_SUM_BLOCK terms a partial sum from zero, then added into tot (first:
   the first block's is tot). */
#define TD_HKERNEL(MR)                                                                                  \
    static void td_hk##MR(const float *a, int32_t ars, int32_t ats, const float *bp, int32_t kc, td_vf *tot, \
                          int32_t first) {                                                               \
        int32_t t0, i, v;                                                                                \
        for (t0 = 0; t0 < kc; t0 += TD_SUM_BLOCK) {                                                      \
            const int32_t nt = kc - t0 < TD_SUM_BLOCK ? kc - t0 : TD_SUM_BLOCK;                          \
            const float *pa = a + (size_t)t0 * ats, *pb = bp + (size_t)t0 * TD_HNR;                      \
            td_vf s[MR][TD_HNV];                                                                         \
            int32_t t;                                                                                   \
            TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (v = 0; v < TD_HNV; v++) s[i][v] = td_vsplat(0); \
            for (t = 0; t < nt; t++, pa += ats, pb += TD_HNR) {                                          \
                td_vf bv[TD_HNV];                                                                        \
                TD_UNROLL for (v = 0; v < TD_HNV; v++) bv[v] = td_vld(pb + v * TD_HOST_VW);              \
                TD_UNROLL for (i = 0; i < MR; i++) {                                                     \
                    const td_vf av = td_vsplat(pa[(size_t)i * ars]);                                     \
                    TD_UNROLL for (v = 0; v < TD_HNV; v++) s[i][v] = TD_VFMA(av, bv[v], s[i][v]);        \
                }                                                                                        \
            }                                                                                            \
            if (first && t0 == 0)                                                                        \
                TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (v = 0; v < TD_HNV; v++) tot[i * TD_HNV + v] = s[i][v]; \
            else                                                                                         \
                TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (v = 0; v < TD_HNV; v++) tot[i * TD_HNV + v] += s[i][v]; \
        }                                                                                                \
    }
TD_HKERNEL(1)
TD_HKERNEL(2)
TD_HKERNEL(3)
TD_HKERNEL(4)
TD_HKERNEL(5)
TD_HKERNEL(6)

typedef void (*td_hk_fn)(const float *, int32_t, int32_t, const float *, int32_t, td_vf *, int32_t);

/* dst [kc][TD_HNR]: zeros in the columns from cols on (a panel past n). */
static void td_hpanel_pad(float *dst, int32_t kc, int32_t cols) {
    int32_t t, j;
    for (t = 0; cols < TD_HNR && t < kc; t++)
        for (j = cols; j < TD_HNR; j++) dst[(size_t)t * TD_HNR + j] = 0;
}

/* dst [kc][TD_HNR] = B(t, j) = b[t bts + j bcs] for j < cols, 0 for the rest of the panel. */
static void td_hpack_panel(float *dst, const float *b, int32_t bts, int32_t bcs, int32_t kc, int32_t cols) {
    int32_t t, j;
    if (bcs == 1) {
        for (t = 0; t < kc; t++) memcpy(dst + (size_t)t * TD_HNR, b + (size_t)t * bts, (size_t)cols * sizeof(float));
    } else {
        for (j = 0; j < cols; j++) {
            const float *bj = b + (size_t)j * bcs;
            float *d = dst + j;
            for (t = 0; t < kc; t++) d[(size_t)t * TD_HNR] = bj[(size_t)t * bts];
        }
    }
    td_hpanel_pad(dst, kc, cols);
}

/* A block's outputs from its sums tot [rows][TD_HNV]: C(i, j) = c[i ldc + j] for j < cols, as
   td_gemm.h says (alpha, bias, res, accumulate; x: a bias per row or LoRA's rank terms). The same
   forms as the device's epilogue (TD_GEMM_EPILOGUE, TD_LORA_KERNEL), in float. */
static void td_hepi_block(const td_vf *tot, int32_t rows, int32_t cols, float *c, const float *bias, const float *res,
                          const td_epi *e, const td_hepi *x, const float *lbp, int32_t i0, int32_t j0) {
    const float alpha = (float)e->alpha;
    const td_vf va = td_vsplat(alpha);
    int32_t i, v;
    for (i = 0; i < rows; i++) {
        float *ci = c + (size_t)i * e->ldc;
        for (v = 0; v < TD_HNV && v * TD_HOST_VW < cols; v++) {
            const int32_t j = v * TD_HOST_VW, nl = cols - j;
            td_vf s = tot[i * TD_HNV + v];
            if (x != NULL && x->rank > 0) {
                const int32_t rank = x->rank;
                const float *lt = x->lt + (size_t)(i0 + i) * rank;
                int32_t q, l;
                if (alpha != 1) s = va * s;
                if (bias != NULL) s += td_vldn(bias + j, nl);
                for (q = 0; q < rank; q++) {
                    td_vf bq = td_vsplat(0);
                    const float av = x->scale != 1 ? x->scale * lt[q] : lt[q];
                    if (lbp != NULL) bq = td_vld(lbp + (size_t)q * TD_HNR + j);
                    else for (l = 0; l < TD_HOST_VW && l < nl; l++) bq[l] = x->lb[(size_t)(j0 + j + l) * rank + q];
                    s = TD_VFMA(td_vsplat(av), bq, s);
                }
            } else if (x != NULL && x->rbias != NULL) {
                s = (alpha != 1 ? va * s : s) + td_vsplat(x->rbias[i0 + i]);
            } else if (e->mode == TD_EPI_STORE1) {
            } else if (e->mode == TD_EPI_ADD) {
                s = TD_VFMA(va, s, td_vldn(ci + j, nl));
            } else if (e->mode == TD_EPI_B1) {
                s += td_vldn(bias + j, nl);
            } else if (e->mode == TD_EPI_R1) {
                s += td_vldn(res + (size_t)i * e->ldr + j, nl);
            } else {
                s = va * s + (bias != NULL ? td_vldn(bias + j, nl) : td_vsplat(0)) +
                    (res != NULL ? td_vldn(res + (size_t)i * e->ldr + j, nl) : td_vsplat(0));
            }
            td_vstn(ci + j, s, nl);
        }
    }
}

void td_hgemm_run(const td_gemm *g, int32_t batch, const int32_t *a_off, const int32_t *b_off, const td_hepi *x) {
    static const td_hk_fn kern[TD_HMR + 1] = {NULL, td_hk1, td_hk2, td_hk3, td_hk4, td_hk5, td_hk6};
    const int32_t m = g->m, n = g->n, k = g->k;
    const int32_t panels = (n + TD_HNR - 1) / TD_HNR, rblocks = (m + TD_HMR - 1) / TD_HMR;
    float *buf = td_hpack[td_core_id()];
    /* LoRA's B panel [rank][TD_HNR] packed after B's when both fit the scratch (else gathered per block) */
    const int32_t lbpack = x != NULL && x->rank > 0 && k > 0 && k + x->rank <= TD_HKC;
    int32_t lo, hi, u, packed = -1;
    td_vf tot[TD_HMR * TD_HNV];
    td_epi e = g->e;
    if (m <= 0 || n <= 0) return;
    e.mode = td_epi_mode(&e, g->bias, g->res);
    td_split(batch * panels * rblocks, &lo, &hi);
    for (u = lo; u < hi; u++) {
        const int32_t p = u / (panels * rblocks), pn = (u / rblocks) % panels, rb = u % rblocks;
        const int32_t i0 = rb * TD_HMR, j0 = pn * TD_HNR;
        const int32_t rows = m - i0 < TD_HMR ? m - i0 : TD_HMR, cols = n - j0 < TD_HNR ? n - j0 : TD_HNR;
        const float *pa = g->a + (a_off != NULL ? (size_t)a_off[p] : (size_t)p * g->a_step) + (size_t)i0 * g->ars;
        const float *pb = g->b + (b_off != NULL ? (size_t)b_off[p] : (size_t)p * g->b_step) + (size_t)j0 * g->bcs;
        float *pc = g->c + ((size_t)p * m + i0) * g->e.ldc + j0;
        int32_t t0, q;
        if (k <= 0) for (q = 0; q < TD_HMR * TD_HNV; q++) tot[q] = td_vsplat(0);
        for (t0 = 0; t0 < k; t0 += TD_HKC) {
            const int32_t kc = k - t0 < TD_HKC ? k - t0 : TD_HKC;
            if (k > TD_HKC || packed != p * panels + pn) {
                if (x != NULL && x->pack != NULL) {
                    x->pack(buf, TD_HNR, x->ctx, p, t0, kc, j0, cols);
                    td_hpanel_pad(buf, kc, cols);
                } else {
                    td_hpack_panel(buf, pb + (size_t)t0 * g->bts, g->bts, g->bcs, kc, cols);
                }
                if (lbpack) td_hpack_panel(buf + (size_t)k * TD_HNR, x->lb + (size_t)j0 * x->rank, 1, x->rank, x->rank, cols);
                packed = p * panels + pn;
            }
            kern[rows](pa + (size_t)t0 * g->ats, g->ars, g->ats, buf, kc, tot, t0 == 0);
        }
        td_hepi_block(tot, rows, cols, pc, g->bias != NULL ? g->bias + j0 : NULL,
                      g->res != NULL ? g->res + (size_t)i0 * g->e.ldr + j0 : NULL, &e, x,
                      lbpack ? buf + (size_t)k * TD_HNR : NULL, i0, j0);
    }
}

void td_gemm_init(td_gemm *g, int32_t apack, int32_t bpack) {
    int32_t r, q;
    (void)apack, (void)bpack;
    for (r = 0; r < 2; r++) for (q = 0; q < 3; q++) g->fn[r][q] = NULL;
    g->small = NULL;
    g->a_step = 0, g->b_step = 0;
}

void td_gemm_run(const td_gemm *g, int32_t batch, const int32_t *a_off, const int32_t *b_off) {
    td_hgemm_run(g, batch, a_off, b_off, NULL);
}

/* t = x A^T first (all cores, then a barrier: a block's rank terms read whole rows of t), unless an
   earlier column tile of these rows left it in t; then y = alpha x op(W) + b + scale t B^T, the rank
   terms in the epilogue of y's blocks (td_hepi_block). */
void td_lora_linear(const td_lora_linear_args *a) {
    const int32_t m = a->rows, n = a->n, k = a->k;
    td_gemm g;
    td_hepi x;
    if (m <= 0 || n <= 0) return;
    if (!a->t_ready) {
        td_lora_t_product(a, &g);
        td_hgemm_run(&g, 1, NULL, NULL, NULL);
        td_barrier();
    }
    g.a = a->x, g.ars = k, g.ats = 1;
    g.b = a->w;
    if (a->trans_w) g.bts = 1, g.bcs = k;
    else g.bts = n, g.bcs = 1;
    g.m = m, g.n = n, g.k = k;
    g.c = a->y, g.e.ldc = n, g.e.ldr = 0, g.e.alpha = a->alpha, g.e.accumulate = 0;
    g.bias = a->b, g.res = NULL;
    td_gemm_init(&g, 0, !a->trans_w);
    x.rbias = NULL, x.lt = a->t, x.lb = a->lb, x.rank = a->r, x.scale = (float)a->scale, x.pack = NULL, x.ctx = NULL;
    td_hgemm_run(&g, 1, NULL, NULL, &x);
}
#endif /* TD_HOST_GEMM */
