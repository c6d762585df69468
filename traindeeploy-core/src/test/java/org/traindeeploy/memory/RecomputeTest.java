package org.traindeeploy.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.ir.Node;
import org.traindeeploy.report.StepReport;
import org.traindeeploy.target.Target;
import org.traindeeploy.testing.T;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/** Recomputing cheap activations (layer norms, GELUs) in the backward pass lowers cct2's dynamic memory (the documented figures). */
class RecomputeTest {
    @Test
    void layerNormsAreRecomputedAndThePeakDrops() {
        Manifest m = Manifest.read(T.root().resolve("tests/conformance/cct2"));
        // FT2: lower bound 655,404; the placement is 512 B above it since fuse-residual judges over the fixed schedule (more fusions).
        long[] expected = {655_916, 636_464};
        String[] strategies = {"FT2", "LoRA2"};
        for (int i = 0; i < 2; i++) {
            TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get(strategies[i])), (x, y) -> { });
            long copies = p.graph().nodes().stream().map(Node::name).filter(n -> n.endsWith("/recompute")).count();
            assertEquals(5, copies, strategies[i]);
            for (Node n : p.graph().nodes()) {
                if (n.name().endsWith("/recompute")) {
                    assertTrue(java.util.Set.of("LayerNormalization", "Gelu").contains(n.op().opType()), n.op().opType());
                    assertEquals(TrainingProgram.Phase.BACKWARD, p.phase(n), "recomputation is backward work");
                }
            }
            StepReport r = StepReport.of(p, Target.load("siracusa"));
            assertEquals(expected[i], r.memory().dynamicPeak(), strategies[i]);
            assertTrue(r.memory().dynamicPeak() < 788_016, "below FT2's peak without recomputation");
        }
    }
}
