package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.traindeeploy.conformance.Checker;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.target.Target;

/**
 * When L2 cannot hold the weights next to the step's arena, the planner moves them to L3 and the
 * generated code reaches them through the runtime's L3 calls: cct2 with a 1.5 MiB L2 (1 MiB after the 512 KiB reserved for the image) still matches
 * PyTorch, and the run moves bytes between L3 and L1.
 */
class L3PlacementTest {
    @Test
    void weightsInL3StillMatchPyTorch() {
        Manifest m = Manifest.read(Path.of("tests/conformance/cct2"));
        Target t = Target.load("siracusa").withLevelSize("L2", 1536 << 10);
        CEngine engine = new CEngine(new CEngine.Options(3, "-std=c99 -O1 -Wall -Wextra -Werror", null).on(t));
        StringWriter report = new StringWriter();
        Checker ch = new Checker(engine, new PrintWriter(report, true));
        ch.checkTraining(m, List.of("LoRA2", "FT2"));
        assertTrue(ch.passed(), report.toString());
        org.junit.jupiter.api.Assertions.assertEquals(2, engine.runs().size(), "one run per strategy");
        for (Map<String, Long> r : engine.runs()) {
            assertTrue(r.getOrDefault("L3->L1", 0L) > 0, "weights come from L3: " + r);
        }
    }
}
