/*
 * td_tiled.h - the tile driver: one C loop that runs every tiled node of the step from a constant
 * table (docs/tiled-codegen.md, "The tile loop").
 *
 * The generated network.c describes each tiled node as a td_tiled_node in read-only data: the tile
 * counts and sizes per dim, per operand its L1 copies, its home (L2 pointer or L3 offset) and its
 * box as affine functions of the tile's starts and extents, and the kernel calls of one tile as
 * (kernel, constant argument struct, the list of its fields that depend on the tile). td_run_tiled
 * runs the double-buffered loop: core 0 issues and waits for the DMA and binds the calls (one binder
 * for every kernel family: it sets the listed fields, td_bind_op), every core runs the kernels
 * between barriers. The code therefore grows with neither nodes, tiles nor kernel families.
 *
 * Sizes of the per-tile state (TD_TILE_DIMS, TD_TILE_OPS, TD_TILE_BOXES) are the largest the
 * program needs; td_plan.h defines them.
 */
#ifndef TD_TILED_H
#define TD_TILED_H

#include <stdint.h>

#include "td_runtime.h"
#include "td_plan.h"

#ifndef TD_TILE_DIMS
#define TD_TILE_DIMS 1
#endif
#ifndef TD_TILE_OPS
#define TD_TILE_OPS 1
#endif
#ifndef TD_TILE_BOXES
#define TD_TILE_BOXES 1
#endif

/* Operand roles (TileContract.Role). */
#define TD_TILE_IN 0
#define TD_TILE_OUT 1
#define TD_TILE_SCRATCH 2

/* One tiled dim: `count` tiles of `size` over `extent`; the tile index advances it every `inner` tiles. */
typedef struct {
    int32_t count, inner, size, extent;
} td_tile_dim;

/*
 * One axis of an operand's box: dim < 0: the fixed range [offset, offset + window); else the rows
 * coef·s + offset .. coef·(s + e − 1) + offset + window of dim `dim`'s tile [s, s + e), clipped to
 * [0, size). `stride`: the axis' stride in the home tensor, elements.
 */
typedef struct {
    int32_t dim, coef, offset, window, size;
    uint32_t stride;
} td_tile_axis;

/*
 * One contract operand. `region`: the operand whose L1 copies (and box) it shares (itself for the
 * first). A box moves as one DMA of `rows` rows of `row_bytes` bytes, `row_stride` bytes apart at
 * home: row_bytes = elem · (run_axis < 0 ? 1 : n[run_axis] · run_tail), rows = rows_axis < 0 ? 1 :
 * n[rows_axis] · rows_tail.
 */
typedef struct {
    uint8_t role, region, nbuf, in_l3, load, store, naxes, elem;
    int8_t run_axis, rows_axis;
    uint16_t box;                  /* index of the region's first axis in td_tile.lo / n */
    uint32_t run_tail, rows_tail, row_stride;
    uint32_t period;               /* tiles of the group an output accumulates over (1: none) */
    uint32_t region_period;        /* tiles a doubled region keeps using one copy */
    uint32_t l1_bytes;             /* bytes of one L1 copy */
    uint8_t *l1[2];                /* the region's L1 copies */
    uint8_t *l2;                   /* home in L2 (NULL when in L3) */
    uint32_t l3;                   /* home in L3 (byte offset) */
    const td_tile_axis *axes;
} td_tile_operand;

struct td_tiled_node;

/* One tile as the binder sees it. */
typedef struct td_tile {
    const struct td_tiled_node *node;
    int32_t t;
    int32_t s[TD_TILE_DIMS], e[TD_TILE_DIMS];    /* start and extent of each dim */
    int32_t lo[TD_TILE_BOXES], n[TD_TILE_BOXES]; /* each region's box: first index and length per axis */
    void *ptr[TD_TILE_OPS];                       /* each operand's L1 copy in this tile */
} td_tile;

/*
 * One field of a kernel's argument struct that depends on the tile (docs/tiled-codegen.md, "The
 * binder"): at byte `off` of the struct, by `kind`:
 *   TD_BIND_PTR  the L1 copy of operand `base` in this tile (a pointer field);
 *   TD_BIND_ACC  1 when output `base` adds to what the earlier tiles of its group wrote, else 0;
 *   TD_BIND_E / TD_BIND_S / TD_BIND_LO / TD_BIND_N  c times the product of e / s / lo / n [base + j]
 *                over the bits j of `mask` (just c when mask is 0);
 *   TD_BIND_SEQ  a pointer to `at`.. of the call's index array: e[base] entries, entry j = j times
 *                c times the product of e[j'] over the bits j' of `mask`.
 * With `add`, the int32_t field adds the value to what the list's earlier entries set.
 */
#define TD_BIND_PTR 0
#define TD_BIND_ACC 1
#define TD_BIND_E 2
#define TD_BIND_S 3
#define TD_BIND_LO 4
#define TD_BIND_N 5
#define TD_BIND_SEQ 6

typedef struct {
    uint16_t off;
    uint8_t kind, add;
    int32_t base;
    uint32_t mask;
    int32_t c, at;
} td_bind_op;

/*
 * One kernel call of a tile: core 0 copies the constant argument struct `args` (`size` bytes) into
 * `slot` once per node with the first `nfixed` of `ops` (the same in every tile) and sets the
 * other fields of `ops` there for every tile; then every core runs `kernel` (a one-line call of the
 * kernel function on its struct type) on the slot.
 */
typedef struct {
    void (*kernel)(const void *args);
    const void *args;
    uint32_t size;
    void *slot;
    int32_t *seq;                  /* the call's index arrays (TD_BIND_SEQ) */
    uint16_t nfixed, nops;
    const td_bind_op *ops;
} td_tile_call;

typedef struct td_tiled_node {
    const char *what;              /* the node's name (error messages) */
    int32_t tiles;
    uint8_t ndims, nops, ncalls;
    const td_tile_dim *dims;
    const td_tile_operand *ops;
    const td_tile_call *calls;
    td_dma *rq;                    /* 2 requests per operand (core 0's, shared by all nodes) */
} td_tiled_node;

/* Run a tiled node: called by every core (inside td_fork), after a barrier. */
void td_run_tiled(const td_tiled_node *nd);

/* A node run as one tile: its whole buffers copied into L1 before its kernels and back after (core 0; blocking). */
typedef struct {
    uint8_t *l1;
    uint8_t *l2;                   /* NULL: the home is L3 at byte offset l3 */
    uint32_t l3;
    uint32_t bytes;
} td_whole_copy;

typedef struct {
    const void *p;
    uint32_t bytes;
} td_l1_span;

typedef struct {
    const char *what;
    int32_t nin, nout, ncheck;
    const td_whole_copy *in, *out;
    const td_l1_span *check;       /* every L1 array of the node, bounds-checked before the loads */
} td_whole_node;

void td_whole_load(const td_whole_node *w);
void td_whole_store(const td_whole_node *w);

/* A state takes its next value through L1, `chunk` bytes at a time (core 0; blocking). */
typedef struct {
    const char *what;
    uint8_t *dst_l2, *src_l2;      /* NULL: the buffer is in L3 at dst_l3 / src_l3 */
    uint32_t dst_l3, src_l3;
    uint32_t bytes, chunk;
} td_state_copy;

void td_run_state_copy(const td_state_copy *c);

#endif /* TD_TILED_H */
