/*
 * td_tiled.h - the tile driver: one C loop that runs every tiled node of the step from a constant
 * table (docs/tiled-codegen.md, "The tile loop").
 *
 * The generated network.c describes each tiled node as a td_tiled_node in read-only data: the tile
 * counts and sizes per dim, per operand its L1 copies, its home (L2 pointer or L3 offset) and its
 * box as affine functions of the tile's starts and extents, and the kernel calls of one tile as
 * (bind function, constant argument struct, bind parameters). td_run_tiled runs the double-buffered
 * loop: core 0 issues and waits for the DMA, every core binds and runs the kernels between barriers.
 * A bind function (one per kernel family, td_bind_*) copies the constant argument struct, sets the
 * fields that depend on the tile (extents, L1 pointers, pad adjustments, accumulate) and calls the
 * kernel. The code therefore grows with the kernel families used, not with nodes or tiles.
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

/* One tile as the bind functions see it. */
typedef struct td_tile {
    const struct td_tiled_node *node;
    int32_t t;
    int32_t s[TD_TILE_DIMS], e[TD_TILE_DIMS];    /* start and extent of each dim */
    int32_t lo[TD_TILE_BOXES], n[TD_TILE_BOXES]; /* each region's box: first index and length per axis */
    void *ptr[TD_TILE_OPS];                       /* each operand's L1 copy in this tile */
} td_tile;

/* Fill the kernel's argument struct (a copy of `args`) for tile t and call the kernel; p: the family's parameters. */
typedef void (*td_tile_bind)(const td_tile *t, const void *args, const int32_t *p);

typedef struct {
    td_tile_bind bind;
    const void *args;
    const int32_t *p;
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

/* ---- the bind functions of the kernel families (parameters: see td_tiled.c and TileFamily.java) ---- */
void td_bind_unary(const td_tile *t, const void *args, const int32_t *p);
void td_bind_unary_grad(const td_tile *t, const void *args, const int32_t *p);
void td_bind_binary(const td_tile *t, const void *args, const int32_t *p);
void td_bind_sgd(const td_tile *t, const void *args, const int32_t *p);
void td_bind_adam(const td_tile *t, const void *args, const int32_t *p);
void td_bind_layernorm(const td_tile *t, const void *args, const int32_t *p);
void td_bind_layernorm_grad(const td_tile *t, const void *args, const int32_t *p);
void td_bind_batchnorm(const td_tile *t, const void *args, const int32_t *p);
void td_bind_batchnorm_grad(const td_tile *t, const void *args, const int32_t *p);
void td_bind_softmax(const td_tile *t, const void *args, const int32_t *p);
void td_bind_softmax_grad(const td_tile *t, const void *args, const int32_t *p);
void td_bind_linear(const td_tile *t, const void *args, const int32_t *p);
void td_bind_linear_grad_weight(const td_tile *t, const void *args, const int32_t *p);
void td_bind_matmul(const td_tile *t, const void *args, const int32_t *p);
void td_bind_conv(const td_tile *t, const void *args, const int32_t *p);
void td_bind_conv_grad_weight(const td_tile *t, const void *args, const int32_t *p);
void td_bind_conv_grad_input(const td_tile *t, const void *args, const int32_t *p);
void td_bind_pool(const td_tile *t, const void *args, const int32_t *p);
void td_bind_reduce(const td_tile *t, const void *args, const int32_t *p);
void td_bind_copy(const td_tile *t, const void *args, const int32_t *p);

#endif /* TD_TILED_H */
