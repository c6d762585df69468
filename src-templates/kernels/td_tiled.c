/*
 * td_tiled.c - the tile driver and the binder of every kernel family (td_tiled.h,
 * docs/tiled-codegen.md). The generated tables say what to move and compute; this file is the
 * only tile loop of the program.
 */
#include <stddef.h>
#include <string.h>

#include "td_kernels.h"
#include "td_tiled.h"

#if TD_L1_SIZE > 0

/* ---- the binder -------------------------------------------------------------------------------- */

/* Set the fields ops[from .. to) of call c's argument struct (its slot) for tile t (td_bind_op). */
static void td_tile_bind(const td_tile *t, const td_tile_call *c, uint16_t from, uint16_t to) {
    uint8_t *a = (uint8_t *)c->slot;
    uint16_t i;
    for (i = from; i < to; i++) {
        const td_bind_op *op = &c->ops[i];
        const int32_t *src;
        int32_t v = op->c, *f;
        uint32_t m;
        switch (op->kind) {
        case TD_BIND_PTR:
            memcpy(a + op->off, &t->ptr[op->base], sizeof(void *));
            continue;
        case TD_BIND_ACC: {
            uint32_t p = t->node->ops[op->base].period;
            v = p != 1 && (uint32_t)t->t % p != 0;
            src = NULL;
            break;
        }
        case TD_BIND_SEQ: {
            int32_t *q = c->seq + op->at, j, n = t->e[op->base];
            for (m = op->mask, j = 0; m; m >>= 1, j++) if (m & 1u) v *= t->e[j];
            for (j = 0; j < n; j++) q[j] = j * v;
            memcpy(a + op->off, &q, sizeof q);
            continue;
        }
        case TD_BIND_E: src = t->e; break;
        case TD_BIND_S: src = t->s; break;
        case TD_BIND_LO: src = t->lo; break;
        default: src = t->n; break;
        }
        if (src != NULL) {
            src += op->base;
            for (m = op->mask; m; m >>= 1, src++) if (m & 1u) v *= *src;
        }
        f = (int32_t *)(void *)(a + op->off);
        *f = op->add ? *f + v : v;
    }
}

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
        for (c = 0; c < nd->ncalls; c++) {
            memcpy(nd->calls[c].slot, nd->calls[c].args, nd->calls[c].size);
            td_tile_bind(&cur, &nd->calls[c], 0, nd->calls[c].nfixed);
        }
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
            for (c = 0; c < nd->ncalls; c++) td_tile_bind(&cur, &nd->calls[c], nd->calls[c].nfixed, nd->calls[c].nops);
        }
        td_barrier();
        for (c = 0; c < nd->ncalls; c++) nd->calls[c].kernel(nd->calls[c].slot);
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

#else
typedef int td_tiled_unused; /* no L1: nothing is tiled */
#endif
