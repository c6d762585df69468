/*
 * td_runtime.h - the small runtime API the generated training step is written against.
 *
 * Build with -DTD_PULP and td_runtime_pulp.c for the device; the host simulation needs nothing.
 *
 * The model is a PULP cluster: TD_NUM_CORES cores run the same function (td_fork), each asks
 * for its id (td_core_id) and splits the work by it, and they meet at barriers (td_barrier).
 * The host implementation (td_runtime_host.c) runs the cores as POSIX threads; a PULP
 * implementation maps the same calls onto pmsis (pi_cl_team_fork, pi_core_id,
 * pi_cl_team_barrier). Kernels use nothing else, so they run unchanged on both.
 */
#ifndef TD_RUNTIME_H
#define TD_RUNTIME_H

#include <stdint.h>

/* The generated target description: TD_DMA_MAX and TD_NO_DOUBLE. The plan's level sizes (TD_L1_SIZE,
 * TD_L2_SIZE, TD_L3_SIZE) are in td_plan.h, which kernels do not include. */
#include "td_target.h"

#ifndef TD_NUM_CORES
#define TD_NUM_CORES 8
#endif

/*
 * The real type of the kernels' arithmetic: double where the cores have a double-precision FPU (the
 * host), float where they have none (td_target.h defines TD_NO_DOUBLE from the target file's
 * "doubleFpu": false), so that no double arithmetic reaches such a device. The math functions on
 * td_real are in kernels/td_math.h.
 */
#ifdef TD_NO_DOUBLE
typedef float td_real;
#else
typedef double td_real;
#endif

/*
 * Accumulator type of dot products and reductions: td_real unless TD_ACC_T says otherwise (double
 * on the host: results then match the float64 reference interpreter to the last float bit in most
 * elements; float sums are blocked, see TD_SUM_BLOCK in td_math.h). The host's matrix products and
 * im2col convolutions do not use it: they sum in float SIMD, blocked like the device's float sums
 * (TD_HOST_GEMM, kernels/td_gemm.h).
 */
#ifndef TD_ACC_T
#define TD_ACC_T td_real
#endif
typedef TD_ACC_T td_acc;

/* Run fn(arg) on every core; returns when all cores have returned. Not re-entrant. */
void td_fork(void (*fn)(void *), void *arg);

/* This core's id in [0, td_num_cores()); 0 outside td_fork. */
int td_core_id(void);

/* Number of cores td_fork runs on (TD_NUM_CORES). */
int td_num_cores(void);

/* Wait until every core has reached the barrier. Only inside td_fork, called by all cores. */
void td_barrier(void);

/* Record a run-time error (bad label, index out of range); the step reports it when done. */
void td_report_error(int code);

/* The first error recorded since the last call (0: none), and clear it. */
int td_take_error(void);

/*
 * Profiling (the rv32 build with -DTD_PROFILE, docs/rv32.md): TD_PROF_NODE(k) marks where scheduled
 * node k starts in a step body; the runtime counts each core's instructions per node and per
 * barrier-separated phase between td_prof_begin and td_prof_end, and td_prof_write writes them.
 * Elsewhere TD_PROF_NODE is nothing.
 */
#ifdef TD_PROFILE
void td_prof_node(int32_t node);
void td_prof_begin(void);
void td_prof_end(void);
int td_prof_write(const char *path);
#define TD_PROF_NODE(k) td_prof_node(k)
#else
#define TD_PROF_NODE(k) ((void)0)
#endif

#define TD_ERROR_LABEL_RANGE 1
#define TD_ERROR_INDEX_RANGE 2

/* This core's contiguous share [*lo, *hi) of n work items (cores get at most one item more than others). */
static inline void td_split(int32_t n, int32_t *lo, int32_t *hi) {
    int32_t cores = (int32_t)td_num_cores();
    int32_t id = (int32_t)td_core_id();
    int32_t base = n / cores;
    int32_t extra = n % cores;
    *lo = id * base + (id < extra ? id : extra);
    *hi = *lo + base + (id < extra ? 1 : 0);
}

/* ---- memory levels ------------------------------------------------------------------------
 *
 * td_l2 is the step's planned arena (activations, gradients, and the weights and state the
 * planner kept in L2); td_l1 is the cluster scratchpad that kernels compute in (tiles). Both are
 * owned by the runtime with the target's sizes. L3 (external RAM) is not addressable: its buffers
 * are byte offsets reached only through td_l3_read / td_l3_write.
 */
extern uint8_t td_l1[]; /* TD_L1_SIZE bytes (td_plan.h); only when the target has L1 */
extern uint8_t td_l2[]; /* TD_L2_SIZE bytes */

/* ---- DMA ----------------------------------------------------------------------------------
 *
 * Asynchronous copies between L2 and L1 (and L3 and L2/L1): a copy is issued into a td_dma
 * (a request the caller owns) and is complete only after td_dma_wait on that request; until then
 * neither the source may be overwritten nor the destination read. Copies longer than TD_DMA_MAX
 * bytes (the DMA's largest transfer) are split by the runtime. 2-D copies move `rows` rows of
 * `row_bytes`, `*_stride` bytes apart on each side. Every copy is checked against the bounds of
 * its levels, `what` names the node in the error message; bytes are counted per level pair.
 */
#ifdef TD_PULP
#include "pmsis.h"
/* The RAM driver (pi_cl_ram_req_t, on a request for L3 boxes): pmsis.h does not include it. */
#include "bsp/ram.h"
#endif

/* Copies one request holds in flight: td_tiled.c waits after this many, the runtimes size their queues by it. */
#define TD_DMA_SLOTS 4

typedef struct td_dma {
    int pending;                 /* copies issued and not yet waited for */
#ifdef TD_PULP
    pi_cl_dma_cmd_t cmd[TD_DMA_SLOTS]; /* one MCHAN command per pending copy (td_runtime_pulp.c) */
    int ram_pending;             /* L3 copies issued (td_l3_in / td_l3_out) and not yet waited for */
    pi_cl_ram_req_t ram[TD_DMA_SLOTS];
    uint8_t ram_write[TD_DMA_SLOTS]; /* 1: L1 -> L3 */
#else
    uint8_t *dst[TD_DMA_SLOTS];
    const uint8_t *src[TD_DMA_SLOTS];
    uint32_t rows[TD_DMA_SLOTS], row_bytes[TD_DMA_SLOTS], dst_stride[TD_DMA_SLOTS], src_stride[TD_DMA_SLOTS];
#endif
} td_dma;

/* L2 -> L1 and L1 -> L2 (the cluster DMA). */
void td_dma_in(uint8_t *l1, const uint8_t *l2, uint32_t rows, uint32_t row_bytes, uint32_t l1_stride, uint32_t l2_stride, td_dma *req,
               const char *what);
void td_dma_out(uint8_t *l2, const uint8_t *l1, uint32_t rows, uint32_t row_bytes, uint32_t l2_stride, uint32_t l1_stride, td_dma *req,
                const char *what);
void td_dma_wait(td_dma *req);

/*
 * L3 -> L1 and L1 -> L3 through the RAM driver, on a DMA request as td_dma_in / td_dma_out: complete
 * only after td_dma_wait on that request (the tile loop double-buffers L3 boxes as it does L2 ones).
 * `l3_offset` and `l3_stride` are bytes into L3; copies count as L3<->L1 bytes.
 */
void td_l3_in(uint8_t *l1, uint32_t l3_offset, uint32_t rows, uint32_t row_bytes, uint32_t l1_stride, uint32_t l3_stride, td_dma *req,
              const char *what);
void td_l3_out(uint32_t l3_offset, const uint8_t *l1, uint32_t rows, uint32_t row_bytes, uint32_t l3_stride, uint32_t l1_stride, td_dma *req,
               const char *what);

/* L3 <-> L1/L2 through the RAM driver: blocking, offsets are bytes into L3. */
void td_l3_read(uint8_t *dst, uint32_t l3_offset, uint32_t bytes, const char *what);
void td_l3_write(uint32_t l3_offset, const uint8_t *src, uint32_t bytes, const char *what);
void td_l3_zero(uint32_t l3_offset, uint32_t bytes);

/* v clipped to [0, hi] (a tile's box bounds on an axis of hi elements). */
static inline int32_t td_clamp_i32(int32_t v, int32_t hi) { return v < 0 ? 0 : v > hi ? hi : v; }

/* Check that [p, p + bytes) lies inside L1 (a tile handed to a kernel); abort naming `what` otherwise. */
void td_check_l1(const void *p, uint32_t bytes, const char *what);

/* Bytes moved so far per level pair, and reset. */
typedef struct td_dma_stats {
    uint64_t l2_to_l1, l1_to_l2, l3_to_l2, l2_to_l3, l3_to_l1, l1_to_l3, transfers;
} td_dma_stats;
td_dma_stats td_dma_counters(void);
void td_dma_reset_counters(void);

#endif /* TD_RUNTIME_H */
