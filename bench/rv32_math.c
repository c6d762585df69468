/*
 * rv32_math.c - instructions per element of the elementwise, softmax, layer-norm and optimizer
 * kernels on one rv32imafc core (qemu-system-riscv32 -icount, rdinstret), for bench/rv32-math.sh.
 * Built once with td_target.h defining TD_NO_DOUBLE (float, as on a target without a double FPU)
 * and once without (double, the host's arithmetic in software). Bench program only, not device code.
 */
#include <stdint.h>
#include <stdio.h>

#include "td_kernels.h"

/* one core: the runtime calls the kernels need */
int td_core_id(void) { return 0; }
int td_num_cores(void) { return 1; }
void td_barrier(void) {}
void td_report_error(int code) { (void)code; }

static inline uint32_t instret(void) {
    uint32_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

#define N 1024
static float x[N], y[N], dy[N], m[N], v[N];

static void report(const char *name, uint32_t t0, uint32_t t1) { printf("%-14s %8lu\n", name, (unsigned long)((t1 - t0) / N)); }

int main(void) {
    float g[64], b[64], step = 3;
    uint32_t t0;
    int i;
    for (i = 0; i < N; i++) {
        x[i] = (float)(i - N / 2) / 128.0f; /* [-4, 4) */
        dy[i] = 1.0f;
    }
    for (i = 0; i < 64; i++) {
        g[i] = 1;
        b[i] = 0;
    }
    {
        td_unary_args a = {.y = y, .x = x, .n = N, .op = TD_GELU};
        t0 = instret(); td_unary(&a); report("gelu", t0, instret());
        a.op = TD_GELU_TANH; t0 = instret(); td_unary(&a); report("gelu_tanh", t0, instret());
        a.op = TD_EXP; t0 = instret(); td_unary(&a); report("exp", t0, instret());
        a.op = TD_ERF; t0 = instret(); td_unary(&a); report("erf", t0, instret());
        a.op = TD_RELU; t0 = instret(); td_unary(&a); report("relu", t0, instret());
    }
    {
        td_unary_grad_args a = {.dx = y, .dy = dy, .saved = x, .n = N, .op = TD_GELU_GRAD};
        t0 = instret(); td_unary_grad(&a); report("gelu_grad", t0, instret());
        a.op = TD_GELU_TANH_GRAD; t0 = instret(); td_unary_grad(&a); report("gelu_tanh_grad", t0, instret());
    }
    {
        td_softmax_args a = {.y = y, .x = x, .outer = 16, .n = 64, .inner = 1};
        td_softmax_grad_args ga = {.dx = m, .dy = dy, .y = y, .outer = 16, .n = 64, .inner = 1};
        t0 = instret(); td_softmax(&a); report("softmax", t0, instret());
        t0 = instret(); td_softmax_grad(&ga); report("softmax_grad", t0, instret());
    }
    {
        td_layernorm_args a = {.y = y, .x = x, .gamma = g, .beta = b, .rows = 16, .n = 64, .eps = 1e-5};
        t0 = instret(); td_layernorm(&a); report("layernorm", t0, instret());
    }
    {
        td_sgd_args a = {.p_out = y, .p = x, .g = dy, .n = N, .lr = 0.01};
        td_adam_args ad = {.p_out = y, .m_out = m, .v_out = v, .p = x, .g = dy, .m = m, .v = v, .step = &step, .n = N,
                           .lr = 0.001, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
        t0 = instret(); td_sgd(&a); report("sgd", t0, instret());
        t0 = instret(); td_adam(&ad); report("adam", t0, instret());
    }
    fflush(stdout);
    *(volatile uint32_t *)0x100000 = 0x5555; /* qemu virt's test device: exit */
    return 0;
}
