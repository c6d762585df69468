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
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%s</text>", labelW - 6, y + 14, esc(labels.get(i))));
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s: %s %s</title></rect>",
                    labelW, y + 2, Math.max(w, 1), rowH - 6, PALETTE[i % PALETTE.length], esc(labels.get(i)), fmt(v), esc(unit)));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>", labelW + Math.max(w, 1) + 4, y + 14, fmt(v)));
        }
        return sb.append("</svg>").toString();
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%,d", (long) v);
        return String.format(Locale.ROOT, "%,.2f", v);
    }
}
