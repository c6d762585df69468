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
 */
#include "td_kernels.h"
#include "td_math.h"

/* out[i * NR + j] = sum_{t < k} A(i, t) B(t, j), A(i, t) = a[i * ars + t * ats], B(t, j) = b[t * bts + j * bcs].
   APACK: ars == 1 (one pointer, the rows at immediate offsets), else ats == 1 (one pointer per row);
   BPACK: bcs == 1, else bts == 1, likewise. The reduction runs two terms per iteration. */
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

/* Where a block's sums go (tot: scratch of MR * NR totals for k > TD_SUM_BLOCK): C(i, j) = c[i * ldc + j] gets alpha * sum (+ bias[j] + res[i * ldr + j] when
   those are not NULL), or with accumulate C += alpha * sum. */
typedef struct {
    int32_t ldc, ldr;
    td_real alpha;
    int32_t accumulate;
} td_epi;

#define TD_GEMM_KERNEL(NAME, MR, NR, APACK, BPACK)                                                      \
    static void NAME(const float *a, int32_t ars, int32_t ats, const float *b, int32_t bts, int32_t bcs, \
                     int32_t k, float *c, const float *bias, const float *res, const td_epi *e, td_acc *tot, \
                     int32_t nblk) {                                                                    \
        const td_real alpha = e->alpha;                                                                 \
        for (; nblk > 0; nblk--, b += (size_t)NR * bcs, c += NR, bias = bias != NULL ? bias + NR : NULL, \
                         res = res != NULL ? res + NR : NULL) {                                         \
        const float *pa[MR], *pb[NR];                                                                   \
        td_acc s[MR][NR];                                                                               \
        int32_t i, j, t0;                                                                               \
        TD_UNROLL for (i = 0; i < MR; i++) pa[i] = a + (APACK ? (size_t)i : (size_t)i * ars);           \
        TD_UNROLL for (j = 0; j < NR; j++) pb[j] = b + (BPACK ? (size_t)j : (size_t)j * bcs);           \
        TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) s[i][j] = 0;              \
        for (t0 = 0; t0 < k; t0 += TD_SUM_BLOCK) {                                                      \
            int32_t t = k - t0 < TD_SUM_BLOCK ? k - t0 : TD_SUM_BLOCK;                                  \
            if (t0 > 0) TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) s[i][j] = 0; \
            for (; t >= 2; t -= 2) {                                                                    \
                TD_GEMM_STEP(MR, NR, APACK, BPACK, 0);                                                  \
                TD_GEMM_STEP(MR, NR, APACK, BPACK, 1);                                                  \
                if (!APACK) TD_UNROLL for (i = 0; i < MR; i++) pa[i] += 2;                              \
                if (!BPACK) TD_UNROLL for (j = 0; j < NR; j++) pb[j] += 2;                              \
            }                                                                                           \
            if (t > 0) {                                                                                \
                TD_GEMM_STEP(MR, NR, APACK, BPACK, 0);                                                  \
                if (!APACK) TD_UNROLL for (i = 0; i < MR; i++) pa[i] += 1;                              \
                if (!BPACK) TD_UNROLL for (j = 0; j < NR; j++) pb[j] += 1;                              \
            }                                                                                           \
            if (k > TD_SUM_BLOCK) {                                                                     \
                if (t0 == 0) TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) tot[i * NR + j] = s[i][j]; \
                else TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) tot[i * NR + j] += s[i][j]; \
            }                                                                                           \
        }                                                                                               \
        if (k > TD_SUM_BLOCK) TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++) s[i][j] = tot[i * NR + j]; \
        if (e->accumulate) {                                                                            \
            TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++)                       \
                c[i * e->ldc + j] = (float)TD_FMA(alpha, (td_real)s[i][j], (td_real)c[i * e->ldc + j]);  \
        } else if (bias == NULL && res == NULL) {                                                       \
            TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++)                       \
                c[i * e->ldc + j] = (float)(alpha * (td_real)s[i][j]);                                  \
        } else {                                                                                        \
            TD_UNROLL for (i = 0; i < MR; i++) TD_UNROLL for (j = 0; j < NR; j++)                       \
                c[i * e->ldc + j] = (float)(alpha * (td_real)s[i][j] + (bias != NULL ? (td_real)bias[j] : 0) + \
                                            (res != NULL ? (td_real)res[i * e->ldr + j] : 0));          \
        }                                                                                               \
        }                                                                                               \
    }

/* The three layouts: rows x contiguous-columns (x W, A B), rows x column pointers (x W^T),
   packed x packed (x^T dy). */
#define TD_GEMM_LAYOUT(SUF, APACK, BPACK)              \
    TD_GEMM_KERNEL(td_gemm44_##SUF, 4, 4, APACK, BPACK) \
    TD_GEMM_KERNEL(td_gemm42_##SUF, 4, 2, APACK, BPACK) \
    TD_GEMM_KERNEL(td_gemm41_##SUF, 4, 1, APACK, BPACK) \
    TD_GEMM_KERNEL(td_gemm14_##SUF, 1, 4, APACK, BPACK) \
    TD_GEMM_KERNEL(td_gemm12_##SUF, 1, 2, APACK, BPACK) \
    TD_GEMM_KERNEL(td_gemm11_##SUF, 1, 1, APACK, BPACK)
TD_GEMM_LAYOUT(rc, 0, 1)
TD_GEMM_LAYOUT(rr, 0, 0)
TD_GEMM_LAYOUT(cc, 1, 1)

typedef void (*td_gemm_fn)(const float *, int32_t, int32_t, const float *, int32_t, int32_t, int32_t, float *,
                           const float *, const float *, const td_epi *, td_acc *, int32_t);

/* A product's operands, its output and the kernels of its layout ([row block 4 or 1][column block 4, 2, 1]). */
typedef struct {
    const float *a, *b;
    int32_t ars, ats, bts, bcs;
    int32_t m, n, k;
    float *c;
    const float *bias, *res;
    td_epi e;
    td_gemm_fn fn[2][3];
} td_gemm;

static void td_gemm_init(td_gemm *g, int32_t apack, int32_t bpack) {
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

/* This core's blocks of the batch of m x n products: units batch-major, then row block, then column
   block; C of product p at c + p * m * ldc, A at a + a_off[p], B at b + b_off[p] (offsets optional). */
static void td_gemm_run(const td_gemm *g, int32_t batch, const int32_t *a_off, const int32_t *b_off) {
    int32_t cb = td_col_blocks(g->n);
    int32_t mr = td_row_block(cb * batch, g->m);
    int32_t full = mr == 4 ? g->m / 4 : 0;
    int32_t rb = full + (g->m - 4 * full);
    int32_t lo, hi, u;
    td_acc tot[16]; /* the kernels' running totals of sums longer than TD_SUM_BLOCK */
    if (g->m <= 0 || g->n <= 0) return;
    td_split(batch * rb * cb, &lo, &hi);
    for (u = lo; u < hi;) {
        int32_t p = u / (rb * cb), r = (u / cb) % rb, cbk = u % cb;
        int32_t i0, j0, rows, cols, nblk = 1;
        if (r < full) i0 = r * 4, rows = 4;
        else i0 = 4 * full + (r - full), rows = 1;
        if (cbk < g->n / 4) {
            /* this core's run of 4-column blocks in the row block: one call */
            j0 = cbk * 4, cols = 4;
            nblk = g->n / 4 - cbk < hi - u ? g->n / 4 - cbk : hi - u;
        } else if (cbk == g->n / 4 && g->n % 4 >= 2) {
            j0 = g->n / 4 * 4, cols = 2;
        } else {
            j0 = g->n - 1, cols = 1;
        }
        g->fn[rows == 4 ? 0 : 1][cols == 4 ? 0 : cols == 2 ? 1 : 2](
            g->a + (a_off != NULL ? a_off[p] : 0) + (size_t)i0 * g->ars, g->ars, g->ats,
            g->b + (b_off != NULL ? b_off[p] : 0) + (size_t)j0 * g->bcs, g->bts, g->bcs, g->k,
            g->c + ((size_t)p * g->m + i0) * g->e.ldc + j0, g->bias != NULL ? g->bias + j0 : NULL,
            g->res != NULL ? g->res + (size_t)i0 * g->e.ldr + j0 : NULL, &g->e, tot, nblk);
        u += nblk;
    }
}

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
