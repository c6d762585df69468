package org.traindeeploy.codegen;

import java.util.HashSet;
import java.util.Set;

/**
 * The one rule that turns graph names (tensor names such as {@code /blocks.0/attn/qkv/MatMul} or
 * {@code onnx::MatMul_113}) into C: identifiers that are valid (ASCII letters, digits and
 * {@code _}, not starting with a digit, not a C keyword, at most {@value #MAX_LENGTH} characters,
 * within C99's guaranteed significant length) and unique within one instance, and comment text
 * that cannot end a comment or form a trigraph. Graph names never reach file paths.
 *
 * <p>Uniqueness is first come, first served: a name that mangles to one already taken gets
 * {@code _2}, {@code _3}, ... appended, so callers must ask in a deterministic order.
 */
public final class CNames {
    static final int MAX_LENGTH = 60;

    private static final Set<String> KEYWORDS = Set.of(
            "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
            "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
            "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
            "_Bool", "_Complex", "_Imaginary", "main");

    private final Set<String> taken = new HashSet<>();

    /** Reserve names the generated code defines itself, so that no mangled name collides with them. */
    public void reserve(String name) { taken.add(name); }

    /** A fresh unique identifier {@code prefix + mangled(raw)}; {@code prefix} must itself be a valid identifier start. */
    public String fresh(String prefix, String raw) {
        String base = prefix + mangle(raw);
        if (base.length() > MAX_LENGTH) base = base.substring(0, MAX_LENGTH);
        if (base.isEmpty() || Character.isDigit(base.charAt(0))) base = "_" + base;
        if (KEYWORDS.contains(base)) base = base + "_";
        String name = base;
        for (int k = 2; taken.contains(name); k++) name = base + "_" + k;
        taken.add(name);
        return name;
    }

    /** Every character that is not an ASCII letter, digit or underscore becomes {@code _}. */
    static String mangle(String raw) {
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char ch = raw.charAt(i);
            boolean ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
            sb.append(ok ? ch : '_');
        }
        return sb.toString();
    }

    /**
     * Text safe inside a C block comment: printable ASCII only (others become {@code ?}), no
     * {@code *}{@code /}, no trigraph ({@code ??}), no backslash (line splicing), at most 120 chars.
     */
    public static String comment(String raw) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < raw.length() && sb.length() < 120; i++) {
            char ch = raw.charAt(i);
            if (ch < 0x20 || ch > 0x7e || ch == '\\') ch = '_';
            // Neither "*/" (would close the comment) nor "/*" (gcc -Wcomment) may form.
            if (ch == '/' && sb.length() > 0 && sb.charAt(sb.length() - 1) == '*') sb.append(' ');
            if (ch == '*' && sb.length() > 0 && sb.charAt(sb.length() - 1) == '/') sb.append(' ');
            if (ch == '?' && sb.length() > 0 && sb.charAt(sb.length() - 1) == '?') ch = '_';
            sb.append(ch);
        }
        return sb.toString();
    }
}
