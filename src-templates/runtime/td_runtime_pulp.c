/*
 * PULP implementation of td_runtime.h on pmsis (build with -DTD_PULP, the PULP SDK's pmsis.h and
 * this file instead of td_runtime_host.c). Same contract as the host simulation:
 *
 *   td_fork      pi_cl_team_fork over TD_NUM_CORES cores; call it from a cluster task
 *                (the device's main opens the cluster and sends network_init / network_train_step
 *                as the task, see docs/tiled-codegen.md)
 *   td_barrier   pi_cl_team_barrier
 *   td_dma_*     cluster DMA (MCHAN): pi_cl_dma_cmd / pi_cl_dma_cmd_2d, completed by pi_cl_dma_cmd_wait;
 *                transfers are split to at most TD_DMA_MAX bytes, as the hardware needs
 *   td_l3_*      RAM driver: pi_cl_ram_read / pi_cl_ram_write and their _wait, on td_ram at
 *                td_l3_base (set by the device's main after pi_ram_open and pi_ram_alloc)
 *
 * L1 is a PI_CL_L1 array of TD_L1_SIZE bytes, L2 a PI_L2 array of TD_L2_SIZE bytes. Bounds
 * violations end the program with a message naming the node; bytes are counted as on the host.
 */
#include "td_runtime.h"
#include "td_plan.h"

#include <stdio.h>

/* The RAM driver (pi_cl_ram_*, pi_cl_ram_req_t): pmsis.h does not include it. */
#include "bsp/ram.h"

PI_CL_L1 uint8_t td_l1[TD_L1_SIZE] __attribute__((aligned(16)));
PI_L2 uint8_t td_l2[TD_L2_SIZE] __attribute__((aligned(16)));

/* Set by the device's main: the opened RAM device and the L3 area allocated for the step. */
struct pi_device *td_ram;
uint32_t td_l3_base;

static td_dma_stats td_stats;
static volatile int td_error;

void td_fork(void (*fn)(void *), void *arg) { pi_cl_team_fork(TD_NUM_CORES, fn, arg); }

int td_core_id(void) { return (int)pi_core_id(); }

int td_num_cores(void) { return TD_NUM_CORES; }

void td_barrier(void) { pi_cl_team_barrier(); }

void td_report_error(int code) {
    if (td_error == 0) td_error = code;
}

int td_take_error(void) {
    int e = td_error;
    td_error = 0;
    return e;
}

static void td_fail(const char *kind, const void *p, uint32_t bytes, const char *what) {
    printf("td_runtime: %s of %u bytes at %p out of bounds (node '%s')\n", kind, (unsigned)bytes, p, what == 0 ? "?" : what);
    pmsis_exit(-1);
}

static int td_inside(const void *p, uint32_t bytes, const uint8_t *base, uint32_t size) {
    uint32_t a = (uint32_t)p, b = (uint32_t)base;
    return a >= b && a - b <= size && bytes <= size - (a - b);
}

void td_check_l1(const void *p, uint32_t bytes, const char *what) {
    if (!td_inside(p, bytes, td_l1, TD_L1_SIZE)) td_fail("tile", p, bytes, what);
}

static uint32_t td_span(uint32_t rows, uint32_t row_bytes, uint32_t stride) {
    return rows == 0 ? 0 : (rows - 1) * stride + row_bytes;
}

/*
 * One copy: with a contiguous L1 side and rows of equal stride on the L2 side, one 2-D command
 * (rows must fit TD_DMA_MAX in total); otherwise row by row, each row in chunks of TD_DMA_MAX.
 * Only the last command stays pending in the request's slot; earlier ones are waited for here.
 */
static void td_copy(uint8_t *l1, uint8_t *l2, uint32_t rows, uint32_t row_bytes, uint32_t l1_stride, uint32_t l2_stride,
                    pi_cl_dma_dir_e dir, td_dma *req) {
    pi_cl_dma_cmd_t *cmd;
    uint32_t r, o;
    int started = 0;
    if (req->pending >= TD_DMA_SLOTS) pmsis_exit(-2);
    cmd = &req->cmd[req->pending];
    if (rows > 1 && l1_stride == row_bytes && (uint64_t)rows * row_bytes <= TD_DMA_MAX) {
        pi_cl_dma_cmd_2d((uint32_t)l2, (uint32_t)l1, rows * row_bytes, l2_stride, row_bytes, dir, cmd);
        td_stats.transfers++;
        req->pending++;
        return;
    }
    for (r = 0; r < rows; r++) {
        for (o = 0; o < row_bytes; o += TD_DMA_MAX) {
            uint32_t k = row_bytes - o < TD_DMA_MAX ? row_bytes - o : TD_DMA_MAX;
            if (started) pi_cl_dma_cmd_wait(cmd);
            pi_cl_dma_cmd((uint32_t)(l2 + r * l2_stride + o), (uint32_t)(l1 + r * l1_stride + o), k, dir, cmd);
            td_stats.transfers++;
            started = 1;
        }
    }
    if (started) req->pending++;
}

void td_dma_in(uint8_t *l1, const uint8_t *l2, uint32_t rows, uint32_t row_bytes, uint32_t l1_stride, uint32_t l2_stride, td_dma *req,
               const char *what) {
    td_check_l1(l1, td_span(rows, row_bytes, l1_stride), what);
    if (!td_inside(l2, td_span(rows, row_bytes, l2_stride), td_l2, TD_L2_SIZE)) td_fail("DMA", l2, row_bytes, what);
    td_stats.l2_to_l1 += (uint64_t)rows * row_bytes;
    td_copy(l1, (uint8_t *)l2, rows, row_bytes, l1_stride, l2_stride, PI_CL_DMA_DIR_EXT2LOC, req);
}

void td_dma_out(uint8_t *l2, const uint8_t *l1, uint32_t rows, uint32_t row_bytes, uint32_t l2_stride, uint32_t l1_stride, td_dma *req,
                const char *what) {
    td_check_l1(l1, td_span(rows, row_bytes, l1_stride), what);
    if (!td_inside(l2, td_span(rows, row_bytes, l2_stride), td_l2, TD_L2_SIZE)) td_fail("DMA", l2, row_bytes, what);
    td_stats.l1_to_l2 += (uint64_t)rows * row_bytes;
    td_copy((uint8_t *)l1, l2, rows, row_bytes, l1_stride, l2_stride, PI_CL_DMA_DIR_LOC2EXT, req);
}

void td_dma_wait(td_dma *req) {
    int k;
    for (k = 0; k < req->pending; k++) pi_cl_dma_cmd_wait(&req->cmd[k]);
    req->pending = 0;
    for (k = 0; k < req->ram_pending; k++) {
        if (req->ram_write[k]) pi_cl_ram_write_wait(&req->ram[k]);
        else pi_cl_ram_read_wait(&req->ram[k]);
    }
    req->ram_pending = 0;
}

static void td_check_l3(uint32_t off, uint32_t bytes, const char *what) {
    if ((uint64_t)off + bytes > (uint64_t)TD_L3_SIZE) td_fail("L3 access", (const void *)off, bytes, what);
}

void td_l3_read(uint8_t *dst, uint32_t l3_offset, uint32_t bytes, const char *what) {
    pi_cl_ram_req_t req;
    td_check_l3(l3_offset, bytes, what);
    if (td_inside(dst, bytes, td_l1, TD_L1_SIZE)) td_stats.l3_to_l1 += bytes;
    else td_stats.l3_to_l2 += bytes;
    td_stats.transfers++;
    pi_cl_ram_read(td_ram, td_l3_base + l3_offset, dst, bytes, &req);
    pi_cl_ram_read_wait(&req);
}

void td_l3_write(uint32_t l3_offset, const uint8_t *src, uint32_t bytes, const char *what) {
    pi_cl_ram_req_t req;
    td_check_l3(l3_offset, bytes, what);
    if (td_inside(src, bytes, td_l1, TD_L1_SIZE)) td_stats.l1_to_l3 += bytes;
    else td_stats.l2_to_l3 += bytes;
    td_stats.transfers++;
    pi_cl_ram_write(td_ram, td_l3_base + l3_offset, (void *)src, bytes, &req);
    pi_cl_ram_write_wait(&req);
}

/*
 * One L3 copy on a request: a 2-D RAM transfer when the L1 side is contiguous, else row by row
 * (earlier rows waited for here). Only the last transfer stays pending in the request's slot.
 */
static void td_l3_copy(uint8_t *l1, uint32_t l3_offset, uint32_t rows, uint32_t row_bytes, uint32_t l1_stride, uint32_t l3_stride,
                       int write, td_dma *req) {
    pi_cl_ram_req_t *r;
    uint32_t k;
    if (req->ram_pending >= TD_DMA_SLOTS) pmsis_exit(-2);
    if (rows == 0 || row_bytes == 0) return;
    r = &req->ram[req->ram_pending];
    req->ram_write[req->ram_pending] = (uint8_t)write;
    if (rows > 1 && l1_stride == row_bytes) {
        if (write) pi_cl_ram_write_2d(td_ram, td_l3_base + l3_offset, l1, rows * row_bytes, l3_stride, row_bytes, r);
        else pi_cl_ram_read_2d(td_ram, td_l3_base + l3_offset, l1, rows * row_bytes, l3_stride, row_bytes, r);
        td_stats.transfers++;
        req->ram_pending++;
        return;
    }
    for (k = 0; k < rows; k++) {
        if (k > 0) {
            if (write) pi_cl_ram_write_wait(r);
            else pi_cl_ram_read_wait(r);
        }
        if (write) pi_cl_ram_write(td_ram, td_l3_base + l3_offset + k * l3_stride, l1 + k * l1_stride, row_bytes, r);
        else pi_cl_ram_read(td_ram, td_l3_base + l3_offset + k * l3_stride, l1 + k * l1_stride, row_bytes, r);
        td_stats.transfers++;
    }
    req->ram_pending++;
}

void td_l3_in(uint8_t *l1, uint32_t l3_offset, uint32_t rows, uint32_t row_bytes, uint32_t l1_stride, uint32_t l3_stride, td_dma *req,
              const char *what) {
    td_check_l1(l1, td_span(rows, row_bytes, l1_stride), what);
    td_check_l3(l3_offset, td_span(rows, row_bytes, l3_stride), what);
    td_stats.l3_to_l1 += (uint64_t)rows * row_bytes;
    td_l3_copy(l1, l3_offset, rows, row_bytes, l1_stride, l3_stride, 0, req);
}

void td_l3_out(uint32_t l3_offset, const uint8_t *l1, uint32_t rows, uint32_t row_bytes, uint32_t l3_stride, uint32_t l1_stride, td_dma *req,
               const char *what) {
    td_check_l1(l1, td_span(rows, row_bytes, l1_stride), what);
    td_check_l3(l3_offset, td_span(rows, row_bytes, l3_stride), what);
    td_stats.l1_to_l3 += (uint64_t)rows * row_bytes;
    td_l3_copy((uint8_t *)l1, l3_offset, rows, row_bytes, l1_stride, l3_stride, 1, req);
}

void td_l3_zero(uint32_t l3_offset, uint32_t bytes) {
    /* Through L1 in chunks (network_init runs before any step, L1 is free). */
    uint32_t o, k;
    for (o = 0; o < TD_L1_SIZE && o < bytes; o++) td_l1[o] = 0;
    for (o = 0; o < bytes; o += k) {
        k = bytes - o < TD_L1_SIZE ? bytes - o : TD_L1_SIZE;
        td_l3_write(l3_offset + o, td_l1, k, "init");
    }
}

td_dma_stats td_dma_counters(void) { return td_stats; }

void td_dma_reset_counters(void) {
    td_dma_stats zero = {0, 0, 0, 0, 0, 0, 0};
    td_stats = zero;
}
