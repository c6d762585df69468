/* ReduceSum / ReduceMean / GlobalAveragePool: each output element sums its reduced box in row-major
   order, in blocks of TD_SUM_BLOCK terms (td_math.h). */
#include "td_kernels.h"
#include "td_math.h"
#include "td_nd.h"

void td_reduce(const td_reduce_args *a) {
    const int32_t *out_strides[1];
    const int32_t *red_strides[1];
    int32_t oidx[TD_MAX_RANK];
    int32_t ridx[TD_MAX_RANK];
    int32_t base[1];
    int32_t lo, hi, o;
    int32_t red_n = 1, d;
    for (d = 0; d < a->red_rank; d++) red_n *= a->red_shape[d];
    td_split(a->n_out, &lo, &hi);
    if (lo >= hi) return;
    out_strides[0] = a->out_strides;
    red_strides[0] = a->red_strides;
    td_nd_seek(a->out_rank, a->out_shape, 1, out_strides, lo, oidx, base);
    for (o = lo; o < hi; o++) {
        td_acc s = 0;
        int32_t off[1];
        int32_t r0, r;
        td_nd_seek(a->red_rank, a->red_shape, 1, red_strides, 0, ridx, off);
        for (r0 = 0; r0 < red_n; r0 += TD_SUM_BLOCK) {
            int32_t r1 = red_n - r0 < TD_SUM_BLOCK ? red_n : r0 + TD_SUM_BLOCK;
            td_acc part = 0;
            for (r = r0; r < r1; r++) {
                part += a->x[base[0] + off[0]];
                td_nd_next(a->red_rank, a->red_shape, 1, red_strides, ridx, off);
            }
            s += part;
        }
        a->y[o] = (float)(s / a->divisor);
        td_nd_next(a->out_rank, a->out_shape, 1, out_strides, oidx, base);
    }
}
