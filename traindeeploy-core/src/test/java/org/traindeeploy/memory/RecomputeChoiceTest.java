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
 * L2 / L3 / recompute is chosen by cost ({@link LevelChoice}). The property of a choice by cost that
 * follows the L3 bandwidth: the choice made for a link is, by the report's estimate, at least as
 * cheap on that link as the choice made for another one. The estimate is linear in 1 / bandwidth with
 * the L3 bytes as slope, so both inequalities together imply that with a slower L3 the choice moves
 * no more bytes through L3. (The greedy choice does not guarantee it in general: kws {@code full} with
 * 43,727 B of L2 moves 135,360 B at 1 B/cycle and 149,760 B at 0.05; this test holds it to it on the
 * two steps below.)
 */
class RecomputeChoiceTest {
    static Target data512(Target t) { return t.withLevelSize("L2", (512 << 10) + t.level("L2").reservedBytes()).withLevelSize("L1", 64 << 10); }

    static Target data(Target t, long l2) { return t.withLevelSize("L2", l2 + t.level("L2").reservedBytes()).withLevelSize("L1", 64 << 10); }

    static Target slowL3(Target s, double bytesPerCycle) {
        List<Target.DmaLink> dma = s.dma().stream()
                .map(d -> d.from().equals("L3") ? new Target.DmaLink(d.from(), d.to(), bytesPerCycle, d.setupCycles(), d.maxTransferBytes()) : d).toList();
        return new Target(s.name(), s.description(), s.cores(), s.clockHz(), s.flopsPerCyclePerCore(), s.runtime(), s.levels(), dma,
                s.cyclesPerInstruction(), s.doubleFpu(), s.cost());
    }

    static TrainingProgram program(String conformanceCase, String strategy) {
        Manifest m = Manifest.read(T.root().resolve("tests/conformance/" + conformanceCase));
        return TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get(strategy)), (x, y) -> { });
    }

    /** The choices made for {@code fast} and {@code slow}, each also reported on the other target. */
    record Pair(StepReport fast, StepReport slow, StepReport fastOnSlow, StepReport slowOnFast) {}

    static Pair choices(String conformanceCase, String strategy, Target fast, Target slow) {
        TrainingProgram pf = program(conformanceCase, strategy);
        MemoryPlan planF = StepReport.plan(pf, fast);
        TrainingProgram ps = program(conformanceCase, strategy);
        MemoryPlan planS = StepReport.plan(ps, slow);
        Pair c = new Pair(StepReport.of(pf, fast, planF), StepReport.of(ps, slow, planS), StepReport.of(pf, slow, planF), StepReport.of(ps, fast, planS));
        // The choice prices what the code moves: its L3 bytes are the report's (the tilings' DMA).
        assertEquals(planF.levels().addedL3Traffic(), c.fast().levels().l3Traffic(), c.fast().text());
        assertEquals(planS.levels().addedL3Traffic(), c.slow().levels().l3Traffic(), c.slow().text());
        // Each choice is at least as cheap where it was made as the other one there; hence no more L3 bytes on the slower link.
        assertTrue(c.slow().estimatedCycles() <= c.fastOnSlow().estimatedCycles(),
                c.slow().estimatedCycles() + " on the slow L3 against the fast choice's " + c.fastOnSlow().estimatedCycles());
        assertTrue(c.fast().estimatedCycles() <= c.slowOnFast().estimatedCycles(),
                c.fast().estimatedCycles() + " on the fast L3 against the slow choice's " + c.slowOnFast().estimatedCycles());
        assertTrue(c.slow().levels().l3Traffic() <= c.fast().levels().l3Traffic(), c.slow().levels().l3Traffic() + " vs " + c.fast().levels().l3Traffic());
        // Each reason names a recomputation cheaper than the same bytes through L3.
        for (String why : c.slow().levels().moved()) {
            java.util.regex.Matcher mm = java.util.regex.Pattern.compile("recomputed, \\d+ MACs, \\+(\\d+) cycles; through L3 \\+(\\d+) cycles").matcher(why);
            if (mm.find()) assertTrue(Long.parseLong(mm.group(1)) < Long.parseLong(mm.group(2)), why);
        }
        return c;
    }

    /** On siracusa the step moves activations to L3 and recomputes no MACs; with an L3 link 20 times slower it recomputes some, with MACs, and moves fewer bytes through L3. */
    static Pair followsTheBandwidth(String conformanceCase, String strategy, long l2) {
        Target fast = data(Target.load("siracusa"), l2);
        Pair c = choices(conformanceCase, strategy, fast, slowL3(fast, 0.05));
        StepReport l3 = c.fast();
        StepReport re = c.slow();
        // Siracusa: activations go to L3; what is recomputed has no MACs.
        assertEquals("by cost", l3.levels().strategy(), l3.text());
        assertEquals(0, l3.levels().recomputedMacs(), l3.text());
        assertTrue(l3.levels().l3DynamicBytes() > 0, l3.text());
        // 20 times slower L3: the choice recomputes, including multiply-accumulates, and moves fewer bytes through L3.
        assertTrue(re.levels().recomputeCycles() > 0, re.text());
        assertTrue(re.levels().recomputedMacs() > 0, re.text());
        assertTrue(re.levels().recomputedNodes() > l3.levels().recomputedNodes(), re.text());
        assertTrue(re.levels().l3Traffic() < l3.levels().l3Traffic(), re.levels().l3Traffic() + " vs " + l3.levels().l3Traffic());
        assertTrue(re.levels().moved().stream().anyMatch(s -> s.contains("recomputed")), re.levels().moved().toString());
        assertTrue(re.memory().dynamicPeak() + re.memory().staticL2() <= l2, re.text());
        return c;
    }

    /**
     * cct2 (FT2) with 512 KiB of L2 for data. With the coefficients of 2026-12-02: on siracusa 21
     * buffers in L3, 4,128,768 B through L3, 31,456,620 cycles; at 0.05 B/cycle two residual sums
     * recomputed (2,097,152 MACs), 4,030,464 B through L3, 108,877,834 cycles against 109,903,212 for
     * siracusa's choice on that link.
     */
    @Test
    void theChoiceFollowsTheL3Bandwidth() {
        StepReport l3 = followsTheBandwidth("cct2", "FT2", 512 << 10).fast();
        // On siracusa only the training pass's cheap copies are recomputed: the level choice recomputes nothing.
        assertEquals(0, l3.levels().recomputeCycles(), l3.text());
    }

    /** cct ({@code full}, batch 2) with 240 KiB of L2 for data (70% of its arena). */
    @Test
    void onCctTooTheChoiceFollowsTheL3Bandwidth() { followsTheBandwidth("cct", "full", 240 << 10); }

    @Test
    void recomputedCopiesAreBackwardWork() {
        TrainingProgram p = program("cct2", "FT2");
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
