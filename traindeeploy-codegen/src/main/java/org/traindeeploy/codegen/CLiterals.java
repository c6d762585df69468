package org.traindeeploy.codegen;

import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;

/**
 * C literals that denote exactly the Java value. A float is printed as Java's shortest decimal
 * that round-trips ({@link Float#toString}) plus {@code f}: any correctly rounding C compiler reads
 * back the same float. Doubles likewise with {@link Double#toString}. Infinities use math.h's
 * HUGE_VAL(F); NaN has no portable constant-expression spelling and is refused.
 */
public final class CLiterals {
    private CLiterals() {}

    public static String ofFloat(float v) {
        if (Float.isNaN(v)) throw new CompileException("a NaN constant cannot be emitted as a C literal");
        if (Float.isInfinite(v)) return v > 0 ? "HUGE_VALF" : "-HUGE_VALF";
        return Float.toString(v) + "f";
    }

    public static String ofDouble(double v) {
        if (Double.isNaN(v)) throw new CompileException("a NaN constant cannot be emitted as a C literal");
        if (Double.isInfinite(v)) return v > 0 ? "HUGE_VAL" : "-HUGE_VAL";
        return Double.toString(v);
    }

    public static String ofLong(long v) {
        if (v == Long.MIN_VALUE) return "(-INT64_C(9223372036854775807) - 1)";
        return "INT64_C(" + v + ")";
    }

    /** One element of a tensor of type {@code d}, given as double (floating) or long (integer). */
    public static String element(DType d, double real, long whole) {
        return switch (d) {
            case FLOAT -> ofFloat((float) real);
            case DOUBLE -> ofDouble(real);
            case INT64 -> ofLong(whole);
            case INT32 -> Long.toString(whole);
            case BOOL -> whole != 0 ? "1" : "0";
        };
    }
}
