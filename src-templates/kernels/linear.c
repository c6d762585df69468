/*
 * Fully connected layers and matrix products. Work is split over (row, block of 4 columns)
 * units; each unit keeps its 4 accumulators in registers and walks the reduction once, in
 * index order (the order of the reference interpreter), in blocks of TD_SUM_BLOCK terms whose
 * partial sums are added into the totals (accurate in a float td_acc, td_math.h).
 */
#include "td_kernels.h"
#include "td_math.h"

#define TD_NB 4

/* The end of the block of the reduction that starts at i0. */
static inline int32_t td_block_end(int32_t i0, int32_t n) { return n - i0 < TD_SUM_BLOCK ? n : i0 + TD_SUM_BLOCK; }

void td_linear(const td_linear_args *a) {
    int32_t blocks = (a->n + TD_NB - 1) / TD_NB;
    const td_real alpha = a->alpha;
    int32_t lo, hi, u;
    td_split(a->rows * blocks, &lo, &hi);
    for (u = lo; u < hi; u++) {
        int32_t r = u / blocks;
        int32_t j0 = (u % blocks) * TD_NB;
        int32_t cnt = a->n - j0 < TD_NB ? a->n - j0 : TD_NB;
        const float *x = a->x + (size_t)r * a->k;
        td_acc acc[TD_NB] = {0, 0, 0, 0};
        int32_t i, i0, i1, q;
        for (i0 = 0; i0 < a->k; i0 = i1) {
            td_acc p[TD_NB] = {0, 0, 0, 0};
            i1 = td_block_end(i0, a->k);
            if (cnt == TD_NB && !a->trans_w) {
                for (i = i0; i < i1; i++) {
                    const float *w = a->w + (size_t)i * a->n + j0;
                    td_acc xv = x[i];
                    p[0] += xv * w[0];
                    p[1] += xv * w[1];
                    p[2] += xv * w[2];
                    p[3] += xv * w[3];
                }
            } else if (cnt == TD_NB) {
                const float *w0 = a->w + (size_t)j0 * a->k;
                const float *w1 = w0 + a->k;
                const float *w2 = w1 + a->k;
                const float *w3 = w2 + a->k;
                for (i = i0; i < i1; i++) {
                    td_acc xv = x[i];
                    p[0] += xv * w0[i];
                    p[1] += xv * w1[i];
                    p[2] += xv * w2[i];
                    p[3] += xv * w3[i];
                }
            } else {
                for (q = 0; q < cnt; q++) {
                    for (i = i0; i < i1; i++) {
                        float w = a->trans_w ? a->w[(size_t)(j0 + q) * a->k + i] : a->w[(size_t)i * a->n + j0 + q];
                        p[q] += (td_acc)x[i] * w;
                    }
                }
            }
            for (q = 0; q < TD_NB; q++) acc[q] += p[q];
        }
        for (q = 0; q < cnt; q++) {
            float *y = &a->y[(size_t)r * a->n + j0 + q];
            if (a->accumulate) {
                *y = (float)((td_real)*y + alpha * (td_real)acc[q]);
            } else {
                td_real bias = a->b != NULL ? (td_real)a->b[j0 + q] : 0;
                td_real res = a->r != NULL ? (td_real)a->r[(size_t)r * a->n + j0 + q] : 0;
                *y = (float)(alpha * (td_real)acc[q] + bias + res);
            }
        }
    }
}

void td_linear_grad_weight(const td_linear_grad_weight_args *a) {
    int32_t blocks = (a->n + TD_NB - 1) / TD_NB;
    const td_real alpha = a->alpha;
    int32_t lo, hi, u;
    td_split(a->k * blocks, &lo, &hi);
    for (u = lo; u < hi; u++) {
        int32_t i = u / blocks;
        int32_t j0 = (u % blocks) * TD_NB;
        int32_t cnt = a->n - j0 < TD_NB ? a->n - j0 : TD_NB;
        td_acc acc[TD_NB] = {0, 0, 0, 0};
        int32_t r, r0, r1, q;
        for (r0 = 0; r0 < a->rows; r0 = r1) {
            td_acc p[TD_NB] = {0, 0, 0, 0};
            r1 = td_block_end(r0, a->rows);
            for (r = r0; r < r1; r++) {
                td_acc xv = a->x[(size_t)r * a->k + i];
                const float *dy = a->dy + (size_t)r * a->n + j0;
                for (q = 0; q < cnt; q++) p[q] += xv * dy[q];
            }
            for (q = 0; q < TD_NB; q++) acc[q] += p[q];
        }
        for (q = 0; q < cnt; q++) {
            int32_t j = j0 + q;
            float *dw = a->trans_w ? &a->dw[(size_t)j * a->k + i] : &a->dw[(size_t)i * a->n + j];
            *dw = (float)((td_real)acc[q] * alpha + (a->accumulate ? (td_real)*dw : 0));
        }
    }
}

void td_matmul(const td_matmul_args *a) {
    int32_t blocks = (a->n + TD_NB - 1) / TD_NB;
    int32_t lo, hi, u;
    td_split(a->batch * a->m * blocks, &lo, &hi);
    for (u = lo; u < hi; u++) {
        int32_t p = u / (a->m * blocks);
        int32_t i = (u / blocks) % a->m;
        int32_t j0 = (u % blocks) * TD_NB;
        int32_t cnt = a->n - j0 < TD_NB ? a->n - j0 : TD_NB;
        const float *arow = a->a + a->a_off[p] + (size_t)i * a->k;
        const float *bm = a->b + a->b_off[p];
        float *y = a->y + ((size_t)p * a->m + i) * a->n + j0;
        td_acc acc[TD_NB] = {0, 0, 0, 0};
        int32_t q, t, t0, t1;
        for (t0 = 0; t0 < a->k; t0 = t1) {
            td_acc s[TD_NB] = {0, 0, 0, 0};
            t1 = td_block_end(t0, a->k);
            if (cnt == TD_NB) {
                for (t = t0; t < t1; t++) {
                    const float *brow = bm + (size_t)t * a->n + j0;
                    td_acc av = arow[t];
                    s[0] += av * brow[0];
                    s[1] += av * brow[1];
                    s[2] += av * brow[2];
                    s[3] += av * brow[3];
                }
            } else {
                for (t = t0; t < t1; t++) {
                    td_acc av = arow[t];
                    for (q = 0; q < cnt; q++) s[q] += av * bm[(size_t)t * a->n + j0 + q];
                }
            }
            for (q = 0; q < TD_NB; q++) acc[q] += s[q];
        }
        for (q = 0; q < cnt; q++) y[q] = (float)acc[q];
    }
}
