#!/usr/bin/env python3
"""Fits the polynomials of src-templates/kernels/td_math.h (single-precision erf, erfc, tanh).

Near-minimax fits (Chebyshev interpolation, mpmath.chebyfit) at 40 digits, coefficients rounded to
float32, and the error of the rounded polynomial measured on a dense grid. Prints C initializers
(highest degree first, for Horner's rule). Needs python3-mpmath and python3-numpy.

    python3 tools/td_math_fit.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def f32(v):
    return float(np.float32(float(v)))


def fit(name, f, a, b, degree, shift, error_of):
    """Polynomial in (u - shift) approximating f on [a, b]; error_of(x, approx) is the error that matters."""
    coefs, _ = mp.chebyfit(lambda u: f(u + shift), [a - shift, b - shift], degree + 1, error=True)
    c32 = [f32(c) for c in coefs]
    grid = [a + (b - a) * i / 4000 for i in range(4001)]
    err = max(error_of(x, mp.polyval([mp.mpf(c) for c in c32], x - shift)) for x in grid)
    body = ", ".join("%.9ef" % c for c in c32)
    print("/* %s: degree %d on [%s, %s] in (u - %s), max error %s */" % (name, degree, mp.nstr(a, 6), mp.nstr(b, 6), shift, mp.nstr(err, 3)))
    print("{%s}" % body)


def rel(f):
    return lambda x, approx: abs((approx - f(x)) / f(x))


# erf(x) = x + x * P(x^2) for |x| < 1: P(t) = erf(sqrt t)/sqrt t - 1; error relative to erf(x)/x.
erf_p = lambda t: mp.erf(mp.sqrt(t)) / mp.sqrt(t) - 1 if t != 0 else 2 / mp.sqrt(mp.pi) - 1
fit("erf, |x| < 1, P(t), t = x^2", erf_p, 0, 1, 6, 0, lambda t, a: abs(a - erf_p(t)) / (1 + erf_p(t)))

# erfc(x) = exp(-x^2) Q(x) for 0.5 <= x < 2.5.
erfc_mid = lambda x: mp.erfc(x) * mp.exp(x * x)
fit("erfc, 0.5 <= x < 2.5, Q(x)", erfc_mid, mp.mpf("0.5"), mp.mpf("2.5"), 11, 1.5, rel(erfc_mid))

# erfc(x) = exp(-x^2) R(1/x^2) / x for 2.5 <= x <= 10.
erfc_big = lambda t: mp.erfc(1 / mp.sqrt(t)) * mp.exp(1 / t) / mp.sqrt(t)
fit("erfc, 2.5 <= x <= 10, R(t), t = 1/x^2", erfc_big, mp.mpf(1) / 100, mp.mpf(1) / mp.mpf("6.25"), 7, 0.085, rel(erfc_big))

# tanh(x) = x + x t T(t) for |x| < 0.55, t = x^2; error relative to tanh(x)/x.
tanh_t = lambda t: (mp.tanh(mp.sqrt(t)) / mp.sqrt(t) - 1) / t if t != 0 else mp.mpf(-1) / 3
fit("tanh, |x| < 0.55, T(t), t = x^2", tanh_t, 0, mp.mpf("0.55") ** 2, 4, 0, lambda t, a: abs(a - tanh_t(t)) * t / (1 + tanh_t(t) * t))
