package org.traindeeploy.ops;

/** Special functions the reference evaluation needs, accurate to double precision. */
public final class MathFunctions {
    private MathFunctions() {}

    /**
     * erf(x) to about 1e-15: Maclaurin series for |x| < 2.5, the continued fraction of erfc
     * beyond (both converge fast there).
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax < 2.5) {
            double sum = x;
            double term = x;
            double x2 = x * x;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            return 2 / Math.sqrt(Math.PI) * sum;
        }
        if (ax > 6) return Math.signum(x);
        // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) via Lentz's algorithm.
        double tiny = 1e-300;
        double f = ax;
        double c = ax;
        double d = 0;
        for (int n = 1; n < 500; n++) {
            double an = n / 2.0;
            d = ax + an * d;
            d = d == 0 ? tiny : d;
            c = ax + an / c;
            c = c == 0 ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        double erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        return Math.signum(x) * (1 - erfc);
    }
}
