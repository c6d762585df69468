package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CNamesTest {
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    @Test
    void graphNamesBecomeValidIdentifiers() {
        CNames n = new CNames();
        assertEquals("t__blocks_0_attn_qkv_MatMul", n.fresh("t_", "/blocks.0/attn/qkv/MatMul"));
        assertEquals("c_onnx__MatMul_113", n.fresh("c_", "onnx::MatMul_113"));
        assertEquals("t_caf_", n.fresh("t_", "café"));
    }

    @Test
    void collisionsAfterManglingGetSuffixes() {
        CNames n = new CNames();
        String a = n.fresh("t_", "a.b");
        String b = n.fresh("t_", "a/b");
        String c = n.fresh("t_", "a_b");
        assertEquals("t_a_b", a);
        assertEquals("t_a_b_2", b);
        assertEquals("t_a_b_3", c);
    }

    @Test
    void leadingDigitsKeywordsAndReservedNames() {
        CNames n = new CNames();
        String digit = n.fresh("", "0weight");
        assertTrue(IDENT.matcher(digit).matches(), digit);
        assertFalse(Character.isDigit(digit.charAt(0)));
        assertEquals("float_", n.fresh("", "float"));
        assertEquals("int_", n.fresh("", "int"));
        n.reserve("td_scratch_f");
        assertEquals("td_scratch_f_2", n.fresh("", "td_scratch_f"));
        assertTrue(IDENT.matcher(n.fresh("", "")).matches());
    }

    @Test
    void longNamesAreCutAndStayUnique() {
        CNames n = new CNames();
        String longName = "/encoder/layers.11/self_attention/multi_head/query_projection/MatMul_output_0";
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            String id = n.fresh("t_", longName + i / 10);
            assertTrue(id.length() <= CNames.MAX_LENGTH + 4, id);
            assertTrue(IDENT.matcher(id).matches(), id);
            assertTrue(seen.add(id), "duplicate " + id);
        }
    }

    @Test
    void everyMangledNameIsAnIdentifier() {
        CNames n = new CNames();
        String[] raw = {"::", "a b", "\u0000x", "9", "..", "x*/y", "/", "main", "_Bool", "a-b+c"};
        Set<String> seen = new HashSet<>();
        for (String r : raw) {
            String id = n.fresh("", r);
            assertTrue(IDENT.matcher(id).matches(), "'" + r + "' -> '" + id + "'");
            assertTrue(seen.add(id));
            assertNotEquals("main", id);
        }
    }

    @Test
    void commentsCannotCloseOrSpliceOrTrigraph() {
        String c = CNames.comment("evil */ name ??/ back\\slash \n next é");
        assertFalse(c.contains("*/"), c);
        assertFalse(CNames.comment("a/*b*/c//*d").contains("/*"), "no comment opener inside a comment");
        assertFalse(c.contains("??"), c);
        assertFalse(c.contains("\\"), c);
        assertFalse(c.contains("\n"), c);
        assertTrue(c.chars().allMatch(ch -> ch >= 0x20 && ch <= 0x7e), c);
        assertTrue(CNames.comment("x".repeat(500)).length() <= 120);
    }
}
