package org.traindeeploy.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.traindeeploy.codegen.OutputFolder;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.io.InputFile;
import org.traindeeploy.report.HtmlReport;
import org.traindeeploy.report.StepReport;
import org.traindeeploy.target.Target;
import org.traindeeploy.onnx.OnnxModel;
import org.traindeeploy.train.TrainingPipeline;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compile several fine-tuning strategies of one model for a target and compare them:",
            "trainable elements, memory per level, bytes moved, MACs, estimated cycles and images/s.",
            "Writes sweep.json (one object per strategy), sweep.csv and a self-contained sweep.html (inline SVG charts)."},
        footer = {"", "Example (the TrainDeeploy paper's five strategies on its CCT):",
            "  traindeeploy sweep models/cct2/model.onnx --target siracusa -o sweep-cct2 --strategies \\",
            "    \"LP: --train last; FT1: --train '/blocks.1/*MatMul,/attention_pool/*,/fc/*';",
            "     FT2: --train '/blocks.*/*MatMul,/attention_pool/*,/fc/*';",
            "     LoRA1: --lora '/blocks.1/*MatMul' --lora-rank 4 --lora-alpha 4 --train '/attention_pool/*,/fc/*';",
            "     LoRA2: --lora '/blocks.*/*MatMul' --lora-rank 4 --lora-alpha 4 --train '/attention_pool/*,/fc/*'\"",
            "", "--strategies-file reads one 'NAME: FLAGS' per line ('#' starts a comment)."})
final class SweepCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX model.")
    Path model;

    @Option(names = "--strategies", paramLabel = "\"NAME: FLAGS; ...\"", description = "Strategies separated by ';', each 'NAME: training flags'.")
    String strategies;

    @Option(names = "--strategies-file", paramLabel = "FILE", description = "A file with one 'NAME: FLAGS' per line.")
    Path strategiesFile;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = "sweep", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--force", description = "Replace an existing output folder.")
    boolean force;

    @Option(names = "--verbose", description = "Print stack traces of errors (for bug reports).")
    boolean verbose;

    @Mixin TargetOptions targetOptions = new TargetOptions();

    /** Holder for parsing one strategy's flags with the same options as compile. */
    @Command(name = "strategy")
    static final class Flags {
        @Mixin TrainingOptions training = new TrainingOptions();
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter o = spec.commandLine().getOut();
        // Every flag, path and strategy is checked before the first one is compiled or any progress printed.
        OutputFolder.check(out, force, "-o");
        InputFile.regular(model, model.toString());
        List<String[]> list = parseStrategies();
        Target target = targetOptions.load();
        List<Flags> flags = new ArrayList<>();
        for (String[] s : list) {
            Flags f = new Flags();
            try {
                new CommandLine(f).parseArgs(Tokens.split(s[1]));
                if (!f.training.wantsTraining()) throw new CompileException("nothing to train: give --train (all, last or patterns) or --lora");
                f.training.validate();
            } catch (CommandLine.ParameterException e) {
                throw new CompileException("--strategies: strategy '" + s[0] + "': " + e.getMessage());
            } catch (CompileException e) {
                throw e.within("--strategies: strategy '" + s[0] + "'");
            }
            flags.add(f);
        }
        // The strategies compile in parallel, one per core; results, progress lines and the first error
        // (in strategy order) come out in the order given, so the output does not depend on timing.
        List<HtmlReport.SweepRow> rows = new ArrayList<>();
        Progress progress = new Progress(spec.commandLine().getErr(), o, list.size());
        int workers = Math.max(1, Math.min(list.size(), Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            // Deep graphs recurse deeply (the launcher gives the main thread -Xss16m): the same for the workers.
            Thread t = new Thread(null, r, "sweep", 16L << 20);
            t.setDaemon(true);
            return t;
        });
        // The model is read once and imported once (per batch size, on the first strategy that needs it):
        // each strategy freezes its own graph from that shared, unchanging import.
        OnnxModel m;
        try {
            m = OnnxModel.read(model);
        } catch (CompileException e) {
            throw CompileCommand.located(e, model, targetOptions);
        }
        try {
            List<Future<StepReport>> reports = new ArrayList<>();
            for (Flags f : flags) {
                reports.add(pool.submit(() -> StepReport.of(TrainingPipeline.compile(m, f.training.config(), (p, g) -> { }), target)));
            }
            for (int i = 0; i < list.size(); i++) {
                String[] s = list.get(i);
                progress.start(CompileException.printable(s[0]));
                try {
                    rows.add(new HtmlReport.SweepRow(s[0], s[1], result(reports.get(i))));
                } catch (CompileException e) {
                    throw CompileCommand.located(e, model, targetOptions).within("strategy '" + s[0] + "'");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        progress.done();
        Map<String, String> files = new LinkedHashMap<>();
        files.put("sweep.json", json(rows));
        files.put("sweep.csv", csv(rows));
        files.put("sweep.html", HtmlReport.sweep(CompileCommand.name(model), rows));
        OutputFolder.write(out, files, force);
        o.printf(Locale.ROOT, "%-8s %12s %14s %14s %16s %16s %14s %10s %-13s %14s %14s%n", "strategy", "trainable", "dynamic B", "static B", "L2<->L1 B", "L3<->L1 B",
                "est. cycles", "img/s", "levels", "act. in L3 B", "recomp. MACs");
        for (HtmlReport.SweepRow r : rows) {
            StepReport s = r.report();
            o.printf(Locale.ROOT, "%-8s %,12d %,14d %,14d %,16d %,16d %,14d %10.2f %-13s %,14d %,14d%n", CompileException.printable(r.name()), s.trainableElements(),
                    s.memory().dynamicPeak(), s.memory().staticL2() + s.memory().staticL3(), s.bytesMoved().getOrDefault("L2<->L1", 0L),
                    s.bytesMoved().getOrDefault("L3<->L1", 0L), s.estimatedCycles(), s.estimatedImagesPerSecond(), s.levels().strategy(), s.levels().l3DynamicBytes(),
                    s.levels().recomputedMacs());
        }
        o.println("wrote " + CompileException.printable(out.resolve("sweep.json").toString()) + ", sweep.csv, sweep.html");
        return Main.OK;
    }

    /** A strategy's report, or what its compile threw (a CompileException, or an internal error as it was). */
    private static StepReport result(Future<StepReport> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompileException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        }
    }

    List<String[]> parseStrategies() throws IOException {
        if ((strategies == null) == (strategiesFile == null)) throw new CompileException("give exactly one of --strategies and --strategies-file");
        List<String> items = new ArrayList<>();
        if (strategies != null) {
            for (String s : strategies.split(";")) if (!s.isBlank()) items.add(s.trim());
        } else {
            for (String line : InputFile.readText(strategiesFile, "--strategies-file " + strategiesFile).split("\\R")) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) items.add(t);
            }
        }
        List<String[]> out = new ArrayList<>();
        for (String item : items) {
            int c = item.indexOf(':');
            if (c <= 0) throw new CompileException("--strategies: '" + item + "' is not 'NAME: FLAGS'");
            String name = item.substring(0, c).trim();
            if (out.stream().anyMatch(x -> x[0].equals(name))) throw new CompileException("--strategies: strategy '" + name + "' is given twice");
            out.add(new String[] {name, item.substring(c + 1).trim()});
        }
        if (out.isEmpty()) throw new CompileException("--strategies: no strategy given");
        return out;
    }

    static String json(List<HtmlReport.SweepRow> rows) throws IOException {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ArrayNode a = om.createArrayNode();
        for (HtmlReport.SweepRow r : rows) {
            ObjectNode n = om.valueToTree(r.report());
            n.put("strategy", r.name());
            n.put("flags", r.flags());
            n.remove("layers");
            a.add(n);
        }
        return om.writeValueAsString(a) + "\n";
    }

    static String csv(List<HtmlReport.SweepRow> rows) {
        StringBuilder sb = new StringBuilder("strategy,trainable_elements,dynamic_peak_bytes,dynamic_lower_bound_bytes,static_l2_bytes,static_l3_bytes,l1_peak_bytes,"
                + "bytes_l2_l1,bytes_l3_l2,macs_forward,macs_backward,macs_update,estimated_cycles,estimated_images_per_second,levels,l3_bytes,l3_dynamic_bytes,"
                + "recomputed_macs\r\n");
        for (HtmlReport.SweepRow r : rows) {
            StepReport s = r.report();
            sb.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%.4f,%s,%d,%d,%d\r\n", csvText(r.name()), s.trainableElements(), s.memory().dynamicPeak(),
                    s.memory().dynamicLowerBound(), s.memory().staticL2(), s.memory().staticL3(), s.memory().l1Peak(), s.bytesMoved().getOrDefault("L2<->L1", 0L),
                    s.bytesMoved().getOrDefault("L3<->L1", 0L), s.macs().get("forward"), s.macs().get("backward"), s.macs().get("update"), s.estimatedCycles(),
                    s.estimatedImagesPerSecond(), s.levels().strategy(), s.levels().l3Bytes(), s.levels().l3DynamicBytes(), s.levels().recomputedMacs()));
        }
        return sb.toString();
    }

    /**
     * A text cell of sweep.csv (RFC 4180): quoted when it holds a comma, quote or line break, quotes
     * doubled. A cell a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets
     * a leading apostrophe, so it stays text.
     */
    static String csvText(String s) {
        String t = !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
        boolean quote = t.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r');
        return quote ? '"' + t.replace("\"", "\"\"") + '"' : t;
    }

    /** A progress bar on a terminal (stderr), one line per strategy on standard output otherwise. */
    static final class Progress {
        private final PrintWriter err;
        private final PrintWriter out;
        private final int total;
        private final boolean tty = System.console() != null;
        private int done;

        Progress(PrintWriter err, PrintWriter out, int total) {
            this.err = err;
            this.out = out;
            this.total = total;
        }

        void start(String name) {
            int width = 30;
            int filled = width * done / total;
            if (tty) err.printf("\r[%s%s] %d/%d %-20s", "#".repeat(filled), " ".repeat(width - filled), done, total, name);
            else out.printf("sweep: %d/%d %s%n", done + 1, total, name);
            err.flush();
            out.flush();
            done++;
        }

        void done() {
            if (tty) err.printf("\r[%s] %d/%d %-20s%n", "#".repeat(30), total, total, "done");
            err.flush();
        }
    }
}
