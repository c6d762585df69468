/*
 * rv32 implementation of td_runtime.h: the generated step as bare-metal rv32imafc code under
 * qemu-system-riscv32 -machine virt -bios none -smp TD_NUM_CORES (docs/rv32.md). Hart k is
 * cluster core k; picolibc's crt0 runs main on hart 0, td_rv32_start.S parks the others.
 *
 *   td_fork      hart 0 publishes the function, bumps a generation count and sends every other
 *                hart an inter-processor interrupt (the CLINT's msip registers); each hart runs the
 *                function, counts itself done with an atomic add, and the last one wakes hart 0
 *   td_barrier   sense reversal on an atomic counter; the last hart to arrive bumps the barrier's
 *                generation and interrupts the others. Waiting harts sleep in wfi (qemu halts them):
 *                a waiting hart retires no instructions
 *   memory       td_l1 (exactly TD_L1_SIZE bytes) and td_l3 live in sections of their own that the
 *                linker script (rv32.ld) places in the L1 and L3 regions of the target's memory map;
 *                td_l2 (the planned arena) is in .bss, in the L2 region with code and data
 *   DMA          recorded at td_dma_in / td_dma_out and copied at td_dma_wait, bounds-checked and
 *                byte-counted as on the host
 *
 * With -DTD_PROFILE (traindeeploy profile) the harts take turns instead of running at once: in
 * each barrier-separated phase hart 0 runs to the barrier, then hart 1, ..., and the last one
 * closes the phase. Results are the same (within a phase no core reads what another writes, the
 * barriers guarantee it), and since only one hart runs at a time, qemu's instruction count
 * (minstret under -icount shift=0 counts every hart's instructions) read around a hart's stretch
 * of work is exactly that hart's count. Counts are kept per scheduled node (TD_PROF_NODE marks
 * where a node starts) and per phase; DMA copies (a DMA engine's work on the device) and waiting
 * are not counted.
 */
#include "td_runtime.h"
#include "td_plan.h"

#include <picotls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if TD_NUM_CORES < 1
#error "TD_NUM_CORES must be at least 1"
#endif

#ifndef TD_HART_STACK
#define TD_HART_STACK 8192
#endif
#define TD_TLS_BYTES 256

/* qemu virt's CLINT: one machine software interrupt (msip) register per hart. */
#define TD_MSIP ((volatile uint32_t *)0x02000000u)

#if TD_L1_SIZE > 0
uint8_t td_l1[TD_L1_SIZE] __attribute__((section(".td_l1"), aligned(16)));
#endif
uint8_t td_l2[TD_L2_SIZE] __attribute__((aligned(16)));
#if TD_L3_SIZE > 0
static uint8_t td_l3[TD_L3_SIZE] __attribute__((section(".td_l3"), aligned(16)));
#endif

/* Stacks of harts 1 .. TD_NUM_CORES-1 (hart 0 uses picolibc's); td_rv32_start.S points sp at them. */
uint8_t td_hart_stacks[(TD_NUM_CORES > 1 ? TD_NUM_CORES - 1 : 1) * TD_HART_STACK] __attribute__((section(".td_stacks"), aligned(16)));
static uint8_t td_tls[TD_NUM_CORES][TD_TLS_BYTES] __attribute__((aligned(16)));
extern char __tls_size[];
extern uint32_t td_main_stack_bottom[]; /* rv32.ld: the lowest word of hart 0's stack */

/* A word at the bottom of every hart's stack, checked after each td_fork: a stack that ran over is an error, not silent corruption. */
#define TD_CANARY 0x5AFE57ACu
static volatile uint32_t *td_canary(uint32_t hart) {
    return hart == 0 ? (volatile uint32_t *)td_main_stack_bottom : (volatile uint32_t *)(td_hart_stacks + (size_t)(hart - 1) * TD_HART_STACK);
}

void td_hart_main(uint32_t hart);

static inline uint32_t td_hart(void) {
    uint32_t h;
    __asm__ volatile("csrr %0, mhartid" : "=r"(h));
    return h;
}

static inline uint32_t td_minstret(void) {
    uint32_t n;
    __asm__ volatile("csrr %0, minstret" : "=r"(n));
    return n;
}

static inline void td_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }

static inline void td_enable_ipi(void) { __asm__ volatile("csrs mie, %0" ::"r"(8u)); /* MSIE: wfi wakes on msip (mstatus.MIE stays 0: no trap) */ }

static inline void td_ipi(uint32_t hart) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    TD_MSIP[hart] = 1u;
}

/* Sleep until *word != old; an interrupt that arrives between the check and wfi keeps wfi from sleeping. */
static void td_wait_change(volatile uint32_t *word, uint32_t old, uint32_t hart) {
    for (;;) {
        TD_MSIP[hart] = 0u;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != old) return;
        td_wfi();
    }
}

static void td_wait_equal(volatile uint32_t *word, uint32_t want, uint32_t hart) {
    for (;;) {
        TD_MSIP[hart] = 0u;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == want) return;
        td_wfi();
    }
}

/* ---- profiling ---------------------------------------------------------------------------- */

#ifdef TD_PROFILE
#ifndef TD_PROF_NODES
#define TD_PROF_NODES 1
#endif
/* Slot 0: outside every node (td_fork, the step's input copies); slot k + 1: scheduled node k. */
#define TD_SLOTS (TD_PROF_NODES + 1)
/* In the SIM region (rv32.ld): the counters are the simulation's, not part of the device image. */
#define TD_SIM __attribute__((section(".td_sim")))
static int td_prof_on;
static TD_SIM uint32_t td_seg_start[TD_NUM_CORES];
static TD_SIM int32_t td_seg_node[TD_NUM_CORES];
static TD_SIM uint32_t td_phase_count[TD_NUM_CORES][TD_SLOTS];
static TD_SIM int32_t td_touched[TD_NUM_CORES][TD_SLOTS];
static TD_SIM int32_t td_touched_n[TD_NUM_CORES];
static TD_SIM uint64_t td_node_instr[TD_SLOTS], td_node_crit[TD_SLOTS], td_hart_instr[TD_NUM_CORES], td_crit_total;
static TD_SIM uint32_t td_phase_total;

static void td_seg_open(uint32_t h) {
    if (td_prof_on) td_seg_start[h] = td_minstret();
}

static void td_seg_close(uint32_t h) {
    int32_t s;
    uint32_t d;
    if (!td_prof_on) return;
    d = td_minstret() - td_seg_start[h];
    s = td_seg_node[h];
    if (td_phase_count[h][s] == 0 && d != 0) td_touched[h][td_touched_n[h]++] = s;
    td_phase_count[h][s] += d;
}

/* Every hart stopped at the phase's end: credit its counts, and the critical path to the busiest hart's nodes. */
static void td_phase_end(void) {
    uint32_t h, best = 0;
    uint64_t most = 0;
    int32_t i;
    if (!td_prof_on) return;
    for (h = 0; h < TD_NUM_CORES; h++) {
        uint64_t sum = 0;
        for (i = 0; i < td_touched_n[h]; i++) sum += td_phase_count[h][td_touched[h][i]];
        if (sum > most) most = sum, best = h;
    }
    for (h = 0; h < TD_NUM_CORES; h++) {
        for (i = 0; i < td_touched_n[h]; i++) {
            int32_t s = td_touched[h][i];
            uint32_t c = td_phase_count[h][s];
            td_node_instr[s] += c;
            td_hart_instr[h] += c;
            if (h == best) td_node_crit[s] += c;
            td_phase_count[h][s] = 0;
        }
        td_touched_n[h] = 0;
    }
    td_crit_total += most;
    if (most > 0) td_phase_total++;
}

void td_prof_node(int32_t node) {
    uint32_t h = td_hart();
    td_seg_close(h);
    td_seg_node[h] = node + 1;
    td_seg_open(h);
}

void td_prof_begin(void) {
    uint32_t h;
    memset(td_node_instr, 0, sizeof td_node_instr);
    memset(td_node_crit, 0, sizeof td_node_crit);
    memset(td_hart_instr, 0, sizeof td_hart_instr);
    td_crit_total = 0;
    td_phase_total = 0;
    for (h = 0; h < TD_NUM_CORES; h++) td_seg_node[h] = 0, td_touched_n[h] = 0;
    td_prof_on = 1;
    td_seg_open(0);
}

void td_prof_end(void) {
    td_seg_close(0);
    td_phase_end();
    td_prof_on = 0;
}

int td_prof_write(const char *path) {
    FILE *f = fopen(path, "w");
    uint64_t all = 0;
    int32_t i;
    uint32_t h;
    if (f == NULL) return 0;
    for (h = 0; h < TD_NUM_CORES; h++) all += td_hart_instr[h];
    fprintf(f, "instructions %llu\ncritical %llu\nphases %lu\nharts %d\n", (unsigned long long)all, (unsigned long long)td_crit_total,
            (unsigned long)td_phase_total, TD_NUM_CORES);
    for (h = 0; h < TD_NUM_CORES; h++) fprintf(f, "hart %lu %llu\n", (unsigned long)h, (unsigned long long)td_hart_instr[h]);
    for (i = 0; i < TD_SLOTS; i++) {
        fprintf(f, "node %ld %llu %llu\n", (long)i - 1, (unsigned long long)td_node_instr[i], (unsigned long long)td_node_crit[i]);
    }
    return fclose(f) == 0;
}
#else
#define td_seg_open(h) ((void)(h))
#define td_seg_close(h) ((void)(h))
#define td_phase_end() ((void)0)
#endif

/* ---- fork and barrier --------------------------------------------------------------------- */

static void (*volatile td_work_fn)(void *);
static void *volatile td_work_arg;
static volatile uint32_t td_work_gen;  /* bumped by every td_fork */
static volatile uint32_t td_done;      /* harts 1.. that finished the current fork */
static volatile uint32_t td_bar_count; /* harts at the barrier */
static volatile uint32_t td_bar_gen;   /* bumped when a barrier opens */
#ifdef TD_PROFILE
static volatile uint32_t td_turn;      /* the hart whose turn it is (profiling: one hart at a time) */
#endif
static volatile int td_error;

/* Harts 1 ..: park until hart 0 forks, run the function, report done; forever. */
void td_hart_main(uint32_t hart) {
    uint32_t seen = 0;
    int ready = 0;
    td_enable_ipi();
    for (;;) {
        td_wait_change(&td_work_gen, seen, hart);
        if (!ready) {
            /* main has run (bss and TLS templates are in place): this hart's thread-local block (errno). */
            if ((uintptr_t)__tls_size > TD_TLS_BYTES) exit(5);
            _init_tls(td_tls[hart]);
            _set_tls(td_tls[hart]);
            ready = 1;
        }
        seen = td_work_gen;
#ifdef TD_PROFILE
        td_wait_equal(&td_turn, hart, hart);
#endif
        td_seg_open(hart);
        td_work_fn(td_work_arg);
        td_seg_close(hart);
#ifdef TD_PROFILE
        if (hart == TD_NUM_CORES - 1) {
            td_turn = 0;
            td_ipi(0);
        } else {
            td_turn = hart + 1;
            td_ipi(hart + 1);
        }
#else
        if (__atomic_add_fetch(&td_done, 1u, __ATOMIC_ACQ_REL) == TD_NUM_CORES - 1) td_ipi(0);
#endif
    }
}

void td_fork(void (*fn)(void *), void *arg) {
    uint32_t h;
    td_seg_close(0);
    td_phase_end();
#ifdef TD_PROFILE
    for (h = 0; h < TD_NUM_CORES; h++) td_seg_node[h] = 0;
#endif
    for (h = 0; h < TD_NUM_CORES; h++) *td_canary(h) = TD_CANARY;
    if (TD_NUM_CORES > 1) {
        td_enable_ipi();
        td_work_fn = fn;
        td_work_arg = arg;
        td_done = 0;
#ifdef TD_PROFILE
        td_turn = 0;
#endif
        __atomic_store_n(&td_work_gen, td_work_gen + 1u, __ATOMIC_RELEASE);
        for (h = 1; h < TD_NUM_CORES; h++) td_ipi(h);
    }
    td_seg_open(0);
    fn(arg);
    td_seg_close(0);
    if (TD_NUM_CORES > 1) {
#ifdef TD_PROFILE
        td_turn = 1;
        td_ipi(1);
        td_wait_equal(&td_turn, 0, 0);
#else
        td_wait_equal(&td_done, TD_NUM_CORES - 1, 0);
#endif
    }
    td_phase_end();
    for (h = 0; h < TD_NUM_CORES; h++) {
        if (*td_canary(h) != TD_CANARY) {
            fprintf(stderr, "td_runtime: the stack of hart %lu ran over (make rv32 RV32_STACK=... / RV32_MAIN_STACK=... for more)\n", (unsigned long)h);
            exit(4);
        }
    }
#ifdef TD_PROFILE
    td_seg_node[0] = 0;
#endif
    td_seg_open(0);
}

int td_core_id(void) { return (int)td_hart(); }

int td_num_cores(void) { return TD_NUM_CORES; }

void td_barrier(void) {
    uint32_t me, gen;
    if (TD_NUM_CORES == 1) return;
    me = td_hart();
    td_seg_close(me);
    gen = __atomic_load_n(&td_bar_gen, __ATOMIC_ACQUIRE);
#ifdef TD_PROFILE
    if (me == TD_NUM_CORES - 1) {
        td_phase_end();
        td_turn = 0;
        td_ipi(0);
    } else {
        td_turn = me + 1;
        td_ipi(me + 1);
    }
    td_wait_equal(&td_turn, me, me);
    (void)gen;
#else
    if (__atomic_add_fetch(&td_bar_count, 1u, __ATOMIC_ACQ_REL) == TD_NUM_CORES) {
        uint32_t h;
        td_bar_count = 0;
        __atomic_store_n(&td_bar_gen, gen + 1u, __ATOMIC_RELEASE);
        for (h = 0; h < TD_NUM_CORES; h++) {
            if (h != me) td_ipi(h);
        }
    } else {
        td_wait_change(&td_bar_gen, gen, me);
    }
#endif
    td_seg_open(me);
}

void td_report_error(int code) {
    int none = 0;
    __atomic_compare_exchange_n(&td_error, &none, code, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

int td_take_error(void) { return __atomic_exchange_n(&td_error, 0, __ATOMIC_ACQ_REL); }

/* ---- memory levels and DMA ---------------------------------------------------------------- */

static td_dma_stats td_stats;

enum { TD_LEVEL_NONE, TD_LEVEL_L1, TD_LEVEL_L2 };

static int td_inside(const void *p, uint64_t bytes, const uint8_t *base, uint64_t size) {
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return a >= b && a - b <= size && bytes <= size - (a - b);
}

static void td_violation(const char *kind, const void *p, uint64_t bytes, const char *level, const char *what) {
    fprintf(stderr, "td_runtime: %s of %lu bytes at %p is outside %s (node '%s')\n", kind, (unsigned long)bytes, p, level,
            what == NULL ? "?" : what);
    exit(4);
}

static uint64_t td_span(uint32_t rows, uint32_t row_bytes, uint32_t stride) {
    return rows == 0 ? 0 : (uint64_t)(rows - 1) * stride + row_bytes;
}

void td_check_l1(const void *p, uint32_t bytes, const char *what) {
#if TD_L1_SIZE > 0
    if (!td_inside(p, bytes, td_l1, TD_L1_SIZE)) td_violation("tile", p, bytes, "L1", what);
#else
    td_violation("tile", p, bytes, "L1 (the target has none)", what);
#endif
}

static void td_check_l2(const void *p, uint64_t bytes, const char *what) {
    if (!td_inside(p, bytes, td_l2, TD_L2_SIZE)) td_violation("DMA", p, bytes, "L2", what);
}

static uint64_t td_transfers(uint32_t rows, uint32_t row_bytes) {
    uint64_t per = row_bytes == 0 ? 0 : (row_bytes + TD_DMA_MAX - 1) / TD_DMA_MAX;
    return per * rows;
}

static void td_enqueue(uint8_t *dst, const uint8_t *src, uint32_t rows, uint32_t row_bytes, uint32_t dst_stride, uint32_t src_stride,
                       td_dma *req) {
    int k = req->pending;
    if (k >= TD_DMA_SLOTS) {
        fprintf(stderr, "td_runtime: more than %d copies on one DMA request\n", TD_DMA_SLOTS);
        exit(4);
    }
    req->dst[k] = dst;
    req->src[k] = src;
    req->rows[k] = rows;
    req->row_bytes[k] = row_bytes;
    req->dst_stride[k] = dst_stride;
    req->src_stride[k] = src_stride;
    req->pending = k + 1;
}

void td_dma_in(uint8_t *l1, const uint8_t *l2, uint32_t rows, uint32_t row_bytes, uint32_t l1_stride, uint32_t l2_stride, td_dma *req,
               const char *what) {
    td_check_l1(l1, (uint32_t)td_span(rows, row_bytes, l1_stride), what);
    td_check_l2(l2, td_span(rows, row_bytes, l2_stride), what);
    td_stats.l2_to_l1 += (uint64_t)rows * row_bytes;
    td_stats.transfers += td_transfers(rows, row_bytes);
    td_enqueue(l1, l2, rows, row_bytes, l1_stride, l2_stride, req);
}

void td_dma_out(uint8_t *l2, const uint8_t *l1, uint32_t rows, uint32_t row_bytes, uint32_t l2_stride, uint32_t l1_stride, td_dma *req,
                const char *what) {
    td_check_l1(l1, (uint32_t)td_span(rows, row_bytes, l1_stride), what);
    td_check_l2(l2, td_span(rows, row_bytes, l2_stride), what);
    td_stats.l1_to_l2 += (uint64_t)rows * row_bytes;
    td_stats.transfers += td_transfers(rows, row_bytes);
    td_enqueue(l2, l1, rows, row_bytes, l2_stride, l1_stride, req);
}

/* The copies themselves are the DMA engine's work, not the cores': the profile does not count them. */
void td_dma_wait(td_dma *req) {
    int k;
    uint32_t r, me = td_hart();
    td_seg_close(me);
    for (k = 0; k < req->pending; k++) {
        for (r = 0; r < req->rows[k]; r++) {
            memmove(req->dst[k] + (size_t)r * req->dst_stride[k], req->src[k] + (size_t)r * req->src_stride[k], req->row_bytes[k]);
        }
    }
    req->pending = 0;
    td_seg_open(me);
}

static int td_level_of(const void *p, uint32_t bytes) {
#if TD_L1_SIZE > 0
    if (td_inside(p, bytes, td_l1, TD_L1_SIZE)) return TD_LEVEL_L1;
#endif
    if (td_inside(p, bytes, td_l2, TD_L2_SIZE)) return TD_LEVEL_L2;
    return TD_LEVEL_NONE;
}

static void td_check_l3(uint32_t off, uint32_t bytes, const char *what) {
#if TD_L3_SIZE > 0
    if ((uint64_t)off + bytes > (uint64_t)TD_L3_SIZE) {
        fprintf(stderr, "td_runtime: L3 access of %lu bytes at offset %lu is outside L3 (node '%s')\n", (unsigned long)bytes,
                (unsigned long)off, what == NULL ? "?" : what);
        exit(4);
    }
#else
    (void)off;
    fprintf(stderr, "td_runtime: L3 access of %lu bytes but the target has no L3 (node '%s')\n", (unsigned long)bytes,
            what == NULL ? "?" : what);
    exit(4);
#endif
}

void td_l3_read(uint8_t *dst, uint32_t l3_offset, uint32_t bytes, const char *what) {
    int lvl = td_level_of(dst, bytes);
    uint32_t me = td_hart();
    td_check_l3(l3_offset, bytes, what);
    if (lvl == TD_LEVEL_L1) td_stats.l3_to_l1 += bytes;
    if (lvl == TD_LEVEL_L2) td_stats.l3_to_l2 += bytes;
    td_stats.transfers += td_transfers(1, bytes);
    td_seg_close(me);
#if TD_L3_SIZE > 0
    memcpy(dst, td_l3 + l3_offset, bytes);
#else
    (void)dst;
#endif
    td_seg_open(me);
}

void td_l3_write(uint32_t l3_offset, const uint8_t *src, uint32_t bytes, const char *what) {
    int lvl = td_level_of(src, bytes);
    uint32_t me = td_hart();
    td_check_l3(l3_offset, bytes, what);
    if (lvl == TD_LEVEL_L1) td_stats.l1_to_l3 += bytes;
    if (lvl == TD_LEVEL_L2) td_stats.l2_to_l3 += bytes;
    td_stats.transfers += td_transfers(1, bytes);
    td_seg_close(me);
#if TD_L3_SIZE > 0
    memcpy(td_l3 + l3_offset, src, bytes);
#else
    (void)src;
#endif
    td_seg_open(me);
}

/* One L3<->L1 box on a request (to_l1: L3 -> L1): checked, counted, queued; done at td_dma_wait. */
static void td_l3_box(uint8_t *l1, uint32_t l3_offset, uint32_t rows, uint32_t row_bytes, uint32_t l1_stride, uint32_t l3_stride, td_dma *req,
                      int to_l1, const char *what) {
    td_check_l1(l1, (uint32_t)td_span(rows, row_bytes, l1_stride), what);
    td_check_l3(l3_offset, (uint32_t)td_span(rows, row_bytes, l3_stride), what);
    if (to_l1) td_stats.l3_to_l1 += (uint64_t)rows * row_bytes;
    else td_stats.l1_to_l3 += (uint64_t)rows * row_bytes;
    td_stats.transfers += td_transfers(rows, row_bytes);
#if TD_L3_SIZE > 0
    if (to_l1) td_enqueue(l1, td_l3 + l3_offset, rows, row_bytes, l1_stride, l3_stride, req);
    else td_enqueue(td_l3 + l3_offset, l1, rows, row_bytes, l3_stride, l1_stride, req);
#else
    (void)req;
#endif
}

void td_l3_in(uint8_t *l1, uint32_t l3_offset, uint32_t rows, uint32_t row_bytes, uint32_t l1_stride, uint32_t l3_stride, td_dma *req,
              const char *what) {
    td_l3_box(l1, l3_offset, rows, row_bytes, l1_stride, l3_stride, req, 1, what);
}

void td_l3_out(uint32_t l3_offset, const uint8_t *l1, uint32_t rows, uint32_t row_bytes, uint32_t l3_stride, uint32_t l1_stride, td_dma *req,
               const char *what) {
    td_l3_box((uint8_t *)(uintptr_t)l1, l3_offset, rows, row_bytes, l1_stride, l3_stride, req, 0, what);
}

void td_l3_zero(uint32_t l3_offset, uint32_t bytes) {
    td_check_l3(l3_offset, bytes, "init");
#if TD_L3_SIZE > 0
    memset(td_l3 + l3_offset, 0, bytes);
#endif
}

td_dma_stats td_dma_counters(void) { return td_stats; }

void td_dma_reset_counters(void) { memset(&td_stats, 0, sizeof td_stats); }
