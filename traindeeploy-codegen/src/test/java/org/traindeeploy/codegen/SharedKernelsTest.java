package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.target.Target;
import org.traindeeploy.train.TrainingPipeline;

/**
 * The kernels of two different models on one target are the same bytes with the same includes, so a
 * compiler cache builds them once (docs/codegen.md, "Builds"): everything that depends on the plan is
 * in td_plan.h, which no kernel includes.
 */
class SharedKernelsTest {
    private static Map<String, String> sources(String caseName, String strategy) {
        Manifest m = Manifest.read(Path.of("tests/conformance", caseName));
        Target t = Target.load("siracusa").withLevelSize("L1", 64 << 10);
        return TargetFolder.sources(EmitSpec.training(caseName, TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get(strategy)), (p, g) -> { })),
                8, t, false);
    }

    @Test
    void kernelsAndTheirHeadersDoNotDependOnTheModel() {
        Map<String, String> mlp = sources("mlp", "full");
        Map<String, String> cct = sources("cct2", "LoRA2");
        assertEquals(mlp.get("td_target.h"), cct.get("td_target.h"));
        assertEquals(mlp.get("runtime/td_runtime.h"), cct.get("runtime/td_runtime.h"));
        assertNotEquals(mlp.get("td_plan.h"), cct.get("td_plan.h"), "the plans differ");
        assertTrue(cct.get("td_plan.h").contains("#define TD_L2_SIZE ") && !cct.get("td_target.h").contains("TD_L2_SIZE"), cct.get("td_target.h"));
        int shared = 0;
        for (Map.Entry<String, String> e : cct.entrySet()) {
            String f = e.getKey();
            if (!f.startsWith("kernels/") || f.equals("kernels/td_tiled.c") || f.equals("kernels/td_tiled.h")) continue;
            assertFalse(e.getValue().contains("#include \"td_plan.h\""), f + " includes the plan");
            if (mlp.containsKey(f)) {
                assertEquals(mlp.get(f), e.getValue(), f);
                shared++;
            }
        }
        assertTrue(shared >= 4, "kernel files in both folders: " + shared);
        assertFalse(cct.get("runtime/td_runtime.h").contains("#include \"td_plan.h\""), "td_runtime.h is included by every kernel");
    }
}
