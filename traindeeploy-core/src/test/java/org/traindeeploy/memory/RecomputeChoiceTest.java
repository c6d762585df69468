package org.traindeeploy.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.ir.Node;
import org.traindeeploy.report.StepReport;
import org.traindeeploy.target.Target;
import org.traindeeploy.testing.T;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/**
 * L2 / L3 / recompute is chosen by cost ({@link LevelChoice}): cct2 (FT2) with 512 KiB of L2 on
 * siracusa moves its activations to L3 (1 byte per cycle: cheaper than recomputing its linear
 * layers); on the same target with an L3 link 20 times slower, the same step recomputes segments
 * with multiply-accumulates instead and moves fewer bytes through L3.
 */
class RecomputeChoiceTest {
    static Target data512(Target t) { return t.withLevelSize("L2", (512 << 10) + t.level("L2").reservedBytes()).withLevelSize("L1", 64 << 10); }

    static Target slowL3(Target s, double bytesPerCycle) {
        List<Target.DmaLink> dma = s.dma().stream()
                .map(d -> d.from().equals("L3") ? new Target.DmaLink(d.from(), d.to(), bytesPerCycle, d.setupCycles(), d.maxTransferBytes()) : d).toList();
        return new Target(s.name(), s.description(), s.cores(), s.clockHz(), s.flopsPerCyclePerCore(), s.runtime(), s.levels(), dma,
                s.cyclesPerInstruction(), s.doubleFpu(), s.cost());
    }

    static StepReport report(Target t) {
        Manifest m = Manifest.read(T.root().resolve("tests/conformance/cct2"));
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("FT2")), (x, y) -> { });
        return StepReport.of(p, t, StepReport.plan(p, t));
    }

    @Test
    void theChoiceFollowsTheL3Bandwidth() {
        Target fast = data512(Target.load("siracusa"));
        StepReport l3 = report(fast);
        StepReport re = report(slowL3(fast, 0.05));
        // Siracusa: every activation that leaves L2 goes to L3; only the training pass's cheap copies (no MACs) are recomputed.
        assertEquals("by cost", l3.levels().strategy(), l3.text());
        assertEquals(0, l3.levels().recomputeCycles(), l3.text());
        assertEquals(0, l3.levels().recomputedMacs(), l3.text());
        assertTrue(l3.levels().l3DynamicBytes() > 0, l3.text());
        // 20 times slower L3: the choice recomputes, including multiply-accumulates, and moves fewer bytes through L3.
        assertTrue(re.levels().recomputeCycles() > 0, re.text());
        assertTrue(re.levels().recomputedMacs() > 0, re.text());
        assertTrue(re.levels().recomputedNodes() > l3.levels().recomputedNodes(), re.text());
        assertTrue(re.levels().l3Traffic() < l3.levels().l3Traffic(), re.levels().l3Traffic() + " vs " + l3.levels().l3Traffic());
        assertTrue(re.levels().moved().stream().anyMatch(s -> s.contains("recomputed")), re.levels().moved().toString());
        assertTrue(re.memory().dynamicPeak() + re.memory().staticL2() <= 512 << 10, re.text());
        // Each reason names a recomputation cheaper than the same bytes through L3.
        for (String why : re.levels().moved()) {
            java.util.regex.Matcher mm = java.util.regex.Pattern.compile("recomputed, \\d+ MACs, \\+(\\d+) cycles; through L3 \\+(\\d+) cycles").matcher(why);
            if (mm.find()) assertTrue(Long.parseLong(mm.group(1)) < Long.parseLong(mm.group(2)), why);
        }
    }

    @Test
    void recomputedCopiesAreBackwardWork() {
        Manifest m = Manifest.read(T.root().resolve("tests/conformance/cct2"));
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("FT2")), (x, y) -> { });
        Target t = slowL3(data512(Target.load("siracusa")), 0.05);
        StepReport.plan(p, t);
        long macCopies = 0;
        for (Node n : p.graph().nodes()) {
            if (!n.name().contains("/recompute")) continue;
            assertEquals(TrainingProgram.Phase.BACKWARD, p.phase(n), n.name());
            if (List.of("Linear", "MatMul").contains(n.op().opType())) macCopies++;
        }
        assertTrue(macCopies > 0, "a segment with multiply-accumulates is recomputed");
    }
}
