/*
 * Fully connected layers and matrix products. Work is split over (row, block of 4 columns)
 * units; each unit keeps its 4 accumulators in registers and walks the reduction once, in
 * index order (the order of the reference interpreter).
 */
#include "td_kernels.h"

#define TD_NB 4

void td_linear(const td_linear_args *a) {
    int32_t blocks = (a->n + TD_NB - 1) / TD_NB;
    int32_t lo, hi, u;
    td_split(a->rows * blocks, &lo, &hi);
    for (u = lo; u < hi; u++) {
        int32_t r = u / blocks;
        int32_t j0 = (u % blocks) * TD_NB;
        int32_t cnt = a->n - j0 < TD_NB ? a->n - j0 : TD_NB;
        const float *x = a->x + (size_t)r * a->k;
        td_acc acc[TD_NB] = {0, 0, 0, 0};
        int32_t i, q;
        if (cnt == TD_NB && !a->trans_w) {
            for (i = 0; i < a->k; i++) {
                const float *w = a->w + (size_t)i * a->n + j0;
                td_acc xv = x[i];
                acc[0] += xv * w[0];
                acc[1] += xv * w[1];
                acc[2] += xv * w[2];
                acc[3] += xv * w[3];
            }
        } else if (cnt == TD_NB) {
            const float *w0 = a->w + (size_t)j0 * a->k;
            const float *w1 = w0 + a->k;
            const float *w2 = w1 + a->k;
            const float *w3 = w2 + a->k;
            for (i = 0; i < a->k; i++) {
                td_acc xv = x[i];
                acc[0] += xv * w0[i];
                acc[1] += xv * w1[i];
                acc[2] += xv * w2[i];
                acc[3] += xv * w3[i];
            }
        } else {
            for (q = 0; q < cnt; q++) {
                for (i = 0; i < a->k; i++) {
                    float w = a->trans_w ? a->w[(size_t)(j0 + q) * a->k + i] : a->w[(size_t)i * a->n + j0 + q];
                    acc[q] += (td_acc)x[i] * w;
                }
            }
        }
        for (q = 0; q < cnt; q++) {
            float *y = &a->y[(size_t)r * a->n + j0 + q];
            if (a->accumulate) {
                *y = (float)((double)*y + a->alpha * (double)acc[q]);
            } else {
                double bias = a->b != NULL ? (double)a->b[j0 + q] : 0.0;
                double res = a->r != NULL ? (double)a->r[(size_t)r * a->n + j0 + q] : 0.0;
                *y = (float)(a->alpha * (double)acc[q] + bias + res);
            }
        }
    }
}

void td_linear_grad_weight(const td_linear_grad_weight_args *a) {
    int32_t blocks = (a->n + TD_NB - 1) / TD_NB;
    int32_t lo, hi, u;
    td_split(a->k * blocks, &lo, &hi);
    for (u = lo; u < hi; u++) {
        int32_t i = u / blocks;
        int32_t j0 = (u % blocks) * TD_NB;
        int32_t cnt = a->n - j0 < TD_NB ? a->n - j0 : TD_NB;
        td_acc acc[TD_NB] = {0, 0, 0, 0};
        int32_t r, q;
        for (r = 0; r < a->rows; r++) {
            td_acc xv = a->x[(size_t)r * a->k + i];
            const float *dy = a->dy + (size_t)r * a->n + j0;
            for (q = 0; q < cnt; q++) acc[q] += xv * dy[q];
        }
        for (q = 0; q < cnt; q++) {
            int32_t j = j0 + q;
            float *dw = a->trans_w ? &a->dw[(size_t)j * a->k + i] : &a->dw[(size_t)i * a->n + j];
            *dw = (float)((double)acc[q] * a->alpha + (a->accumulate ? (double)*dw : 0.0));
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
        int32_t q, t;
        if (cnt == TD_NB) {
            for (t = 0; t < a->k; t++) {
                const float *brow = bm + (size_t)t * a->n + j0;
                td_acc av = arow[t];
                acc[0] += av * brow[0];
                acc[1] += av * brow[1];
                acc[2] += av * brow[2];
                acc[3] += av * brow[3];
            }
        } else {
            for (t = 0; t < a->k; t++) {
                td_acc av = arow[t];
                for (q = 0; q < cnt; q++) acc[q] += av * bm[(size_t)t * a->n + j0 + q];
            }
        }
        for (q = 0; q < cnt; q++) y[q] = (float)acc[q];
    }
}
