package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.traindeeploy.ir.CompileException;

class CLiteralsTest {
    @Test
    void floatLiteralsRoundTripExactly() {
        Random r = new Random(7);
        float[] special = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, 0.1f, 1e-8f, 3.4028235e38f, 16777217f};
        for (float f : special) check(f);
        for (int i = 0; i < 100_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (!Float.isNaN(f) && !Float.isInfinite(f)) check(f);
        }
    }

    private static void check(float f) {
        String lit = CLiterals.ofFloat(f);
        assertEquals('f', lit.charAt(lit.length() - 1), lit);
        float back = Float.parseFloat(lit.substring(0, lit.length() - 1));
        assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits(back), lit);
    }

    @Test
    void specialValues() {
        assertEquals("HUGE_VALF", CLiterals.ofFloat(Float.POSITIVE_INFINITY));
        assertEquals("-HUGE_VAL", CLiterals.ofDouble(Double.NEGATIVE_INFINITY));
        assertEquals("0.01", CLiterals.ofDouble(0.01));
        assertEquals("(-INT64_C(9223372036854775807) - 1)", CLiterals.ofLong(Long.MIN_VALUE));
        assertEquals("INT64_C(-3)", CLiterals.ofLong(-3));
        assertThrows(CompileException.class, () -> CLiterals.ofFloat(Float.NaN));
    }
}
