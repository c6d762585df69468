/*
 * td_runtime.h - the small runtime API the generated training step is written against.
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

#ifndef TD_NUM_CORES
#define TD_NUM_CORES 8
#endif

/*
 * Accumulator type of dot products and reductions. double on the host (results then match the
 * float64 reference interpreter to the last float bit in most elements); a target without a
 * double-precision FPU builds with -DTD_ACC_T=float.
 */
#ifndef TD_ACC_T
#define TD_ACC_T double
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

#endif /* TD_RUNTIME_H */
