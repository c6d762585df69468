package org.traindeeploy.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.traindeeploy.testing.T;

/**
 * Every strategy of every conformance case (the project's copy under tests/conformance) through
 * the reference engine: forward logits, losses, gradients and updated tensors within rel 1e-4 /
 * abs 1e-5 of PyTorch, and the trained element counts.
 */
class ReferenceConformanceTest {
    static Stream<Path> cases() throws IOException {
        try (Stream<Path> s = Files.list(T.root().resolve("tests/conformance"))) {
            List<Path> dirs = s.filter(p -> Files.exists(p.resolve("manifest.json"))).sorted().toList();
            assertFalse(dirs.isEmpty(), "no conformance cases under tests/conformance");
            return dirs.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reproducesPyTorch(Path caseDir) {
        StringWriter text = new StringWriter();
        Checker c = new Checker(new ReferenceEngine(), new PrintWriter(text));
        Manifest m = Manifest.read(caseDir);
        c.header(m);
        c.checkForward(m);
        c.checkTraining(m, List.of());
        assertTrue(c.passed(), text.toString());
        long losses = c.rows().stream().filter(r -> r.kind().equals("loss")).count();
        long grads = c.rows().stream().filter(r -> r.kind().equals("grad")).count();
        int expectedGrads = m.strategies().values().stream().mapToInt(s -> s.trainable().size()).sum();
        assertEquals(m.strategies().size(), losses, "one loss row per strategy");
        assertEquals(expectedGrads, grads, "one gradient row per trained tensor");
        assertTrue(c.rows().stream().anyMatch(r -> r.kind().equals("logits")), "forward output compared");
    }
}
