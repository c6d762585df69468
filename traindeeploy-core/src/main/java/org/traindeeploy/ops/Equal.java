package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import java.util.List;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Value;

/** Y = (A == B) as bool (broadcast). Not differentiable: its output is boolean. */
public record Equal() implements Binary {
    @Override public double apply(double a, double b) { return a == b ? 1 : 0; }

    @Override public long applyInt(long a, long b) { return a == b ? 1 : 0; }

    @Override public DType resultType(DType in) { return DType.BOOL; }

    @Override public List<Value> gradient(GradientContext g) { return java.util.Arrays.asList(null, null); }

    @Override public boolean canRunInPlace() { return false; }
}
