package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.traindeeploy.conformance.Checker;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/**
 * The generated C end to end: every strategy of every conformance case is compiled, built with
 * -Wall -Wextra -Werror under AddressSanitizer and UBSan, run, and compared with PyTorch's numbers
 * by the same Checker as the reference engine. Core counts vary (8, 3, 1) so that uneven work
 * splits and the single-core path are exercised.
 */
class GeneratedCTest {
    private static final Path CASES = Path.of("tests/conformance");

    static Stream<Arguments> strategies() {
        List<String> cases = List.of("mlp", "cnn", "cct", "cct2");
        int[] cores = {8, 3, 1};
        int[] k = {0};
        return cases.stream().flatMap(c -> Manifest.read(CASES.resolve(c)).strategies().keySet().stream()
                .map(s -> Arguments.of(c, s, cores[k[0]++ % cores.length])));
    }

    @ParameterizedTest(name = "{0} {1} on {2} core(s)")
    @MethodSource("strategies")
    void strategyMatchesPyTorchUnderSanitizers(String kase, String strategy, int cores) {
        Manifest m = Manifest.read(CASES.resolve(kase));
        StringWriter report = new StringWriter();
        Checker ch = new Checker(new CEngine(CEngine.Options.sanitized(cores)), new PrintWriter(report, true));
        ch.checkTraining(m, List.of(strategy));
        assertFalse(ch.rows().isEmpty());
        assertTrue(ch.passed(), report.toString());
        assertTrue(ch.rows().stream().anyMatch(r -> r.kind().equals("loss")), report.toString());
        assertTrue(ch.rows().stream().anyMatch(r -> r.kind().equals("grad")), report.toString());
    }

    @ParameterizedTest(name = "{0} forward")
    @MethodSource("cases")
    void forwardPassMatchesPyTorchUnderSanitizers(String kase) {
        Manifest m = Manifest.read(CASES.resolve(kase));
        StringWriter report = new StringWriter();
        Checker ch = new Checker(new CEngine(CEngine.Options.sanitized(2)), new PrintWriter(report, true));
        ch.checkForward(m);
        assertEquals(1, ch.rows().size(), report.toString());
        assertTrue(ch.passed(), report.toString());
    }

    static Stream<String> cases() { return Stream.of("mlp", "cnn", "cct", "cct2"); }

    /** The default build (-O2 -Werror) of the biggest case, through the Makefile's own flags. */
    @Test
    void defaultOptimizedBuildMatchesToo() {
        Manifest m = Manifest.read(CASES.resolve("cct2"));
        StringWriter report = new StringWriter();
        Checker ch = new Checker(new CEngine(CEngine.Options.defaults()), new PrintWriter(report, true));
        ch.checkTraining(m, List.of("LoRA2"));
        assertTrue(ch.passed(), report.toString());
    }

    @Test
    void sameProgramSameBytes(@TempDir Path tmp) throws Exception {
        Manifest m = Manifest.read(CASES.resolve("cct2"));
        Manifest.Strategy s = m.strategies().get("LoRA1");
        GeneratedFolder folder = TargetFolder.folder(EmitSpec.training("model.onnx",
                TrainingPipeline.compile(m.modelPath(), m.config(s), (p, g) -> { })), 8, org.traindeeploy.target.Target.load("host"), true);
        Map<String, String> first = folder.text();
        TrainingProgram again = TrainingPipeline.compile(m.modelPath(), m.config(s), (p, g) -> { });
        TargetFolder.write(EmitSpec.training("model.onnx", again), 8, tmp.resolve("a"), false);
        TargetFolder.write(EmitSpec.training("model.onnx", TrainingPipeline.compile(m.modelPath(), m.config(s), (p, g) -> { })), 8, tmp.resolve("b"), false);
        for (String f : first.keySet()) {
            byte[] a = Files.readAllBytes(tmp.resolve("a").resolve(f));
            byte[] b = Files.readAllBytes(tmp.resolve("b").resolve(f));
            assertTrue(java.util.Arrays.equals(a, b), f + " differs between two compiles");
            assertEquals(first.get(f), Files.readString(tmp.resolve("a").resolve(f)), f);
        }
        for (Map.Entry<String, byte[]> e : folder.binary().entrySet()) {
            assertTrue(java.util.Arrays.equals(e.getValue(), Files.readAllBytes(tmp.resolve("a").resolve(e.getKey()))), e.getKey());
            assertTrue(java.util.Arrays.equals(e.getValue(), Files.readAllBytes(tmp.resolve("b").resolve(e.getKey()))), e.getKey() + " differs between two compiles");
        }
        try (Stream<Path> files = Files.walk(tmp.resolve("a"))) {
            // Every generated file, and the folder's output marker (OutputFolder.MARKER).
            assertEquals(first.size() + folder.binary().size() + 1, files.filter(Files::isRegularFile).count());
        }
    }
}
