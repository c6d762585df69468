/*
 * td_math.h - the real type of the kernels' arithmetic (td_real) and its math functions.
 *
 * td_real is double on targets with a double-precision FPU (the host) and float on targets whose
 * cores have none (td_target.h defines TD_NO_DOUBLE; "doubleFpu": false in the target file). Kernels
 * compute in td_real and call td_exp, td_log, td_erf, td_erfc, td_tanh, td_sqrt, td_pow; literals in
 * them are written TD_R(0.5) (0.5f in the float build), so the float build contains no double
 * arithmetic at all: no libgcc __*df3 calls on an rv32imafc core, no hidden promotions (the kernels
 * build with -Wdouble-promotion -Werror).
 *
 * The float functions are our own (the libm float versions are slow, set errno, or compute in double
 * on some C libraries); their polynomials come from tools/td_math_fit.py. Measured errors (the
 * TdMathTest sweep against the C library's double functions): exp, log <= 1 ulp; erf, tanh <= 1.5 ulp;
 * sigmoid <= 2.5 ulp; erfc <= 3.5 ulp; pow: see td_pow. They use only float +, -, *, /, sqrtf and integer
 * operations, so the host simulation of a float target computes the same bits as the device (given
 * the same floating-point contraction; the generated Makefile's -std=c99 turns it off).
 */
#ifndef TD_MATH_H
#define TD_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "td_runtime.h"

/* Length of the blocks of a blocked sum: partial sums of at most this many terms are added into the
   running total, so a float sum of n terms errs like one of about TD_SUM_BLOCK + n / TD_SUM_BLOCK. */
#define TD_SUM_BLOCK 64

/* c + a * b: one fused multiply-add (one rounding) where a float build runs on cores that have one
   (RISC-V F: fmadd.s; the generated Makefile's -std=c99 keeps the compiler from contracting a * b + c
   itself), a multiply and an add elsewhere (the host's double arithmetic, where a libm fma call
   would cost more than it saves). The dot-product kernels write their inner loops with it; the
   host's matrix products use vector FMA instructions instead (TD_HOST_GEMM, td_gemm.h). */
#if defined(TD_NO_DOUBLE) && (defined(__riscv) || defined(FP_FAST_FMAF))
#define TD_FMA(a, b, c) __builtin_fmaf((a), (b), (c))
#else
#define TD_FMA(a, b, c) ((c) + (a) * (b))
#endif

/* TD_HOST: the host build (threads as cores), neither the rv32 firmware (TD_RV32) nor PULP (TD_PULP).
   Kernels add host-only fast paths under it (vector lanes, contiguous special cases, a max pooling
   by runs) that compute the same bits as the general code the devices compile. */
#if !defined(TD_RV32) && !defined(TD_PULP)
#define TD_HOST 1
#endif

/* Full unrolling of a short constant-count loop whose arrays should live in registers (GCC, Clang). */
#if defined(__GNUC__)
#define TD_UNROLL _Pragma("GCC unroll 16")
#else
#define TD_UNROLL
#endif

#ifdef TD_NO_DOUBLE

#define TD_R(c) c##f
#define TD_INF HUGE_VALF

static inline uint32_t td_f2u(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float td_u2f(uint32_t u) {
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static inline float td_sqrt(float x) { return sqrtf(x); }
static inline float td_fabs(float x) { return td_u2f(td_f2u(x) & 0x7fffffffu); }

/* e^(hi + lo) for a pair whose sum carries more bits than one float (lo small next to hi, or 0).
   x = k ln2 + r with |r| <= ln2/2 (Cody-Waite: k * TD_LN2_HI is exact for |k| < 2^9), then
   e^r = 1 + r + r^2 q(r) with q the Taylor polynomial of degree 5 (truncation < 1e-8), then 2^k. */
static inline float td_exp_hl(float hi, float lo) {
    const float ln2_hi = 0.693145751953125f;     /* 0x3f317200: 15 significant bits */
    const float ln2_lo = 1.42860676533018704e-06f; /* ln2 - ln2_hi */
    float x = hi + lo, r, q, p;
    int32_t k;
    if (x != x) return x;
    if (x > 88.7228394f) return HUGE_VALF;
    if (x < -103.972084f) return 0.0f;
    k = (int32_t)(x * 1.44269502f + (x >= 0 ? 0.5f : -0.5f));
    r = (hi - (float)k * ln2_hi) + (lo - (float)k * ln2_lo);
    q = 1.0f / 2 + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))));
    p = 1.0f + (r + r * r * q);
    if (k > 127) return p * 2.0f * td_u2f((uint32_t)(k - 1 + 127) << 23);
    if (k < -125) return p * td_u2f((uint32_t)(k + 100 + 127) << 23) * 7.88860905e-31f; /* 2^-100: one rounding into the subnormals */
    return p * td_u2f((uint32_t)(k + 127) << 23);
}

static inline float td_exp(float x) { return td_exp_hl(x, 0.0f); }

/* x = 2^e m with m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f):
   log(1 + f) = 2 atanh(s) = 2s + s R(s^2), R(z) = 2z/3 + 2z^2/5 + 2z^3/7 + 2z^4/9 (|s| < 0.172: truncation
   < 2e-9), written as f - f^2/2 + s (f^2/2 + R) so that the rounding errors stay small next to f. */
static inline float td_log(float x) {
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.42860676533018704e-06f;
    uint32_t u = td_f2u(x);
    int32_t e = 0;
    float m, f, s, z, r, h, ef;
    if (x != x || x == HUGE_VALF) return x;
    if (x == 0.0f) return -HUGE_VALF;
    if (u >> 31) return NAN;
    if (u < 0x00800000u) { /* subnormal: scale into the normal range */
        x *= 33554432.0f;     /* 2^25 */
        u = td_f2u(x);
        e = -25;
    }
    e += (int32_t)(u >> 23) - 127;
    u = (u & 0x007fffffu) | 0x3f800000u; /* m in [1, 2) */
    if (u > 0x3fb504f3u) {               /* m > sqrt(2): halve it */
        u -= 0x00800000u;
        e += 1;
    }
    m = td_u2f(u);
    f = m - 1.0f;
    s = f / (2.0f + f);
    z = s * s;
    r = z * (2.0f / 3 + z * (2.0f / 5 + z * (2.0f / 7 + z * (2.0f / 9))));
    h = 0.5f * f * f;
    ef = (float)e;
    return ef * ln2_hi + (f - (h - (s * (h + r) + ef * ln2_lo)));
}

/* erfc(x) for 0.5 <= x <= 10 as e^(-x^2) Q(x): x^2 = xh^2 + xl (x + xh) with xh = x's leading 12 bits
   (xh^2 exact), so e^(-x^2) keeps its precision although x^2 does not fit a float. Q is a polynomial
   in x below 2.5 and R(1/x^2) / x above (near-minimax, errors 1.4e-8 and 1.1e-8). */
static inline float td_erfc_tail(float x) {
    float xh = td_u2f(td_f2u(x) & 0xfffff000u);
    float xl = x - xh;
    float e = td_exp_hl(-(xh * xh), -(xl * (x + xh)));
    float q;
    if (x < 2.5f) {
        float u = x - 1.5f;
        q = -9.051851521e-06f;
        q = q * u + 3.012266097e-05f;
        q = q * u - 7.021189958e-05f;
        q = q * u + 2.147382911e-04f;
        q = q * u - 6.632265286e-04f;
        q = q * u + 1.890680986e-03f;
        q = q * u - 5.145650357e-03f;
        q = q * u + 1.337626297e-02f;
        q = q * u - 3.293093294e-02f;
        q = q * u + 7.615113258e-02f;
        q = q * u - 1.636229157e-01f;
        q = q * u + 3.215854168e-01f;
    } else {
        float u = 1.0f / (x * x) - 0.085f;
        q = -2.501536369e+01f;
        q = q * u + 7.651493073e+00f;
        q = q * u - 2.304501772e+00f;
        q = q * u + 9.066071510e-01f;
        q = q * u - 4.239712954e-01f;
        q = q * u + 2.527606189e-01f;
        q = q * u - 2.268312424e-01f;
        q = q * u + 5.427610874e-01f;
        q = q / x;
    }
    return e * q;
}

/* erf(x) = x + x P(x^2) for |x| < 1 (P near-minimax, error 6e-9); 1 - erfc(|x|) above. */
static inline float td_erf(float x) {
    float ax = td_fabs(x), t, p;
    if (x != x) return x;
    if (ax < 1.0f) {
        t = x * x;
        p = 7.875874871e-05f;
        p = p * t - 8.016864303e-04f;
        p = p * t + 5.189087242e-03f;
        p = p * t - 2.685421146e-02f;
        p = p * t + 1.128359437e-01f;
        p = p * t - 3.761262596e-01f;
        p = p * t + 1.283791661e-01f;
        return x + x * p;
    }
    p = ax >= 4.0f ? 1.0f : 1.0f - td_erfc_tail(ax); /* erfc(4) < 2^-26: erf rounds to 1 */
    return x < 0 ? -p : p;
}

/* erfc(x) = 1 - erf(x): through erf below 0.5 (and 2 - erfc(-x) for x <= -1), the tail above. */
static inline float td_erfc(float x) {
    if (x != x) return x;
    if (x < 0.5f) return x > -1.0f ? 1.0f - td_erf(x) : 2.0f - (x < -10.0f ? 0.0f : td_erfc_tail(-x));
    return x > 10.0f ? 0.0f : td_erfc_tail(x);
}

/* tanh(x) = x + x t T(t), t = x^2, for |x| < 0.55; 1 - 2 / (e^(2|x|) + 1) with x's sign above; +-1 past 9.1. */
static inline float td_tanh(float x) {
    float ax = td_fabs(x), t, p;
    if (ax < 0.55f) {
        if (x == 0.0f) return x; /* keeps the sign of -0 */
        t = x * x;
        p = -6.610227749e-03f;
        p = p * t + 2.130938880e-02f;
        p = p * t - 5.390942842e-02f;
        p = p * t + 1.333311349e-01f;
        p = p * t - 3.333333135e-01f;
        return x + x * (t * p);
    }
    if (ax > 9.1f) return x < 0 ? -1.0f : 1.0f;
    p = 1.0f - 2.0f / (td_exp(2.0f * ax) + 1.0f);
    return x < 0 ? -p : p;
}

/* x^y: y = 1, 2, 0.5 exactly rounded; integers up to 8 by multiplication (<= 4 ulp); otherwise
   e^(y log x), whose error grows with the size of y log x: at most about (2 + 3 |y ln x|) ulp (the
   errors of log x and of the product, relative to y log x, become absolute in the exponent). */
static inline float td_pow(float x, float y) {
    float ay = td_fabs(y);
    if (y == 0.0f || x == 1.0f) return 1.0f;
    if (x != x || y != y) return x + y;
    if (y == 1.0f) return x;
    if (y == 2.0f) return x * x;
    if (y == 0.5f && x > 0.0f && x != HUGE_VALF) return sqrtf(x);
    if (ay <= 8.0f && (float)(int32_t)ay == ay) {
        int32_t n = (int32_t)ay;
        float r = x;
        while (--n > 0) r *= x;
        return y < 0 ? 1.0f / r : r;
    }
    if (x < 0.0f) {
        /* a negative base: real only for integer y (odd ones keep the sign) */
        if (ay >= 16777216.0f) return td_pow(-x, y); /* every float this large is an even integer */
        if ((float)(int32_t)y != y) return NAN;
        return ((int32_t)y & 1) ? -td_pow(-x, y) : td_pow(-x, y);
    }
    if (x == 0.0f) return y > 0 ? 0.0f : HUGE_VALF;
    return td_exp(y * td_log(x));
}

#else /* double-precision FPU: the C library's functions */

#define TD_R(c) c
#define TD_INF HUGE_VAL

static inline double td_sqrt(double x) { return sqrt(x); }
static inline double td_fabs(double x) { return fabs(x); }
static inline double td_exp(double x) { return exp(x); }
static inline double td_log(double x) { return log(x); }
static inline double td_erf(double x) { return erf(x); }
static inline double td_erfc(double x) { return erfc(x); }
static inline double td_tanh(double x) { return tanh(x); }
static inline double td_pow(double x, double y) { return pow(x, y); }

#endif /* TD_NO_DOUBLE */

/* s = sigmoid(x) = 1 / (1 + e^-x) and sc = 1 - s = sigmoid(-x), both without cancellation. */
static inline void td_sigmoid_pair(td_real x, td_real *s, td_real *sc) {
    td_real e = td_exp(-td_fabs(x)); /* in (0, 1] */
    td_real d = TD_R(1.0) + e;
    if (x >= 0) {
        *s = TD_R(1.0) / d;
        *sc = e / d;
    } else {
        *s = e / d;
        *sc = TD_R(1.0) / d;
    }
}

static inline td_real td_sigmoid(td_real x) {
    td_real s, sc;
    td_sigmoid_pair(x, &s, &sc);
    return s;
}

#endif /* TD_MATH_H */
