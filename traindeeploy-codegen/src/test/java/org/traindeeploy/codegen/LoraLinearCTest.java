package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.traindeeploy.conformance.Checker;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ops.LoraLinear;
import org.traindeeploy.target.Target;
import org.traindeeploy.tiling.Tiler;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/**
 * The fused LoRA kernel (td_lora_linear) against PyTorch through the conformance cases' LoRA
 * strategies: tiled on siracusa at 64 KiB, where the column tiles of a row tile share t in L1
 * (t_ready), and untiled on the host.
 */
class LoraLinearCTest {
    private static final Path CASES = Path.of("tests/conformance");
    private static final Target SIRACUSA_64K = Target.load("siracusa").withLevelSize("L1", 64 << 10);

    @Test
    void cct2LoraStepsMatchPyTorchWithTheFusedKernelTiledOverColumns() {
        Manifest m = Manifest.read(CASES.resolve("cct2"));
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("LoRA2")), (x, y) -> { });
        List<Node> fused = p.graph().nodes().stream().filter(n -> n.op() instanceof LoraLinear).toList();
        assertEquals(p.adapters().size(), fused.size());
        // at 64 KiB the tiler splits the output columns: later column tiles read t left in L1 by the first
        long split = fused.stream().filter(n -> Tiler.tile(n, 64 << 10, SIRACUSA_64K).count()[1] > 1).count();
        assertTrue(split > 0, "some LoraLinear has several column tiles");
        StringWriter report = new StringWriter();
        Checker ch = new Checker(new CEngine(new CEngine.Options(8, null, null, SIRACUSA_64K)), new PrintWriter(report, true));
        ch.checkTraining(m, List.of("LoRA1", "LoRA2"));
        assertTrue(ch.passed(), report.toString());
    }

    /** The other cases' LoRA strategies, host build under the sanitizers and on siracusa at 64 KiB. */
    @Test
    void cctAndTextLoraStrategiesMatchPyTorch() {
        for (String kase : List.of("cct", "text")) {
            Manifest m = Manifest.read(CASES.resolve(kase));
            TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("lora")), (x, y) -> { });
            assertTrue(p.graph().nodes().stream().anyMatch(n -> n.op() instanceof LoraLinear), kase + ": fuse-lora fired");
            for (CEngine.Options o : List.of(CEngine.Options.sanitized(2), new CEngine.Options(8, null, null, SIRACUSA_64K))) {
                StringWriter report = new StringWriter();
                Checker ch = new Checker(new CEngine(o), new PrintWriter(report, true));
                ch.checkTraining(m, List.of("lora"));
                assertTrue(ch.passed(), kase + " on " + o.target().name() + "\n" + report);
            }
        }
    }
}
