/* td_nd.h - walking a row-major index space while tracking the offsets of up to three operands. */
#ifndef TD_ND_H
#define TD_ND_H

#include <stdint.h>

/* Position the walk at flat index `flat`: idx = its multi-index, off[k] = sum_d idx[d] * strides[k][d]. */
static inline void td_nd_seek(int32_t rank, const int32_t *shape, int nops, const int32_t *const *strides,
                              int32_t flat, int32_t *idx, int32_t *off) {
    int32_t d;
    int k;
    for (k = 0; k < nops; k++) off[k] = 0;
    for (d = rank - 1; d >= 0; d--) {
        idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
        flat = shape[d] == 0 ? 0 : flat / shape[d];
        for (k = 0; k < nops; k++) off[k] += idx[d] * strides[k][d];
    }
}

/* Advance the walk by one element in row-major order. */
static inline void td_nd_next(int32_t rank, const int32_t *shape, int nops, const int32_t *const *strides,
                              int32_t *idx, int32_t *off) {
    int32_t d;
    int k;
    for (d = rank - 1; d >= 0; d--) {
        idx[d]++;
        for (k = 0; k < nops; k++) off[k] += strides[k][d];
        if (idx[d] < shape[d]) return;
        for (k = 0; k < nops; k++) off[k] -= strides[k][d] * shape[d];
        idx[d] = 0;
    }
}

#endif /* TD_ND_H */
