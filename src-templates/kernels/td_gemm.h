/*
 * td_gemm.h - linear.c's register-blocked product, shared with the other kernel families (conv.c's
 * pointwise convolutions and their gradients): C(i, j) = sum_t A(i, t) B(t, j) in blocks of up to
 * 4 x 4 outputs, A(i, t) = a[i * ars + t * ats], B(t, j) = b[t * bts + j * bcs], either ars or ats
 * 1 and either bts or bcs 1 (td_gemm_init's apack: ars == 1; bpack: bcs == 1). Sums run in index
 * order, blocked by TD_SUM_BLOCK terms; C(i, j) = c[i * e.ldc + j] gets alpha * sum (+ bias[j]
 * + res[i * e.ldr + j]), or with e.accumulate C += alpha * sum.
 */
#ifndef TD_GEMM_H
#define TD_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "td_math.h"

/* Where a block's sums go (see above); mode is td_gemm_run's, decided once per call. */
typedef struct {
    int32_t ldc, ldr;
    td_real alpha;
    int32_t accumulate;
    int32_t mode;
} td_epi;

typedef void (*td_gemm_fn)(const float *, int32_t, int32_t, const float *, int32_t, int32_t, int32_t, float *,
                           const float *, const float *, const td_epi *, td_acc *, int32_t);

/* A product's operands, its output and the kernels of its layout ([row block 4 or 1][column block 4, 2, 1]).
   a_step, b_step: the distance between the products of a batch when td_gemm_run gets no offset arrays
   (td_gemm_init sets them to 0; set them after it). */
typedef struct {
    const float *a, *b;
    int32_t ars, ats, bts, bcs;
    int32_t m, n, k;
    float *c;
    const float *bias, *res;
    td_epi e;
    td_gemm_fn fn[2][3];
    td_gemm_fn small; /* a TD_SMALLK_KERNEL for 4-row blocks when k <= 4 (else NULL): its last argument is the number of columns */
    size_t a_step, b_step;
} td_gemm;

/* Picks the kernels for the layout (all fields but fn, small, a_step, b_step set first). */
void td_gemm_init(td_gemm *g, int32_t apack, int32_t bpack);

/* This core's blocks of `batch` products (all cores call it; no barrier); product p's C at
   c + p * m * e.ldc, A at a + a_off[p] (or p * a_step), B at b + b_off[p] (or p * b_step). The split
   depends only on (batch, m, n, k): repeated calls of the same shape give each core the same outputs. */
void td_gemm_run(const td_gemm *g, int32_t batch, const int32_t *a_off, const int32_t *b_off);

/*
 * The host's product (TD_HOST_GEMM: a target with a double-precision FPU, td_target.h without
 * TD_NO_DOUBLE, built by GCC or Clang for the machine that runs it; -DTD_PORTABLE_GEMM opts out).
 * The device kernels above are rv32-shaped (4 x 4 scalar blocks), and on the host their td_acc is
 * double, which the compiler does not vectorize; the host instead runs a float SIMD product
 * (linear.c): blocks of TD_HMR rows x a panel of TD_HNR columns, B's panel packed per core, each
 * output's sum in index order with one (vector) fused multiply-add per term where the machine has
 * one, blocked by TD_SUM_BLOCK terms like the device's float sums; td_gemm_run and td_lora_linear
 * call it. The split: units (product, column panel, row block), contiguous per core, so it depends
 * only on the shape and every output's arithmetic on nothing but its operands.
 */
#if !defined(TD_NO_DOUBLE) && !defined(TD_RV32) && !defined(TD_PULP) && !defined(TD_PORTABLE_GEMM) && \
    defined(__GNUC__)
#define TD_HOST_GEMM 1
#endif

#ifdef TD_HOST_GEMM
/* What td_hgemm_run adds to td_gemm: a bias per row (convolutions: C(i, j) = sum + rbias[i]), or LoRA's
   rank terms (C(i, j) = alpha sum + bias[j] + sum_q scale lt[i rank + q] lb[j rank + q], rank > 0;
   e.accumulate and res unused then); and B given by a function instead of g->b (pack != NULL:
   dst[t * ld + j] = B(t0 + t, j0 + j) of product p for t < kc, j < cols, e.g. a convolution's
   unfolded input, read straight from the image). */
typedef struct {
    const float *rbias;
    const float *lt, *lb;
    int32_t rank;
    float scale;
    void (*pack)(float *dst, int32_t ld, const void *ctx, int32_t p, int32_t t0, int32_t kc, int32_t j0, int32_t cols);
    const void *ctx;
} td_hepi;

/* td_gemm_run with td_hepi's extras (x may be NULL); g->fn, g->small unused. */
void td_hgemm_run(const td_gemm *g, int32_t batch, const int32_t *a_off, const int32_t *b_off, const td_hepi *x);
#endif

#endif /* TD_GEMM_H */
