/* Data movement: region copies through strided views (Transpose, Expand, Slice, Split, Concat, SliceGrad) and gathers. */
#include <string.h>

#include "td_kernels.h"
#include "td_nd.h"

void td_copy(const td_copy_args *a) {
    const int32_t *strides[2];
    int32_t idx[TD_MAX_RANK];
    int32_t off[2];
    int32_t lo, hi, i;
    unsigned char *y = (unsigned char *)a->y;
    const unsigned char *x = (const unsigned char *)a->x;
    td_split(a->n, &lo, &hi);
    if (lo >= hi) return;
    strides[0] = a->y_strides;
    strides[1] = a->x_strides;
    td_nd_seek(a->rank, a->shape, 2, strides, lo, idx, off);
    for (i = lo; i < hi; i++) {
        size_t yo = (size_t)(a->y_offset + off[0]);
        size_t xo = (size_t)(a->x_offset + off[1]);
        switch (a->elem_size) {
            case 1: y[yo] = x[xo]; break;
            case 4: memcpy(y + 4 * yo, x + 4 * xo, 4); break;
            case 8: memcpy(y + 8 * yo, x + 8 * xo, 8); break;
            default: memcpy(y + (size_t)a->elem_size * yo, x + (size_t)a->elem_size * xo, (size_t)a->elem_size); break;
        }
        td_nd_next(a->rank, a->shape, 2, strides, idx, off);
    }
}

void td_scatter(const td_scatter_args *a) {
    int32_t lo, hi;
    td_split(a->y_size, &lo, &hi);
    if (hi > lo && a->fill == 0) {
        memset((unsigned char *)a->copy.y + (size_t)lo * (size_t)a->copy.elem_size, 0,
               (size_t)(hi - lo) * (size_t)a->copy.elem_size);
    } else if (hi > lo) {
        float *y = (float *)a->copy.y;
        int32_t i;
        for (i = lo; i < hi; i++) y[i] = a->fill;
    }
    td_barrier();
    td_copy(&a->copy);
}

/* The index idx[j] made non-negative, or -1 (and an error reported) when it is out of range. */
static int32_t td_index(const int64_t *idx64, const int32_t *idx32, int32_t j, int32_t dim) {
    int64_t v = idx64 != NULL ? idx64[j] : (int64_t)idx32[j];
    if (v < 0) v += dim;
    if (v < 0 || v >= dim) {
        td_report_error(TD_ERROR_INDEX_RANGE);
        return -1;
    }
    return (int32_t)v;
}

void td_gather(const td_gather_args *a) {
    int32_t total = a->outer * a->nidx * a->inner;
    int32_t lo, hi, e;
    td_split(total, &lo, &hi);
    for (e = lo; e < hi; e++) {
        int32_t i = e % a->inner;
        int32_t j = (e / a->inner) % a->nidx;
        int32_t o = e / (a->inner * a->nidx);
        int32_t jj = td_index(a->idx64, a->idx32, j, a->dim);
        a->y[e] = jj < 0 ? 0.0f : a->x[((size_t)o * a->dim + jj) * a->inner + i];
    }
}

void td_gather_grad(const td_gather_grad_args *a) {
    int32_t lo, hi, col;
    td_split(a->outer * a->inner, &lo, &hi);
    /* Core c owns whole columns (o, i) of dx, so duplicate indices never race. */
    for (col = lo; col < hi; col++) {
        int32_t o = col / a->inner;
        int32_t i = col % a->inner;
        int32_t d, j;
        for (d = 0; d < a->dim; d++) a->dx[((size_t)o * a->dim + d) * a->inner + i] = 0.0f;
        for (j = 0; j < a->nidx; j++) {
            int32_t jj = td_index(a->idx64, a->idx32, j, a->dim);
            if (jj >= 0) a->dx[((size_t)o * a->dim + jj) * a->inner + i] += a->dy[((size_t)o * a->nidx + j) * a->inner + i];
        }
    }
}
