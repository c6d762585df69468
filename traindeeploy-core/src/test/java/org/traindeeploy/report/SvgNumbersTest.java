package org.traindeeploy.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The report's number writing is String.format's, without a Formatter. */
class SvgNumbersTest {
    private static List<Double> doubles() {
        List<Double> v = new ArrayList<>(List.of(0.0, -0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.95, 1.05, 2.5, -2.5, -0.04, -0.05, 0.049999999999, 9.95, 99.95, 999.95,
                1e-7, 1e-300, 123456.785, 1e7, 1.5e15, 1e20, 1e300, Double.MIN_VALUE, Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                0.125, 0.375, 1.005, 2.675, 1234567.125, 4.35, 8.25, 360.0 - 0.05));
        Random r = new Random(13);
        for (int i = 0; i < 20000; i++) {
            v.add(r.nextDouble() * 1000);
            v.add(-r.nextDouble() * 100);
            v.add(Math.round(r.nextDouble() * 100000) / 1000.0); // ties at the rounded digit
            v.add(Math.round(r.nextDouble() * 100000) / 200.0);
            v.add(Double.longBitsToDouble(r.nextLong()));
            v.add(900 * (double) r.nextInt(5000) / (r.nextInt(900) + 1));
        }
        return v;
    }

    @Test
    void fixedIsFormattersF() {
        for (double d : doubles()) {
            assertEquals(String.format(Locale.ROOT, "%.1f", d), Svg.fixed(d, 1), Double.toString(d));
            assertEquals(String.format(Locale.ROOT, "%.2f", d), Svg.fixed(d, 2), Double.toString(d));
        }
    }

    @Test
    void groupedIsFormattersCommaD() {
        Random r = new Random(7);
        List<Long> v = new ArrayList<>(List.of(0L, 1L, -1L, 999L, 1000L, -1000L, 999999L, 1000000L, Long.MAX_VALUE, Long.MIN_VALUE, -123456789L));
        for (int i = 0; i < 20000; i++) {
            v.add(r.nextLong());
            v.add((long) r.nextInt(10000000));
        }
        for (long x : v) assertEquals(String.format(Locale.ROOT, "%,d", x), Svg.grouped(x), Long.toString(x));
    }

    @Test
    void fmtIsTheFormattedOne() {
        for (double d : doubles()) {
            String want = d == Math.rint(d) && Math.abs(d) < 1e15 ? String.format(Locale.ROOT, "%,d", (long) d) : String.format(Locale.ROOT, "%,.2f", d);
            assertEquals(want, Svg.fmt(d), Double.toString(d));
        }
    }
}
