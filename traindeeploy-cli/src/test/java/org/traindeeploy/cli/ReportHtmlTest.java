package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.memory.MemoryPlan;
import org.traindeeploy.report.HtmlReport;
import org.traindeeploy.report.StepReport;
import org.traindeeploy.target.Target;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/** A single compile's report.html for a three-level target: every level drawn, renders cleanly. */
class ReportHtmlTest {
    @Test
    void reportDrawsEveryLevelAndRendersCleanly(@TempDir Path tmp) throws Exception {
        Manifest m = Manifest.read(Path.of(CliTest.ROOT, "tests/conformance/cct2"));
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("LoRA2")), (x, y) -> { });
        Target t = Target.load("siracusa").withLevelSize("L2", 1_200_000);
        MemoryPlan plan = StepReport.plan(p, t);
        StepReport r = StepReport.of(p, t, plan);
        assertTrue(r.memory().staticL3() > 0, "with a 1.2 MB L2 some weights move to L3");
        String html = HtmlReport.single("cct2", "LoRA2", r, plan);
        assertTrue(html.contains("L2: the arena's buffers over the schedule"));
        assertTrue(html.contains("L1: the running kernel's tiles over the schedule"));
        assertTrue(html.contains("L3: ") && html.contains("L2: "), "static buffers per level");
        assertTrue(!html.contains("<script"));
        Path page = tmp.resolve("report.html");
        Files.writeString(page, html);
        Chromium.assertRendersCleanly(page, tmp);
    }
}
