package org.traindeeploy.report;

import java.util.List;
import java.util.Locale;

/** Small inline-SVG drawing helpers for the self-contained HTML reports (no scripts, no network). */
final class Svg {
    private Svg() {}

    static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

    static String esc(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c < 32 && c != '\n' ? ' ' : c);
            }
        }
        return sb.toString();
    }

    /** A horizontal bar chart: one bar per label, scaled to the largest value. */
    static String bars(String title, List<String> labels, List<Double> values, String unit) {
        int rowH = 22;
        int labelW = Math.min(260, 12 + 7 * labels.stream().mapToInt(String::length).max().orElse(8));
        int barW = 280;
        int h = 30 + rowH * labels.size();
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        if (max <= 0) max = 1;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">", labelW + barW + 120, h, esc(title)));
        sb.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"16\" font-size=\"13\" font-weight=\"bold\">%s</text>", esc(title)));
        for (int i = 0; i < labels.size(); i++) {
            double v = values.get(i);
            int y = 26 + i * rowH;
            int w = (int) Math.round(barW * v / max);
            String label = esc(labels.get(i));
            String value = fmt(v);
            sb.append("<text x=\"").append(labelW - 6).append("\" y=\"").append(y + 14).append("\" font-size=\"12\" text-anchor=\"end\">").append(label).append("</text>");
            sb.append("<rect x=\"").append(labelW).append("\" y=\"").append(y + 2).append("\" width=\"").append(Math.max(w, 1)).append("\" height=\"").append(rowH - 6)
                    .append("\" fill=\"").append(PALETTE[i % PALETTE.length]).append("\"><title>").append(label).append(": ").append(value).append(' ').append(esc(unit))
                    .append("</title></rect>");
            sb.append("<text x=\"").append(labelW + Math.max(w, 1) + 4).append("\" y=\"").append(y + 14).append("\" font-size=\"11\">").append(value).append("</text>");
        }
        return sb.append("</svg>").toString();
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return grouped((long) v);
        String f = fixed(v, 2);
        if (!Character.isDigit(f.charAt(f.length() - 1))) return f; // NaN, Infinity
        int dot = f.indexOf('.');
        return grouped(f.substring(0, dot)) + f.substring(dot);
    }

    // The reports draw hundreds of shapes: their numbers are written as String.format(Locale.ROOT, ...)
    // writes them, without a Formatter (its parsing and the JIT's work for it were most of the HTML's cost).

    /** As {@code String.format(Locale.ROOT, "%,d", v)}. */
    static String grouped(long v) { return grouped(Long.toString(v)); }

    /** Digits (after an optional minus) with a comma between groups of three. */
    private static String grouped(String digits) {
        int start = digits.startsWith("-") ? 1 : 0;
        int n = digits.length() - start;
        if (n <= 3) return digits;
        StringBuilder b = new StringBuilder(digits.length() + n / 3).append(digits, 0, start);
        for (int i = 0; i < n; i++) {
            if (i > 0 && (n - i) % 3 == 0) b.append(',');
            b.append(digits.charAt(start + i));
        }
        return b.toString();
    }

    /**
     * As {@code String.format(Locale.ROOT, "%." + digits + "f", v)}: the shortest decimal that reads
     * back as v (Double.toString's digits, which the Formatter uses too) rounded half up.
     */
    static String fixed(double v, int digits) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "Infinity" : "-Infinity";
        String s = new java.math.BigDecimal(Double.toString(Math.abs(v))).setScale(digits, java.math.RoundingMode.HALF_UP).toPlainString();
        return Double.compare(v, 0.0) < 0 ? "-" + s : s;
    }
}
