/*
 * Host implementation of td_runtime.h: the cluster's cores are POSIX threads. Core 0 is the thread
 * that calls td_fork; the first td_fork starts TD_NUM_CORES - 1 worker threads that live for the rest
 * of the process, parked in td_barrier between steps: td_fork publishes the body and meets them at a
 * barrier (start), runs core 0's share and meets them again (end). The core id lives in
 * thread-specific data.
 *
 * The barrier is sense-reversing on a generation count with GCC __atomic builtins (the build is C99):
 * the last core to arrive resets the count and advances the generation; the others poll it for a
 * while (up to 100 us, halved after each wait that outlasted it, doubled back after polling succeeded:
 * cheaper than a futex wake per barrier, yet not burning a loaded machine; a limit shorter than a
 * sleeper's wake-up on a virtual machine, 20 us here, let one sleep cascade into sleeps at every
 * barrier), then sleep on a condition variable, so that more cores than CPUs (the tests run 8 on 2) still progress. When there are more
 * cores than online CPUs the waiters do not poll. No sched_yield: on a loaded machine a yielding
 * waiter queues behind other processes' threads and misses the release by a time slice (cct2 FT2
 * with 16 yields before sleeping ran 3-7x slower in wall time, at 2 and at 8 cores). The memory
 * orders make every write before a barrier visible to every core after it: each arrival is an acq_rel
 * increment of the count (the last one acquires all earlier arrivals), the release of the generation
 * publishes them.
 */
#define _POSIX_C_SOURCE 200112L
#include "td_runtime.h"
#include "td_plan.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if TD_NUM_CORES < 1
#error "TD_NUM_CORES must be at least 1"
#endif

#ifndef TD_BARRIER_SPIN_NS
#define TD_BARRIER_SPIN_NS 100000L
#endif

static pthread_once_t td_once = PTHREAD_ONCE_INIT;
static pthread_key_t td_core_key;
static int td_ids[TD_NUM_CORES];

/* Barrier: arrivals in this generation, the generation, and cores asleep on td_cond. */
static unsigned td_arrived;
static unsigned td_generation;
static unsigned td_sleepers;
static pthread_mutex_t td_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t td_cond = PTHREAD_COND_INITIALIZER;
/* Nanoseconds of polling the generation before sleeping (td_init_once). */
static long td_spin_ns;
/* Each core's current polling budget (ns), written only by that core, one cache line each. */
static struct {
    long ns;
    char pad[64 - sizeof(long)];
} td_budget[TD_NUM_CORES];

/* The body the workers run (written by core 0 before the start barrier) and whether they exist. */
static void (*td_body)(void *);
static void *td_body_arg;
static int td_started;

static pthread_mutex_t td_error_lock = PTHREAD_MUTEX_INITIALIZER;
static int td_error;

static void td_init_once(void) {
    int i;
    long cpus;
    for (i = 0; i < TD_NUM_CORES; i++) td_ids[i] = i;
    if (pthread_key_create(&td_core_key, NULL) != 0) {
        fprintf(stderr, "td_runtime: pthread_key_create failed\n");
        abort();
    }
#ifdef _SC_NPROCESSORS_ONLN
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
#else
    cpus = -1;
#endif
    /* More cores than CPUs: a spinning waiter would keep the core it waits for off the CPU. */
    td_spin_ns = cpus > 0 && TD_NUM_CORES > cpus ? 0L : TD_BARRIER_SPIN_NS;
    for (i = 0; i < TD_NUM_CORES; i++) td_budget[i].ns = td_spin_ns;
}

static inline void td_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

void td_barrier(void) {
    unsigned gen, n;
    if (TD_NUM_CORES == 1) return;
    /* Read before arriving: the generation cannot advance until this core has arrived. */
    gen = __atomic_load_n(&td_generation, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&td_arrived, 1u, __ATOMIC_ACQ_REL) == (unsigned)TD_NUM_CORES) {
        /* Nobody arrives for the next generation before seeing this one end. */
        __atomic_store_n(&td_arrived, 0u, __ATOMIC_RELAXED);
        __atomic_store_n(&td_generation, gen + 1u, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&td_sleepers, __ATOMIC_SEQ_CST) != 0u) {
            pthread_mutex_lock(&td_lock);
            pthread_cond_broadcast(&td_cond);
            pthread_mutex_unlock(&td_lock);
        }
        return;
    }
    if (td_spin_ns > 0) {
        /* This core's polling budget adapts: halved when the wait outlasted it (the core we wait for is
           off the CPU, or the imbalance is long), doubled back up to td_spin_ns when polling succeeded. */
        long *budget = &td_budget[td_core_id()].ns;
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do {
            for (n = 0; n < 64u; n++) {
                if (__atomic_load_n(&td_generation, __ATOMIC_ACQUIRE) != gen) {
                    if (*budget < td_spin_ns) *budget = 2 * *budget < td_spin_ns ? 2 * *budget : td_spin_ns;
                    return;
                }
                td_relax();
            }
            clock_gettime(CLOCK_MONOTONIC, &t);
        } while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < *budget);
        if (*budget > td_spin_ns / 32) *budget /= 2;
    }
    /* Sleep. Announcing the sleeper before re-reading the generation (both sequentially consistent)
     * means the last arrival either sees the sleeper and broadcasts under the lock, or this read sees
     * the new generation. */
    pthread_mutex_lock(&td_lock);
    __atomic_add_fetch(&td_sleepers, 1u, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&td_generation, __ATOMIC_SEQ_CST) == gen) pthread_cond_wait(&td_cond, &td_lock);
    __atomic_sub_fetch(&td_sleepers, 1u, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&td_lock);
}

/* A worker: core `id` for the life of the process, running each td_fork's body between two barriers. */
static void *td_run_worker(void *p) {
    const int *id = (const int *)p;
    pthread_setspecific(td_core_key, id);
    for (;;) {
        td_barrier(); /* start: td_body is set */
        td_body(td_body_arg);
        td_barrier(); /* end */
    }
    return NULL;
}

static void td_start_workers(void) {
    pthread_attr_t attr;
    pthread_t t;
    int i;
    if (pthread_attr_init(&attr) != 0 || pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0) {
        fprintf(stderr, "td_runtime: pthread_attr_init failed\n");
        abort();
    }
    for (i = 1; i < TD_NUM_CORES; i++) {
        if (pthread_create(&t, &attr, td_run_worker, &td_ids[i]) != 0) {
            /* The barrier counts on every core: without all of them the step cannot run. */
            fprintf(stderr, "td_runtime: cannot start core %d of %d\n", i, TD_NUM_CORES);
            abort();
        }
    }
    pthread_attr_destroy(&attr);
}

void td_fork(void (*fn)(void *), void *arg) {
    pthread_once(&td_once, td_init_once);
    pthread_setspecific(td_core_key, &td_ids[0]);
    if (TD_NUM_CORES > 1) {
        td_body = fn; /* published to the workers by the start barrier */
        td_body_arg = arg;
        if (!td_started) {
            td_started = 1;
            td_start_workers();
        }
        td_barrier();
    }
    fn(arg);
    if (TD_NUM_CORES > 1) td_barrier();
    pthread_setspecific(td_core_key, NULL);
}

int td_core_id(void) {
    const int *id;
    pthread_once(&td_once, td_init_once);
    id = (const int *)pthread_getspecific(td_core_key);
    return id == NULL ? 0 : *id;
}

int td_num_cores(void) { return TD_NUM_CORES; }

void td_report_error(int code) {
    pthread_mutex_lock(&td_error_lock);
    if (td_error == 0) td_error = code;
    pthread_mutex_unlock(&td_error_lock);
}

int td_take_error(void) {
    int e;
    pthread_mutex_lock(&td_error_lock);
    e = td_error;
    td_error = 0;
    pthread_mutex_unlock(&td_error_lock);
    return e;
}

/* ---- memory levels and DMA (host simulation) ----------------------------------------------
 *
 * L1, L2 and L3 are fixed-size arrays of the target's sizes. A DMA request records its copies and
 * performs them at td_dma_wait: code that reads a destination before waiting, or overwrites a
 * source before the copy completed, computes wrong numbers here just as it would on the device.
 * Every copy and every tile pointer is checked against its level; a violation aborts with the
 * node's name. Bytes are counted per level pair.
 */
#include <string.h>

#if TD_L1_SIZE > 0
uint8_t td_l1[TD_L1_SIZE] __attribute__((aligned(16)));
#endif
uint8_t td_l2[TD_L2_SIZE] __attribute__((aligned(16)));
#if TD_L3_SIZE > 0
static uint8_t td_l3[TD_L3_SIZE] __attribute__((aligned(16)));
#endif

static pthread_mutex_t td_dma_lock = PTHREAD_MUTEX_INITIALIZER;
static td_dma_stats td_stats;

enum { TD_LEVEL_NONE, TD_LEVEL_L1, TD_LEVEL_L2 };

static int td_inside(const void *p, uint64_t bytes, const uint8_t *base, uint64_t size) {
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return a >= b && a - b <= size && bytes <= size - (a - b);
}

static void td_violation(const char *kind, const void *p, uint64_t bytes, const char *level, const char *what) {
    fprintf(stderr, "td_runtime: %s of %llu bytes at %p is outside %s (node '%s')\n", kind, (unsigned long long)bytes, p, level,
            what == NULL ? "?" : what);
    abort();
}

/* Bytes a 2-D pattern spans from its first byte. */
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
        abort();
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
    pthread_mutex_lock(&td_dma_lock);
    td_stats.l2_to_l1 += (uint64_t)rows * row_bytes;
    td_stats.transfers += td_transfers(rows, row_bytes);
    pthread_mutex_unlock(&td_dma_lock);
    td_enqueue(l1, l2, rows, row_bytes, l1_stride, l2_stride, req);
}

void td_dma_out(uint8_t *l2, const uint8_t *l1, uint32_t rows, uint32_t row_bytes, uint32_t l2_stride, uint32_t l1_stride, td_dma *req,
                const char *what) {
    td_check_l1(l1, (uint32_t)td_span(rows, row_bytes, l1_stride), what);
    td_check_l2(l2, td_span(rows, row_bytes, l2_stride), what);
    pthread_mutex_lock(&td_dma_lock);
    td_stats.l1_to_l2 += (uint64_t)rows * row_bytes;
    td_stats.transfers += td_transfers(rows, row_bytes);
    pthread_mutex_unlock(&td_dma_lock);
    td_enqueue(l2, l1, rows, row_bytes, l2_stride, l1_stride, req);
}

void td_dma_wait(td_dma *req) {
    int k;
    uint32_t r;
    for (k = 0; k < req->pending; k++) {
        for (r = 0; r < req->rows[k]; r++) {
            memmove(req->dst[k] + (size_t)r * req->dst_stride[k], req->src[k] + (size_t)r * req->src_stride[k], req->row_bytes[k]);
        }
    }
    req->pending = 0;
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
        fprintf(stderr, "td_runtime: L3 access of %u bytes at offset %u is outside L3 (%llu bytes) (node '%s')\n", bytes, off,
                (unsigned long long)TD_L3_SIZE, what == NULL ? "?" : what);
        abort();
    }
#else
    (void)off;
    fprintf(stderr, "td_runtime: L3 access of %u bytes but the target has no L3 (node '%s')\n", bytes, what == NULL ? "?" : what);
    abort();
#endif
}

void td_l3_read(uint8_t *dst, uint32_t l3_offset, uint32_t bytes, const char *what) {
    int lvl = td_level_of(dst, bytes);
    td_check_l3(l3_offset, bytes, what);
    pthread_mutex_lock(&td_dma_lock);
    if (lvl == TD_LEVEL_L1) td_stats.l3_to_l1 += bytes;
    if (lvl == TD_LEVEL_L2) td_stats.l3_to_l2 += bytes;
    td_stats.transfers += td_transfers(1, bytes);
    pthread_mutex_unlock(&td_dma_lock);
#if TD_L3_SIZE > 0
    memcpy(dst, td_l3 + l3_offset, bytes);
#else
    (void)dst;
#endif
}

void td_l3_write(uint32_t l3_offset, const uint8_t *src, uint32_t bytes, const char *what) {
    int lvl = td_level_of(src, bytes);
    td_check_l3(l3_offset, bytes, what);
    pthread_mutex_lock(&td_dma_lock);
    if (lvl == TD_LEVEL_L1) td_stats.l1_to_l3 += bytes;
    if (lvl == TD_LEVEL_L2) td_stats.l2_to_l3 += bytes;
    td_stats.transfers += td_transfers(1, bytes);
    pthread_mutex_unlock(&td_dma_lock);
#if TD_L3_SIZE > 0
    memcpy(td_l3 + l3_offset, src, bytes);
#else
    (void)src;
#endif
}

/* One L3<->L1 box on a request (to_l1: L3 -> L1): checked, counted, queued; done at td_dma_wait. */
static void td_l3_box(uint8_t *l1, uint32_t l3_offset, uint32_t rows, uint32_t row_bytes, uint32_t l1_stride, uint32_t l3_stride, td_dma *req,
                      int to_l1, const char *what) {
    td_check_l1(l1, (uint32_t)td_span(rows, row_bytes, l1_stride), what);
    td_check_l3(l3_offset, (uint32_t)td_span(rows, row_bytes, l3_stride), what);
    pthread_mutex_lock(&td_dma_lock);
    if (to_l1) td_stats.l3_to_l1 += (uint64_t)rows * row_bytes;
    else td_stats.l1_to_l3 += (uint64_t)rows * row_bytes;
    td_stats.transfers += td_transfers(rows, row_bytes);
    pthread_mutex_unlock(&td_dma_lock);
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

td_dma_stats td_dma_counters(void) {
    td_dma_stats s;
    pthread_mutex_lock(&td_dma_lock);
    s = td_stats;
    pthread_mutex_unlock(&td_dma_lock);
    return s;
}

void td_dma_reset_counters(void) {
    pthread_mutex_lock(&td_dma_lock);
    memset(&td_stats, 0, sizeof td_stats);
    pthread_mutex_unlock(&td_dma_lock);
}
