/* Data movement: region copies through strided views (Transpose, Expand, Slice, Split, Concat, SliceGrad) and gathers. */
#include <string.h>

#include "td_kernels.h"
#include "td_math.h"
#include "td_nd.h"

/* n elements of elem_size bytes from x (stride xs elements) to y (stride ys). */
static void td_copy_run(unsigned char *y, int32_t ys, const unsigned char *x, int32_t xs, int32_t n, int32_t elem_size) {
    int32_t r;
    if (elem_size == 4 && ((uintptr_t)y & 3u) == 0 && ((uintptr_t)x & 3u) == 0) {
        uint32_t *yw = (uint32_t *)(void *)y;
        const uint32_t *xw = (const uint32_t *)(const void *)x;
        if (ys == 1 && xs == 1) {
#ifdef TD_HOST
            memmove(yw, xw, sizeof(uint32_t) * (size_t)n); /* the C library's copy (views may share bytes) */
#else
            for (r = 0; r < n; r++) yw[r] = xw[r];
#endif
        } else {
            for (r = 0; r < n; r++, yw += ys, xw += xs) *yw = *xw;
        }
    } else if (elem_size == 1) {
        for (r = 0; r < n; r++) y[(size_t)r * ys] = x[(size_t)r * xs];
    } else {
        for (r = 0; r < n; r++) memcpy(y + (size_t)r * ys * elem_size, x + (size_t)r * xs * elem_size, (size_t)elem_size);
    }
}

/* The region is walked in runs along its last axis: one tight strided loop per run. */
void td_copy(const td_copy_args *a) {
    const int32_t *strides[2];
    int32_t idx[TD_MAX_RANK];
    int32_t off[2];
    int32_t lo, hi, i, last = a->rank - 1;
    unsigned char *y = (unsigned char *)a->y;
    const unsigned char *x = (const unsigned char *)a->x;
    const size_t es = (size_t)a->elem_size;
    td_split(a->n, &lo, &hi);
    if (lo >= hi) return;
    if (a->rank == 0) {
        memcpy(y + es * (size_t)a->y_offset, x + es * (size_t)a->x_offset, es);
        return;
    }
    strides[0] = a->y_strides;
    strides[1] = a->x_strides;
    td_nd_seek(a->rank, a->shape, 2, strides, lo, idx, off);
    for (i = lo; i < hi;) {
        int32_t run = a->shape[last] - idx[last];
        if (run > hi - i) run = hi - i;
        td_copy_run(y + es * (size_t)(a->y_offset + off[0]), a->y_strides[last], x + es * (size_t)(a->x_offset + off[1]),
                    a->x_strides[last], run, a->elem_size);
        i += run;
        if (i >= hi) break;
        /* to the run's last element, then one step (which carries into the outer axes) */
        off[0] += (run - 1) * a->y_strides[last];
        off[1] += (run - 1) * a->x_strides[last];
        idx[last] += run - 1;
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
