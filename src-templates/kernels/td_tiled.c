/*
 * td_tiled.c - the tile driver and the bind functions of the kernel families (td_tiled.h,
 * docs/tiled-codegen.md). The generated tables say what to move and compute; this file is the
 * only tile loop of the program.
 */
#include <stddef.h>
#include <string.h>

#include "td_kernels.h"
#include "td_tiled.h"

#if TD_L1_SIZE > 0

/* ---- the loop --------------------------------------------------------------------------------- */

/* The start and extent of every dim of tile `idx`, and every region's box. */
static void td_tile_coords(const td_tiled_node *nd, int32_t idx, td_tile *t) {
    int32_t d, k, i;
    t->node = nd;
    t->t = idx;
    for (d = 0; d < nd->ndims; d++) {
        const td_tile_dim *dm = &nd->dims[d];
        int32_t s = ((idx / dm->inner) % dm->count) * dm->size;
        t->s[d] = s;
        t->e[d] = dm->extent - s < dm->size ? dm->extent - s : dm->size;
    }
    for (k = 0; k < nd->nops; k++) {
        const td_tile_operand *o = &nd->ops[k];
        if (o->region != k || o->role == TD_TILE_SCRATCH) continue;
        for (i = 0; i < o->naxes; i++) {
            const td_tile_axis *a = &o->axes[i];
            int32_t lo, n;
            if (a->dim < 0) {
                lo = a->offset;
                n = a->window;
            } else if (a->coef == 1 && a->offset == 0 && a->window == 1) {
                lo = t->s[a->dim];
                n = t->e[a->dim];
            } else {
                int32_t s = t->s[a->dim];
                lo = td_clamp_i32(a->coef * s + a->offset, a->size);
                n = td_clamp_i32(a->coef * (s + t->e[a->dim] - 1) + (a->offset + a->window), a->size) - lo;
            }
            t->lo[o->box + i] = lo;
            t->n[o->box + i] = n;
        }
    }
}

/* The DMA (or L3 copies) of operand k's box in tile t, into (input) or out of (output) L1 copy q of its region. */
static void td_tile_box(const td_tiled_node *nd, int32_t k, const td_tile *t, int32_t q) {
    const td_tile_operand *o = &nd->ops[k];
    const td_tile_operand *r = &nd->ops[o->region];
    uint32_t base = 0, rows, row_bytes, stride, off;
    uint8_t *l1 = r->l1[r->nbuf == 1 ? 0 : q];
    int32_t i;
    for (i = 0; i < o->naxes; i++) base += (uint32_t)t->lo[o->box + i] * o->axes[i].stride;
    row_bytes = o->run_axis < 0 ? o->elem : o->elem * ((uint32_t)t->n[o->box + o->run_axis] * o->run_tail);
    if (o->rows_axis < 0) {
        rows = 1u;
        stride = row_bytes;
    } else {
        rows = (uint32_t)t->n[o->box + o->rows_axis] * o->rows_tail;
        stride = o->row_stride;
    }
    off = o->elem * base;
    if (r->l2 == NULL) {
        /* a region in L3: the same request slot, so the loop's waits double-buffer it as an L2 box */
        if (o->role == TD_TILE_IN) td_l3_in(l1, r->l3 + off, rows, row_bytes, row_bytes, stride, &nd->rq[2 * o->region + q], nd->what);
        else td_l3_out(r->l3 + off, l1, rows, row_bytes, stride, row_bytes, &nd->rq[2 * o->region + q], nd->what);
        return;
    }
    if (o->role == TD_TILE_IN) td_dma_in(l1, r->l2 + off, rows, row_bytes, row_bytes, stride, &nd->rq[2 * o->region + q], nd->what);
    else td_dma_out(r->l2 + off, l1, rows, row_bytes, stride, row_bytes, &nd->rq[2 * o->region + q], nd->what);
}

/* The L1 copy a doubled region uses in tile t. */
static int32_t td_tile_copy(const td_tile_operand *r, int32_t t) {
    return r->nbuf == 1 ? 0 : (int32_t)(((uint32_t)t / r->region_period) & 1u);
}

void td_run_tiled(const td_tiled_node *nd) {
    td_tile cur;
    int32_t t, k, c;
    const int32_t core0 = td_core_id() == 0;
    if (core0) {
        memset(nd->rq, 0, sizeof(td_dma) * 2u * nd->nops);
        for (k = 0; k < nd->nops; k++) {
            const td_tile_operand *o = &nd->ops[k];
            if (o->region != k || o->role == TD_TILE_SCRATCH) continue;
            td_check_l1(o->l1[0], o->l1_bytes, nd->what);
            if (o->nbuf > 1) td_check_l1(o->l1[1], o->l1_bytes, nd->what);
        }
        td_tile_coords(nd, 0, &cur);
        for (k = 0; k < nd->nops; k++) if (nd->ops[k].load) td_tile_box(nd, k, &cur, 0);
    }
    for (t = 0; t < nd->tiles; t++) {
        td_tile_coords(nd, t, &cur);
        for (k = 0; k < nd->nops; k++) cur.ptr[k] = nd->ops[nd->ops[k].region].l1[td_tile_copy(&nd->ops[nd->ops[k].region], t)];
        if (core0) {
            for (k = 0; k < nd->nops; k++) {
                const td_tile_operand *o = &nd->ops[k];
                if (o->region != k || o->role == TD_TILE_SCRATCH) continue;
                td_dma_wait(&nd->rq[2 * k + td_tile_copy(o, t)]);
            }
            if (t + 1 < nd->tiles) {
                /* prefetch: the next tile's boxes of the doubled inputs that change at t + 1 */
                td_tile nxt;
                int32_t coords = 0;
                for (k = 0; k < nd->nops; k++) {
                    const td_tile_operand *o = &nd->ops[k];
                    int32_t qn;
                    if (!o->load || o->nbuf == 1 || (uint32_t)(t + 1) % o->region_period != 0) continue;
                    if (!coords) {
                        td_tile_coords(nd, t + 1, &nxt);
                        coords = 1;
                    }
                    qn = td_tile_copy(o, t + 1);
                    td_dma_wait(&nd->rq[2 * k + qn]);
                    td_tile_box(nd, k, &nxt, qn);
                }
            }
        }
        td_barrier();
        for (c = 0; c < nd->ncalls; c++) nd->calls[c].bind(&cur, nd->calls[c].args, nd->calls[c].p);
        td_barrier();
        if (core0) {
            for (k = 0; k < nd->nops; k++) {
                const td_tile_operand *o = &nd->ops[k];
                if (!o->store || (o->period != 1 && (uint32_t)(t + 1) % o->period != 0)) continue;
                td_tile_box(nd, k, &cur, td_tile_copy(&nd->ops[o->region], t));
            }
        }
    }
    if (core0) {
        for (k = 0; k < nd->nops; k++) {
            const td_tile_operand *o = &nd->ops[k];
            if (o->region != k || o->role == TD_TILE_SCRATCH) continue;
            td_dma_wait(&nd->rq[2 * k]);
            if (o->nbuf > 1) td_dma_wait(&nd->rq[2 * k + 1]);
        }
    }
}

/* ---- whole nodes and state copies ------------------------------------------------------------- */

static void td_whole_copies(const td_whole_copy *c, int32_t n, int32_t in, const char *what) {
    td_dma req;
    int32_t i, pending = 0;
    memset(&req, 0, sizeof req);
    for (i = 0; i < n; i++) {
        if (c[i].bytes == 0) continue;
        if (c[i].l2 == NULL) {
            if (in) td_l3_read(c[i].l1, c[i].l3, c[i].bytes, what);
            else td_l3_write(c[i].l3, c[i].l1, c[i].bytes, what);
            continue;
        }
        if (in) td_dma_in(c[i].l1, c[i].l2, 1u, c[i].bytes, 0u, 0u, &req, what);
        else td_dma_out(c[i].l2, c[i].l1, 1u, c[i].bytes, 0u, 0u, &req, what);
        if (++pending == TD_DMA_SLOTS) {
            td_dma_wait(&req);
            pending = 0;
        }
    }
    td_dma_wait(&req);
}

void td_whole_load(const td_whole_node *w) {
    int32_t i;
    for (i = 0; i < w->ncheck; i++) td_check_l1(w->check[i].p, w->check[i].bytes, w->what);
    td_whole_copies(w->in, w->nin, 1, w->what);
}

void td_whole_store(const td_whole_node *w) { td_whole_copies(w->out, w->nout, 0, w->what); }

void td_run_state_copy(const td_state_copy *c) {
    const char *what = c->what;
    td_dma req;
    uint32_t o;
    memset(&req, 0, sizeof req);
    for (o = 0; o < c->bytes; o += c->chunk) {
        uint32_t k = c->bytes - o < c->chunk ? c->bytes - o : c->chunk;
        if (c->src_l2 == NULL) {
            td_l3_read(td_l1, c->src_l3 + o, k, what);
        } else {
            td_dma_in(td_l1, c->src_l2 + o, 1u, k, 0u, 0u, &req, what);
            td_dma_wait(&req);
        }
        if (c->dst_l2 == NULL) {
            td_l3_write(c->dst_l3 + o, td_l1, k, what);
        } else {
            td_dma_out(c->dst_l2 + o, td_l1, 1u, k, 0u, 0u, &req, what);
            td_dma_wait(&req);
        }
    }
}

/* ---- bind functions: p[] lists contract operand indices (−1: absent), dim indices (−1: not tiled) and constants ---- */

#define TD_P(k) ((k) < 0 ? NULL : t->ptr[(k)])
#define TD_E(d) ((d) < 0 ? 1 : t->e[(d)])
#define TD_S(d) ((d) < 0 ? 0 : t->s[(d)])
#define TD_LO(k, i) (t->lo[t->node->ops[(k)].box + (i)])
#define TD_N(k, i) (t->n[t->node->ops[(k)].box + (i)])

/* 1 when output k adds to what the earlier tiles of its group wrote. */
static int32_t td_tile_acc(const td_tile *t, int32_t k) {
    uint32_t p = t->node->ops[k].period;
    return p != 1 && (uint32_t)t->t % p != 0;
}

/* p: y, x */
void td_bind_unary(const td_tile *t, const void *args, const int32_t *p) {
    td_unary_args a = *(const td_unary_args *)args;
    a.y = TD_P(p[0]);
    a.x = TD_P(p[1]);
    a.n = t->e[0];
    td_unary(&a);
}

/* p: dx, dy, saved */
void td_bind_unary_grad(const td_tile *t, const void *args, const int32_t *p) {
    td_unary_grad_args a = *(const td_unary_grad_args *)args;
    a.dx = TD_P(p[0]);
    a.dy = TD_P(p[1]);
    a.saved = TD_P(p[2]);
    a.n = t->e[0];
    td_unary_grad(&a);
}

/* p: y, a, b, rank, dims a uses (bit mask), dims b uses: the boxes are dense, 0 stride along a broadcast dim. */
void td_bind_binary(const td_tile *t, const void *args, const int32_t *p) {
    td_binary_args a = *(const td_binary_args *)args;
    int32_t d, j, n = 1, rank = p[3];
    a.y = TD_P(p[0]);
    a.a = TD_P(p[1]);
    a.b = TD_P(p[2]);
    for (d = 0; d < rank; d++) n *= t->e[d];
    a.view.n = n;
    for (d = 0; d < rank; d++) {
        int32_t sa = 1, sb = 1;
        for (j = d + 1; j < rank; j++) {
            if (p[4] >> j & 1) sa *= t->e[j];
            if (p[5] >> j & 1) sb *= t->e[j];
        }
        a.view.shape[d] = t->e[d];
        a.view.strides[0][d] = p[4] >> d & 1 ? sa : 0;
        a.view.strides[1][d] = p[5] >> d & 1 ? sb : 0;
    }
    td_binary(&a);
}

/* p: p_out, v_out, p, g, v */
void td_bind_sgd(const td_tile *t, const void *args, const int32_t *p) {
    td_sgd_args a = *(const td_sgd_args *)args;
    a.p_out = TD_P(p[0]);
    a.v_out = TD_P(p[1]);
    a.p = TD_P(p[2]);
    a.g = TD_P(p[3]);
    a.v = TD_P(p[4]);
    a.n = t->e[0];
    td_sgd(&a);
}

/* p: p_out, m_out, v_out, p, g, m, v, step */
void td_bind_adam(const td_tile *t, const void *args, const int32_t *p) {
    td_adam_args a = *(const td_adam_args *)args;
    a.p_out = TD_P(p[0]);
    a.m_out = TD_P(p[1]);
    a.v_out = TD_P(p[2]);
    a.p = TD_P(p[3]);
    a.g = TD_P(p[4]);
    a.m = TD_P(p[5]);
    a.v = TD_P(p[6]);
    a.step = TD_P(p[7]);
    a.n = t->e[0];
    td_adam(&a);
}

/* p: y, x, gamma, beta */
void td_bind_layernorm(const td_tile *t, const void *args, const int32_t *p) {
    td_layernorm_args a = *(const td_layernorm_args *)args;
    a.y = TD_P(p[0]);
    a.x = TD_P(p[1]);
    a.gamma = TD_P(p[2]);
    a.beta = TD_P(p[3]);
    a.rows = t->e[0];
    td_layernorm(&a);
}

/* p: dx, dgamma, dbeta, dy, x, gamma */
void td_bind_layernorm_grad(const td_tile *t, const void *args, const int32_t *p) {
    td_layernorm_grad_args a = *(const td_layernorm_grad_args *)args;
    a.dx = TD_P(p[0]);
    a.dgamma = TD_P(p[1]);
    a.dbeta = TD_P(p[2]);
    a.dy = TD_P(p[3]);
    a.x = TD_P(p[4]);
    a.gamma = TD_P(p[5]);
    a.rows = t->e[0];
    a.accumulate = td_tile_acc(t, p[1]);
    td_layernorm_grad(&a);
}

/* p: y, run_mean_out, run_var_out, x, gamma, beta, mean, var */
void td_bind_batchnorm(const td_tile *t, const void *args, const int32_t *p) {
    td_batchnorm_args a = *(const td_batchnorm_args *)args;
    a.y = TD_P(p[0]);
    a.run_mean_out = TD_P(p[1]);
    a.run_var_out = TD_P(p[2]);
    a.x = TD_P(p[3]);
    a.gamma = TD_P(p[4]);
    a.beta = TD_P(p[5]);
    a.mean = TD_P(p[6]);
    a.var = TD_P(p[7]);
    a.c = t->e[0];
    td_batchnorm(&a);
}

/* p: dx, dgamma, dbeta, dy, x, gamma, mean, var */
void td_bind_batchnorm_grad(const td_tile *t, const void *args, const int32_t *p) {
    td_batchnorm_grad_args a = *(const td_batchnorm_grad_args *)args;
    a.dx = TD_P(p[0]);
    a.dgamma = TD_P(p[1]);
    a.dbeta = TD_P(p[2]);
    a.dy = TD_P(p[3]);
    a.x = TD_P(p[4]);
    a.gamma = TD_P(p[5]);
    a.mean = TD_P(p[6]);
    a.var = TD_P(p[7]);
    a.c = t->e[0];
    td_batchnorm_grad(&a);
}

/* p: y, x */
void td_bind_softmax(const td_tile *t, const void *args, const int32_t *p) {
    td_softmax_args a = *(const td_softmax_args *)args;
    a.y = TD_P(p[0]);
    a.x = TD_P(p[1]);
    a.outer = t->e[0];
    td_softmax(&a);
}

/* p: dx, dy, y */
void td_bind_softmax_grad(const td_tile *t, const void *args, const int32_t *p) {
    td_softmax_grad_args a = *(const td_softmax_grad_args *)args;
    a.dx = TD_P(p[0]);
    a.dy = TD_P(p[1]);
    a.y = TD_P(p[2]);
    a.outer = t->e[0];
    td_softmax_grad(&a);
}

/* p: y, x, w, b, r; dims rows, n, k */
void td_bind_linear(const td_tile *t, const void *args, const int32_t *p) {
    td_linear_args a = *(const td_linear_args *)args;
    a.y = TD_P(p[0]);
    a.x = TD_P(p[1]);
    a.w = TD_P(p[2]);
    a.b = TD_P(p[3]);
    a.r = TD_P(p[4]);
    a.rows = t->e[0];
    a.n = t->e[1];
    a.k = t->e[2];
    a.accumulate = td_tile_acc(t, p[0]);
    td_linear(&a);
}

/* p: dw, x, dy; dims k, n, rows */
void td_bind_linear_grad_weight(const td_tile *t, const void *args, const int32_t *p) {
    td_linear_grad_weight_args a = *(const td_linear_grad_weight_args *)args;
    a.dw = TD_P(p[0]);
    a.x = TD_P(p[1]);
    a.dy = TD_P(p[2]);
    a.k = t->e[0];
    a.n = t->e[1];
    a.rows = t->e[2];
    a.accumulate = td_tile_acc(t, p[0]);
    td_linear_grad_weight(&a);
}

/* p: y, a, b, a has the batch dim, b has it, k; dims batch, m, n */
void td_bind_matmul(const td_tile *t, const void *args, const int32_t *p) {
    td_matmul_args a = *(const td_matmul_args *)args;
    int32_t ao[t->e[0]], bo[t->e[0]], i;
    for (i = 0; i < t->e[0]; i++) {
        ao[i] = p[3] ? i * t->e[1] * p[5] : 0;
        bo[i] = p[4] ? i * p[5] * t->e[2] : 0;
    }
    a.y = TD_P(p[0]);
    a.a = TD_P(p[1]);
    a.b = TD_P(p[2]);
    a.a_off = ao;
    a.b_off = bo;
    a.batch = t->e[0];
    a.m = t->e[1];
    a.n = t->e[2];
    td_matmul(&a);
}

/*
 * p: y, x, w, b; dims N, G, M (output channels per group), OH; input channels per group, x's row
 * axis, pt, sh. The tile's groups are a grouped convolution of their own; the loaded rows start at
 * lo: the tile's first window starts pt + lo − s·sh rows above them (its top padding).
 */
void td_bind_conv(const td_tile *t, const void *args, const int32_t *p) {
    td_conv_args a = *(const td_conv_args *)args;
    a.y = TD_P(p[0]);
    a.x = TD_P(p[1]);
    a.w = TD_P(p[2]);
    a.b = TD_P(p[3]);
    a.g.n = TD_E(p[4]);
    a.g.group = TD_E(p[5]);
    a.g.c = TD_E(p[5]) * p[8];
    a.g.m = TD_E(p[5]) * TD_E(p[6]);
    a.g.oh = TD_E(p[7]);
    a.g.h = TD_N(p[1], p[9]);
    a.g.pt = p[10] + TD_LO(p[1], p[9]) - TD_S(p[7]) * p[11];
    td_conv_direct(&a);
}

/* p: dw, dy, x; dims N, G, C, M, OH; pt, sh: dW's block summed over the tile's images and output rows. */
void td_bind_conv_grad_weight(const td_tile *t, const void *args, const int32_t *p) {
    td_conv_grad_weight_args a = *(const td_conv_grad_weight_args *)args;
    a.dw = TD_P(p[0]);
    a.dy = TD_P(p[1]);
    a.x = TD_P(p[2]);
    a.g.n = TD_E(p[3]);
    a.g.group = TD_E(p[4]);
    a.g.c = TD_E(p[4]) * TD_E(p[5]);
    a.g.cg = TD_E(p[5]);
    a.g.m = TD_E(p[4]) * TD_E(p[6]);
    a.g.oh = TD_E(p[7]);
    a.g.h = TD_N(p[2], 3);
    a.g.pt = p[8] + TD_LO(p[2], 3) - TD_S(p[7]) * p[9];
    a.accumulate = td_tile_acc(t, p[0]);
    td_conv_grad_weight(&a);
}

/*
 * p: dx, dy, w; dims N, G, C, M; pt, sh. Local rows: dX row r is global lo_dx + r, dY row q global
 * lo_dy + q; taps satisfy q·sh = r + pt' − i·dh with pt' = pt + lo_dx − sh·lo_dy.
 */
void td_bind_conv_grad_input(const td_tile *t, const void *args, const int32_t *p) {
    td_conv_grad_input_args a = *(const td_conv_grad_input_args *)args;
    a.dx = TD_P(p[0]);
    a.dy = TD_P(p[1]);
    a.w = TD_P(p[2]);
    a.g.n = TD_E(p[3]);
    a.g.group = TD_E(p[4]);
    a.g.c = TD_E(p[4]) * TD_E(p[5]);
    a.g.cg = TD_E(p[5]);
    a.g.m = TD_E(p[4]) * TD_E(p[6]);
    a.g.h = TD_N(p[0], 3);
    a.g.oh = TD_N(p[1], 3);
    a.g.pt = p[7] + TD_LO(p[0], 3) - p[8] * TD_LO(p[1], 3);
    a.accumulate = td_tile_acc(t, p[0]);
    td_conv_grad_input(&a);
}

/* p: out, in, x, kernel (0 maxpool, 1 avgpool, 2 maxpool_grad, 3 avgpool_grad), output rows tiled, pt, sh */
void td_bind_pool(const td_tile *t, const void *args, const int32_t *p) {
    td_pool_args a = *(const td_pool_args *)args;
    a.out = TD_P(p[0]);
    a.in = TD_P(p[1]);
    a.x = TD_P(p[2]);
    a.g.planes = t->e[0];
    if (p[4]) {
        a.g.oh = t->e[1];
        a.g.h = TD_N(p[1], 1);
        a.g.pt = p[5] + TD_LO(p[1], 1) - t->s[1] * p[6];
    }
    switch (p[3]) {
    case 0: td_maxpool(&a); break;
    case 1: td_avgpool(&a); break;
    case 2: td_maxpool_grad(&a); break;
    default: td_avgpool_grad(&a); break;
    }
}

/* p: y, x, inner: X's box is [outer, e0, inner]; y[j] sums its row j. */
void td_bind_reduce(const td_tile *t, const void *args, const int32_t *p) {
    td_reduce_args a = *(const td_reduce_args *)args;
    a.y = TD_P(p[0]);
    a.x = TD_P(p[1]);
    a.n_out = t->e[0];
    a.out_shape[0] = t->e[0];
    a.red_strides[0] = t->e[0] * p[2];
    td_reduce(&a);
}

/* Dense stride of axis i of operand k's box of `rank` axes in this tile. */
static int32_t td_box_stride(const td_tile *t, int32_t k, int32_t i, int32_t rank) {
    int32_t s = 1, b;
    for (b = i + 1; b < rank; b++) s *= TD_N(k, b);
    return s;
}

/*
 * p: y, x, the operand whose box gives the shape, rank, y's rank, x's rank, offset (0 none, 1 y's,
 * 2 x's: `at` elements along axis `axis`), at, axis; then per axis i: perm[i], step[i], broadcast[i].
 */
void td_bind_copy(const td_tile *t, const void *args, const int32_t *p) {
    td_copy_args a = *(const td_copy_args *)args;
    int32_t i, n = 1, rank = p[3];
    a.y = TD_P(p[0]);
    a.x = TD_P(p[1]);
    if (p[6] == 1) a.y_offset = p[7] * td_box_stride(t, p[0], p[8], p[4]);
    if (p[6] == 2) a.x_offset = p[7] * td_box_stride(t, p[1], p[8], p[5]);
    for (i = 0; i < rank; i++) {
        const int32_t *q = p + 9 + 3 * i;
        a.shape[i] = TD_N(p[2], i);
        a.y_strides[i] = td_box_stride(t, p[0], i, p[4]);
        a.x_strides[i] = q[2] ? 0 : td_box_stride(t, p[1], q[0], p[5]) * q[1];
        n *= TD_N(p[2], i);
    }
    a.n = n;
    td_copy(&a);
}

#else
typedef int td_tiled_unused; /* no L1: nothing is tiled */
#endif
