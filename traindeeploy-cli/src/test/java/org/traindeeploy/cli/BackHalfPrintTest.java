package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** --print-ir-after for the back half's passes on inspect. */
class BackHalfPrintTest {
    static final String MLP = Path.of(CliTest.ROOT, "tests/conformance/mlp/model.onnx").toString();

    @Test
    void inspectPrintsTheScheduleThePlanTheTilesAndTheLoweredProgram() {
        CliTest.Result r = CliTest.run("inspect", MLP, "--train", "last", "--target", "siracusa", "--l1", "64KiB",
                "--print-ir-after", "schedule,plan,tile,lower");
        assertEquals(0, r.code(), r.err());
        String o = r.out();
        int s = o.indexOf("// ----- IR after schedule -----\nschedule: ");
        int p = o.indexOf("// ----- IR after plan -----\nplan: main L2, arena ");
        int t = o.indexOf("// ----- IR after tile -----\ntiles: ");
        int l = o.indexOf("// ----- IR after lower -----\nlowered: model.onnx for siracusa, 8 core(s), training step\n");
        assertTrue(s >= 0 && s < p && p < t && t < l, o);
        assertTrue(o.contains("node /fc2/Gemm (Linear)\n  tiled tn__fc2_Gemm: "), o);
        assertTrue(o.contains("dma store L1 -> L2 t_logits"), o);
        // The report after them reads the same plan: its dynamic peak is the plan's arena.
        String arena = o.substring(p).split("arena ")[1].split(" B")[0];
        assertTrue(o.contains(String.format(java.util.Locale.ROOT, "dynamic peak %,d B", Long.parseLong(arena))), o);
    }

    @Test
    void backHalfPassesAreKnownNames() {
        CliTest.Result bad = CliTest.run("inspect", MLP, "--print-ir-after", "tiles");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("(passes: import, constant-folding,") && bad.err().contains("cleanup, schedule, plan, tile, lower)"), bad.err());
    }
}
