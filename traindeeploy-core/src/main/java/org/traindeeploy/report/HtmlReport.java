package org.traindeeploy.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.traindeeploy.memory.Buffer;
import org.traindeeploy.memory.MemoryPlan;

/**
 * Self-contained HTML (inline SVG, no scripts, no network): a single compile's report with the
 * memory plan drawn as buffers over time (the picture that shows why the peak is where it is) and
 * per-layer cost bars; and the side-by-side comparison of a sweep.
 */
public final class HtmlReport {
    private HtmlReport() {}

    static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Svg.esc(title) + "</title>"
                + "<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
                + "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:24px}</style>"
                + "</head><body><h1>" + Svg.esc(title) + "</h1>\n" + body + "\n</body></html>\n";
    }

    /** The report of one compile: figures, the memory plan over time, per-layer costs. */
    public static String single(String model, String strategy, StepReport r, MemoryPlan plan) {
        StringBuilder b = new StringBuilder();
        b.append("<p>").append(Svg.esc(model)).append(" — ").append(Svg.esc(strategy)).append(" — target ").append(Svg.esc(r.target())).append("</p>");
        b.append("<pre>").append(Svg.esc(r.text())).append("</pre>");
        b.append("<h2>").append(Svg.esc(plan.mainLevel())).append(": the arena's buffers over the schedule</h2>");
        b.append(memoryPlanSvg(plan));
        if (r.memory().l1Budget() > 0) {
            b.append("<h2>L1: the running kernel's tiles over the schedule</h2>").append(l1Svg(r));
        }
        b.append("<h2>Static buffers (weights, optimizer state) per level</h2>").append(staticSvg(plan));
        List<String> labels = new ArrayList<>();
        List<Double> cycles = new ArrayList<>();
        List<StepReport.Layer> top = r.layers().stream().sorted((x, y) -> Long.compare(y.cycles(), x.cycles())).limit(25).toList();
        for (StepReport.Layer l : top) {
            labels.add(abbreviate(l.op() + " " + l.node(), 28));
            cycles.add((double) l.cycles());
        }
        b.append("<h2>Most expensive nodes (estimated cycles)</h2>").append(Svg.bars("estimated cycles per node", labels, cycles, "cycles"));
        return page("traindeeploy report", b.toString());
    }

    /** Buffers as rectangles: x = schedule step, y = offset in the arena; the peak as a line. */
    static String memoryPlanSvg(MemoryPlan plan) {
        int w = 900;
        int h = 360;
        int steps = Math.max(1, plan.liveness().steps());
        double peak = Math.max(1, plan.arenaBytes());
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"memory plan\">", w + 60, h + 30));
        sb.append(String.format(Locale.ROOT, "<rect x=\"50\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#999\"/>", w, h));
        int i = 0;
        for (Buffer buf : plan.buffers()) {
            if (buf.isStatic() || buf.size() == 0 || buf.level() == null || !buf.level().equals(plan.mainLevel())) continue;
            double x0 = 50 + w * (double) buf.start() / (steps + 1);
            double x1 = 50 + w * (double) (buf.end() + 1) / (steps + 1);
            double y1 = h - h * buf.offset() / peak;
            double y0 = h - h * (buf.offset() + buf.size()) / peak;
            sb.append("<rect x=\"").append(Svg.fixed(x0, 1)).append("\" y=\"").append(Svg.fixed(y0, 1)).append("\" width=\"").append(Svg.fixed(Math.max(0.5, x1 - x0), 1))
                    .append("\" height=\"").append(Svg.fixed(Math.max(0.5, y1 - y0), 1)).append("\" fill=\"").append(Svg.PALETTE[i++ % Svg.PALETTE.length])
                    .append("\" fill-opacity=\"0.75\" stroke=\"#333\" stroke-width=\"0.3\"><title>").append(Svg.esc(buf.values().get(0).name())).append(": ")
                    .append(Svg.grouped(buf.size())).append(" B, steps ").append(buf.start()).append("..").append(buf.end()).append(", offset ").append(Svg.grouped(buf.offset()))
                    .append("</title></rect>");
        }
        double lb = h - h * plan.lowerBoundBytes() / peak;
        sb.append(String.format(Locale.ROOT, "<line x1=\"50\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>", 50 + w, lb, lb));
        sb.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"12\" font-size=\"11\">%s</text>", Svg.fmt(peak) + " B"));
        sb.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"%d\" font-size=\"11\">0</text>", h));
        sb.append(String.format(Locale.ROOT, "<text x=\"50\" y=\"%d\" font-size=\"11\">schedule step → (dashed: lower bound %s B)</text>", h + 22, Svg.fmt(plan.lowerBoundBytes())));
        return sb.append("</svg>").toString();
    }

    /** L1 bytes held by each node's tile set (double-buffered streams, resident operands), step by step, against the budget. */
    static String l1Svg(StepReport r) {
        int w = 900;
        int h = 160;
        int steps = Math.max(1, r.layers().size());
        double budget = Math.max(1, r.memory().l1Budget());
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"L1 over time\">", w + 60, h + 30));
        sb.append(String.format(Locale.ROOT, "<rect x=\"50\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#999\"/>", w, h));
        for (int i = 0; i < r.layers().size(); i++) {
            StepReport.Layer l = r.layers().get(i);
            double x0 = 50 + w * (double) i / steps;
            double bh = h * l.l1Bytes() / budget;
            sb.append("<rect x=\"").append(Svg.fixed(x0, 1)).append("\" y=\"").append(Svg.fixed(h - bh, 1)).append("\" width=\"")
                    .append(Svg.fixed(Math.max(0.5, (double) w / steps - 0.3), 1)).append("\" height=\"").append(Svg.fixed(bh, 1)).append("\" fill=\"")
                    .append(Svg.PALETTE[i % Svg.PALETTE.length]).append("\"><title>").append(Svg.esc(l.node())).append(" (").append(Svg.esc(l.op())).append("): ")
                    .append(Svg.grouped(l.l1Bytes())).append(" B of L1, ").append(l.tiles()).append(" tile(s)</title></rect>");
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"12\" font-size=\"11\">%s B</text><text x=\"0\" y=\"%d\" font-size=\"11\">0</text>", Svg.fmt(budget), h));
        sb.append(String.format(Locale.ROOT, "<text x=\"50\" y=\"%d\" font-size=\"11\">schedule step → (full height: the L1 budget)</text>", h + 22));
        return sb.append("</svg>").toString();
    }

    /** The static region of each level as stacked bands (they live for the whole program). */
    static String staticSvg(MemoryPlan plan) {
        java.util.Map<String, List<Buffer>> byLevel = new java.util.TreeMap<>();
        for (Buffer b : plan.buffers()) if (b.isStatic() && b.size() > 0 && b.level() != null) byLevel.computeIfAbsent(b.level(), k -> new ArrayList<>()).add(b);
        StringBuilder sb = new StringBuilder();
        for (var e : byLevel.entrySet()) {
            long total = e.getValue().stream().mapToLong(Buffer::size).sum();
            List<Buffer> top = e.getValue().stream().sorted((x, y) -> Long.compare(y.size(), x.size())).limit(20).toList();
            sb.append(Svg.bars(e.getKey() + ": " + Svg.fmt(total) + " B of static buffers (largest shown)",
                    top.stream().map(x -> abbreviate(x.values().get(0).name(), 28)).toList(), top.stream().map(x -> (double) x.size()).toList(), "B"));
        }
        return sb.toString();
    }

    /** One sweep: a table and bar charts side by side, one bar per strategy. */
    public static String sweep(String model, List<SweepRow> rows) {
        StringBuilder b = new StringBuilder("<p>").append(Svg.esc(model)).append("</p><table><tr><th>strategy</th><th>trainable</th><th>dynamic peak (B)</th>")
                .append("<th>static L2 (B)</th><th>static L3 (B)</th><th>L2↔L1 (B)</th><th>L3↔L1 (B)</th><th>MACs</th><th>est. cycles</th><th>est. images/s</th>")
                .append("<th>levels</th><th>activations in L3 (B)</th><th>recomputed MACs</th></tr>");
        for (SweepRow r : rows) {
            StepReport s = r.report();
            b.append("<tr><td>").append(Svg.esc(r.name())).append("</td><td>").append(Svg.fmt(s.trainableElements())).append("</td><td>")
                    .append(Svg.fmt(s.memory().dynamicPeak())).append("</td><td>").append(Svg.fmt(s.memory().staticL2())).append("</td><td>")
                    .append(Svg.fmt(s.memory().staticL3())).append("</td><td>").append(Svg.fmt(s.bytesMoved().getOrDefault("L2<->L1", 0L))).append("</td><td>")
                    .append(Svg.fmt(s.bytesMoved().getOrDefault("L3<->L1", 0L))).append("</td><td>").append(Svg.fmt(r.totalMacs())).append("</td><td>")
                    .append(Svg.fmt(s.estimatedCycles())).append("</td><td>").append(Svg.fmt(s.estimatedImagesPerSecond())).append("</td><td>")
                    .append(Svg.esc(s.levels().strategy())).append("</td><td>").append(Svg.fmt(s.levels().l3DynamicBytes())).append("</td><td>")
                    .append(Svg.fmt(s.levels().recomputedMacs())).append("</td></tr>");
        }
        b.append("</table><div class=\"charts\">");
        List<String> names = rows.stream().map(SweepRow::name).toList();
        b.append(Svg.bars("trainable elements", names, rows.stream().map(r -> (double) r.report().trainableElements()).toList(), "elements"));
        b.append(Svg.bars("dynamic memory peak (B)", names, rows.stream().map(r -> (double) r.report().memory().dynamicPeak()).toList(), "B"));
        b.append(Svg.bars("static memory (B)", names, rows.stream().map(r -> (double) (r.report().memory().staticL2() + r.report().memory().staticL3())).toList(), "B"));
        b.append(Svg.bars("bytes moved L2↔L1", names, rows.stream().map(r -> (double) r.report().bytesMoved().getOrDefault("L2<->L1", 0L)).toList(), "B"));
        b.append(Svg.bars("MACs per step", names, rows.stream().map(r -> (double) r.totalMacs()).toList(), "MACs"));
        b.append(Svg.bars("estimated cycles per step", names, rows.stream().map(r -> (double) r.report().estimatedCycles()).toList(), "cycles"));
        b.append(Svg.bars("estimated images/s", names, rows.stream().map(r -> r.report().estimatedImagesPerSecond()).toList(), "images/s"));
        b.append("</div><p>Cycles and images/s are estimates from the target description (see docs/targets.md).</p>");
        return page("traindeeploy sweep", b.toString());
    }

    /** One strategy of a sweep. */
    public record SweepRow(String name, String flags, StepReport report) {
        public long totalMacs() { return report.macs().values().stream().mapToLong(Long::longValue).sum(); }
    }

    private static String abbreviate(String s, int n) { return s.length() <= n ? s : s.substring(0, n - 1) + "…"; }
}
