package org.traindeeploy.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.traindeeploy.codegen.CEngine;
import org.traindeeploy.conformance.Checker;
import org.traindeeploy.conformance.Engine;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.conformance.ReferenceEngine;
import org.traindeeploy.ir.CompileException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Reproduce conformance cases (reference training steps made with PyTorch autograd) and compare",
            "losses, gradients and updated tensors within relative 1e-4 / absolute 1e-5.",
            "Exit code 0: all within tolerance; 1: a mismatch; 2: bad input."},
        footer = {"", "Examples:",
            "  traindeeploy check tests/conformance/cct2 --engine reference",
            "  traindeeploy check tests/conformance/cct2 --strategy LoRA2 --engine reference",
            "  traindeeploy check tests/conformance/mlp --engine c",
            "  traindeeploy check tests/conformance/cnn --engine c --cores 1 --cflags sanitize",
            "  traindeeploy check tests/conformance/mlp --engine rv32 --target siracusa --l1 64KiB",
            "  traindeeploy check tests/conformance/* --forward-only"})
final class CheckCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "CASE_DIR", description = "Conformance case folders (with manifest.json).")
    List<Path> cases;

    @Option(names = "--strategy", paramLabel = "NAME", description = "Check only these strategies (repeatable; default: all of the manifest).")
    List<String> strategies = new ArrayList<>();

    @Option(names = "--engine", defaultValue = "reference",
            description = {"reference (the Java interpreter), c (the generated C, built with make and run on the host), or rv32",
                "(the cluster target's code built for rv32imafc and run under qemu-system-riscv32, one hart per core; docs/rv32.md).",
                "Default: ${DEFAULT-VALUE}."})
    String engine;

    @Option(names = "--cores", defaultValue = "8", paramLabel = "N", description = "Cores the generated C runs on: threads with --engine c, harts with --engine rv32 (default: ${DEFAULT-VALUE}).")
    int cores;

    @Option(names = "--cflags", paramLabel = "FLAGS",
            description = {"CFLAGS for building the generated C (default: the Makefile's -std=c99 -O2 -Wall -Wextra -Werror).",
                "--cflags sanitize selects -O1 with AddressSanitizer and UBSan."})
    String cflags;

    @picocli.CommandLine.Mixin TargetOptions targetOptions = new TargetOptions();

    @Option(names = "--forward-only", description = "Only compare the untrained model's output with data/logits_K.")
    boolean forwardOnly;

    @Option(names = "--verbose", description = "Print stack traces of errors (for bug reports).")
    boolean verbose;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        TargetCores.check(cores);
        Engine e = switch (engine) {
            case "reference" -> new ReferenceEngine();
            case "c" -> new CEngine(new CEngine.Options(cores, "sanitize".equals(cflags) ? CEngine.SANITIZE_CFLAGS : cflags, null)
                    .on(targetOptions.loadOr("host")));
            case "rv32" -> new CEngine(new CEngine.Options(cores, rv32Cflags(), null)
                    .on(targetOptions.loadOr("siracusa")).onRv32());
            default -> throw new CompileException("--engine '" + engine + "' is not known (engines: reference, c, rv32)");
        };
        boolean ok = true;
        int passed = 0;
        int failed = 0;
        // Every case and strategy name is read and checked before the first case runs.
        List<Manifest> manifests = new ArrayList<>();
        for (Path c : cases) {
            Manifest m = Manifest.read(c);
            if (!forwardOnly) for (String s : strategies) {
                if (!m.strategies().containsKey(s)) throw new CompileException("--strategy: case " + c + " has no strategy '" + s + "' (it has " + m.strategies().keySet() + ")");
            }
            manifests.add(m);
        }
        for (Manifest m : manifests) {
            Checker ch = new Checker(e, out);
            ch.header(m);
            if (forwardOnly) ch.checkForward(m);
            else {
                ch.checkForward(m);
                ch.checkTraining(m, strategies);
            }
            if (e instanceof CEngine ce) printDma(out, ce, m);
            Map<String, Integer> s = ch.summary();
            passed += s.get("passed");
            failed += s.get("failed");
            ok &= ch.passed();
        }
        out.printf("check: %d passed, %d failed%n", passed, failed);
        return ok ? Main.OK : Main.MISMATCH;
    }

    private String rv32Cflags() {
        if ("sanitize".equals(cflags)) throw new CompileException("--cflags sanitize needs --engine c (the sanitizers run on the host)");
        return cflags;
    }

    /** The bytes each run of this case moved between memory levels (runs: forward, then the strategies in order). */
    private int dmaPrinted;

    private void printDma(PrintWriter out, CEngine ce, Manifest m) {
        List<String> names = new ArrayList<>();
        names.add("forward");
        if (!forwardOnly) names.addAll(strategies.isEmpty() ? m.strategies().keySet() : strategies);
        List<Map<String, Long>> runs = ce.runs();
        for (int i = dmaPrinted, k = 0; i < runs.size() && k < names.size(); i++, k++) {
            Map<String, Long> r = runs.get(i);
            long l2l1 = r.getOrDefault("L2->L1", 0L) + r.getOrDefault("L1->L2", 0L);
            long l3 = r.getOrDefault("L3->L1", 0L) + r.getOrDefault("L1->L3", 0L) + r.getOrDefault("L3->L2", 0L) + r.getOrDefault("L2->L3", 0L);
            if (l2l1 + l3 == 0) continue;
            long steps = Math.max(1, r.getOrDefault("steps", 1L));
            String predicted = r.containsKey("report L2<->L1") ? String.format(java.util.Locale.ROOT, " (report: %,d B and %,d B%s)", r.get("report L2<->L1"),
                    r.getOrDefault("report L3<->L1", 0L), r.get("report L2<->L1") == l2l1 / steps && r.getOrDefault("report L3<->L1", 0L) == l3 / steps ? "" : ", DIFFERENT")
                    : "";
            out.printf(java.util.Locale.ROOT, "  dma %-9s per step: L2<->L1 %,d B, L3<->L1 %,d B, %,d transfers%s%n", names.get(k), l2l1 / steps, l3 / steps,
                    r.getOrDefault("transfers", 0L) / steps, predicted);
        }
        dmaPrinted = runs.size();
    }
}
