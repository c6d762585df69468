/*
 * Host implementation of td_runtime.h: the cluster's cores are POSIX threads. td_fork starts
 * TD_NUM_CORES - 1 worker threads, runs core 0 on the calling thread and joins them; the barrier
 * is a mutex and condition variable with a generation count (portable where pthread_barrier_t is
 * missing). The core id lives in thread-specific data.
 */
#define _POSIX_C_SOURCE 200112L
#include "td_runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#if TD_NUM_CORES < 1
#error "TD_NUM_CORES must be at least 1"
#endif

static pthread_once_t td_once = PTHREAD_ONCE_INIT;
static pthread_key_t td_core_key;
static int td_ids[TD_NUM_CORES];

static pthread_mutex_t td_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t td_cond = PTHREAD_COND_INITIALIZER;
static int td_waiting;
static unsigned td_generation;

static pthread_mutex_t td_error_lock = PTHREAD_MUTEX_INITIALIZER;
static int td_error;

static void td_init_once(void) {
    int i;
    for (i = 0; i < TD_NUM_CORES; i++) td_ids[i] = i;
    if (pthread_key_create(&td_core_key, NULL) != 0) {
        fprintf(stderr, "td_runtime: pthread_key_create failed\n");
        abort();
    }
}

typedef struct {
    void (*fn)(void *);
    void *arg;
    int id;
} td_worker;

static void *td_run_worker(void *p) {
    td_worker *w = (td_worker *)p;
    pthread_setspecific(td_core_key, &td_ids[w->id]);
    w->fn(w->arg);
    return NULL;
}

void td_fork(void (*fn)(void *), void *arg) {
    pthread_t threads[TD_NUM_CORES];
    td_worker workers[TD_NUM_CORES];
    int i;
    pthread_once(&td_once, td_init_once);
    for (i = 1; i < TD_NUM_CORES; i++) {
        workers[i].fn = fn;
        workers[i].arg = arg;
        workers[i].id = i;
        if (pthread_create(&threads[i], NULL, td_run_worker, &workers[i]) != 0) {
            /* The barrier counts on every core: without all of them the step cannot run. */
            fprintf(stderr, "td_runtime: cannot start core %d of %d\n", i, TD_NUM_CORES);
            abort();
        }
    }
    pthread_setspecific(td_core_key, &td_ids[0]);
    fn(arg);
    for (i = 1; i < TD_NUM_CORES; i++) pthread_join(threads[i], NULL);
    pthread_setspecific(td_core_key, NULL);
}

int td_core_id(void) {
    const int *id;
    pthread_once(&td_once, td_init_once);
    id = (const int *)pthread_getspecific(td_core_key);
    return id == NULL ? 0 : *id;
}

int td_num_cores(void) { return TD_NUM_CORES; }

void td_barrier(void) {
    unsigned gen;
    if (TD_NUM_CORES == 1) return;
    pthread_mutex_lock(&td_lock);
    gen = td_generation;
    if (++td_waiting == TD_NUM_CORES) {
        td_waiting = 0;
        td_generation++;
        pthread_cond_broadcast(&td_cond);
    } else {
        while (gen == td_generation) pthread_cond_wait(&td_cond, &td_lock);
    }
    pthread_mutex_unlock(&td_lock);
}

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
