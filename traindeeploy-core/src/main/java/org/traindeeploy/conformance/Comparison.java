package org.traindeeploy.conformance;

import org.traindeeploy.ir.Tensor;

/**
 * Element-wise comparison against a reference with |a − b| ≤ atol + rtol·|b| (rtol 1e-4, atol
 * 1e-5: what PyTorch itself meets across machines). Keeps the worst absolute error and the worst
 * ratio of error to allowance (≤ 1 passes).
 */
public final class Comparison {
    public static final double RTOL = 1e-4;
    public static final double ATOL = 1e-5;

    private double worstAbs;
    private double worstRatio;
    private String problem;
    private int compared;
    private int skipped;

    public void add(double actual, double expected) {
        double err = Math.abs(actual - expected);
        if (Double.isNaN(actual) != Double.isNaN(expected) || Double.isNaN(err) && !Double.isNaN(actual)) err = Double.POSITIVE_INFINITY;
        if (Double.isNaN(err)) err = 0; // both NaN
        worstAbs = Math.max(worstAbs, err);
        worstRatio = Math.max(worstRatio, err / (ATOL + RTOL * Math.abs(expected)));
        compared++;
    }

    public void add(Tensor actual, Tensor expected) {
        if (actual == null) {
            problem = "not produced";
            return;
        }
        if (actual.size() != expected.size() || !java.util.Arrays.equals(actual.shape(), expected.shape()) && actual.size() != expected.size()) {
            problem = "shape " + java.util.Arrays.toString(actual.shape()) + " vs expected " + java.util.Arrays.toString(expected.shape());
            return;
        }
        for (int i = 0; i < actual.size(); i++) add(actual.getDouble(i), expected.getDouble(i));
    }

    /**
     * Compare, leaving out the elements where {@code skip} is true (counted in {@link #skipped()}).
     */
    public void add(Tensor actual, Tensor expected, boolean[] skip) {
        if (actual == null || skip == null) {
            add(actual, expected);
            return;
        }
        if (actual.size() != expected.size()) {
            add(actual, expected);
            return;
        }
        for (int i = 0; i < actual.size(); i++) {
            if (skip[i]) skipped++;
            else add(actual.getDouble(i), expected.getDouble(i));
        }
    }

    /** Elements left out because they were undetermined. */
    public int skipped() { return skipped; }

    /** Whether |x| is within the tolerance of zero, i.e. indistinguishable from 0 at this tolerance. */
    public static boolean indistinguishableFromZero(double x) { return Math.abs(x) <= ATOL + RTOL * Math.abs(x); }

    public boolean passed() { return problem == null && worstRatio <= 1.0; }

    public double worstAbs() { return worstAbs; }

    public double worstRatio() { return worstRatio; }

    public String problem() { return problem; }

    /** Record a problem that fails this comparison (the first one is kept). */
    public void fail(String why) { if (problem == null) problem = why; }

    public int compared() { return compared; }
}
