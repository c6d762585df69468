package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The float math of kernels/td_math.h (targets without a double FPU): errors in ulps against the C
 * library's double functions over random sweeps of each function's range, and the special values
 * (infinities, NaN, zeros, underflow). The sweep program itself computes in double (host only).
 */
class TdMathTest {
    private static final String PROGRAM = """
            #include <float.h>
            #include <math.h>
            #include <stdio.h>
            #include "td_math.h"

            /* |f - d| in ulps of d's float binade (the subnormal spacing at the bottom) */
            static double ulps(float f, double d) {
                double ad = fabs(d), u;
                int e;
                if (isnan(d)) return isnan(f) ? 0 : 1e9;
                if (ad > FLT_MAX) return isinf(f) && (f > 0) == (d > 0) ? 0 : 1e9;
                if (ad < FLT_MIN) {
                    u = ldexp(1.0, -149);
                } else {
                    frexp(ad, &e);
                    u = ldexp(1.0, e - 24);
                }
                return fabs((double)f - d) / u;
            }

            static unsigned long long state = 88172645463325252ull;
            static float rnd(float lo, float hi) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                return lo + (hi - lo) * (float)((double)(state >> 11) / 9007199254740992.0);
            }

            /* worst of err / allowed over n random x in [lo, hi]; allowed may depend on x */
            #define SWEEP(name, lo, hi, fexpr, dexpr, allowed) do {                         \\
                    double worst = 0, wu = 0; float wx = 0; long i;                          \\
                    for (i = 0; i < 400000; i++) {                                           \\
                        float x = rnd(lo, hi);                                               \\
                        double u = ulps((fexpr), (dexpr)), r = u / (allowed);                \\
                        if (r > worst) { worst = r; wu = u; wx = x; }                        \\
                    }                                                                        \\
                    printf("%s %.4f %.3f %.9g\\n", name, worst, wu, (double)wx);              \\
                } while (0)

            #define SPECIAL(name, got, want) do {                                            \\
                    float g_ = (got), w_ = (want);                                           \\
                    int ok_ = isnan(w_) ? isnan(g_) : (g_ == w_ && signbit(g_) == signbit(w_)); \\
                    if (!ok_) printf("special %s = %.9g, want %.9g\\n", name, (double)g_, (double)w_); \\
                } while (0)

            int main(void) {
                SWEEP("exp", -104.0f, 89.0f, td_exp(x), exp((double)x), 1.1);
                SWEEP("exp_near0", -1.0f, 1.0f, td_exp(x), exp((double)x), 1.1);
                SWEEP("log", 1e-38f, 3e38f, td_log(x), log((double)x), 1.1);
                SWEEP("log_near1", 0.5f, 2.0f, td_log(x), log((double)x), 1.1);
                SWEEP("log_subnormal", 0.0f, 1e-38f, td_log(x), log((double)x), 1.1);
                SWEEP("erf", -5.0f, 5.0f, td_erf(x), erf((double)x), 1.5);
                SWEEP("erf_near0", -1e-3f, 1e-3f, td_erf(x), erf((double)x), 1.5);
                SWEEP("erfc", -6.0f, 11.0f, td_erfc(x), erfc((double)x), 3.5);
                SWEEP("tanh", -10.0f, 10.0f, td_tanh(x), tanh((double)x), 1.5);
                SWEEP("tanh_near0", -0.6f, 0.6f, td_tanh(x), tanh((double)x), 1.5);
                SWEEP("sigmoid", -100.0f, 20.0f, td_sigmoid(x), 1.0 / (1.0 + exp(-(double)x)), 2.5);
                SWEEP("pow_x_3", -10.0f, 10.0f, td_pow(x, 3.0f), pow((double)x, 3.0), 2.0);
                SWEEP("pow_x_-2", 0.1f, 10.0f, td_pow(x, -2.0f), pow((double)x, -2.0), 2.0);
                SWEEP("pow_x_2.5", 1e-6f, 1e6f, td_pow(x, 2.5f), pow((double)x, 2.5), 2.0 + 3.0 * fabs(2.5 * log((double)x)));
                SWEEP("pow_0.999_t", 1.0f, 5000.0f, td_pow(0.999f, floorf(x)), pow((double)0.999f, floor((double)x)),
                      2.0 + 3.0 * fabs(floor((double)x) * log((double)0.999f)));
                SPECIAL("exp(-inf)", td_exp(-HUGE_VALF), 0.0f);
                SPECIAL("exp(inf)", td_exp(HUGE_VALF), HUGE_VALF);
                SPECIAL("exp(89)", td_exp(89.0f), HUGE_VALF);
                SPECIAL("exp(-104)", td_exp(-104.0f), 0.0f);
                SPECIAL("exp(nan)", td_exp(NAN), NAN);
                SPECIAL("exp(0)", td_exp(0.0f), 1.0f);
                SPECIAL("log(0)", td_log(0.0f), -HUGE_VALF);
                SPECIAL("log(-0)", td_log(-0.0f), -HUGE_VALF);
                SPECIAL("log(-1)", td_log(-1.0f), NAN);
                SPECIAL("log(inf)", td_log(HUGE_VALF), HUGE_VALF);
                SPECIAL("log(1)", td_log(1.0f), 0.0f);
                SPECIAL("erf(inf)", td_erf(HUGE_VALF), 1.0f);
                SPECIAL("erf(-inf)", td_erf(-HUGE_VALF), -1.0f);
                SPECIAL("erf(-0)", td_erf(-0.0f), -0.0f);
                SPECIAL("erf(nan)", td_erf(NAN), NAN);
                SPECIAL("erfc(inf)", td_erfc(HUGE_VALF), 0.0f);
                SPECIAL("erfc(-inf)", td_erfc(-HUGE_VALF), 2.0f);
                SPECIAL("tanh(inf)", td_tanh(HUGE_VALF), 1.0f);
                SPECIAL("tanh(-inf)", td_tanh(-HUGE_VALF), -1.0f);
                SPECIAL("tanh(-0)", td_tanh(-0.0f), -0.0f);
                SPECIAL("tanh(nan)", td_tanh(NAN), NAN);
                SPECIAL("sigmoid(-inf)", td_sigmoid(-HUGE_VALF), 0.0f);
                SPECIAL("sigmoid(inf)", td_sigmoid(HUGE_VALF), 1.0f);
                SPECIAL("pow(0, -1)", td_pow(0.0f, -1.0f), HUGE_VALF);
                SPECIAL("pow(-2, 3)", td_pow(-2.0f, 3.0f), -8.0f);
                SPECIAL("pow(-2, 0.5)", td_pow(-2.0f, 0.5f), NAN);
                SPECIAL("pow(-2, 7)", td_pow(-2.0f, 7.0f), -128.0f);
                SPECIAL("pow(-2, -2)", td_pow(-2.0f, -2.0f), 0.25f);
                SPECIAL("pow(nan, 0)", td_pow(NAN, 0.0f), 1.0f);
                return 0;
            }
            """;

    @Test
    void floatMathIsAccurateToAFewUlps(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("td_math.h"), Templates.verbatim("kernels/td_math.h"));
        Files.writeString(dir.resolve("td_runtime.h"), Templates.verbatim("runtime/td_runtime.h"));
        Files.writeString(dir.resolve("td_target.h"), "#define TD_DMA_MAX 256u\n#define TD_NO_DOUBLE 1\n");
        Files.writeString(dir.resolve("sweep.c"), PROGRAM);
        HostBuild.run(List.of("cc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-I.", "-o", "sweep", "sweep.c", "-lm"), dir, "building the sweep", l -> { });
        String out = HostBuild.run(List.of("./sweep"), dir, "running the sweep", l -> { });
        Map<String, Double> worst = new HashMap<>();
        StringBuilder bad = new StringBuilder();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split(" ");
            if (line.startsWith("special")) bad.append(line).append('\n');
            else if (f.length == 4) worst.put(f[0], Double.parseDouble(f[1]));
            if (f.length == 4 && Double.parseDouble(f[1]) > 1) bad.append(line).append(" (error / allowed, ulps, at x)\n");
        }
        assertEquals(15, worst.size(), out);
        assertEquals("", bad.toString(), out);
        // The sweep can fail: every function is off by some rounding somewhere.
        assertTrue(worst.values().stream().allMatch(w -> w > 0.05), out);
    }
}
