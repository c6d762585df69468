package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.traindeeploy.conformance.Checker;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.target.Target;
import org.traindeeploy.train.TrainingPipeline;

/**
 * The tiled program for a cluster target, run in the host simulation (L1 and L2 arrays of the
 * target's sizes, every DMA and tile pointer bounds-checked, DMA bytes counted): every strategy
 * matches PyTorch, at L1 = 256 KiB (sanitized, 8 cores; cct2 -O1, 3 cores) and 64 KiB (-O1, 3
 * cores; cct2 sanitized, where most nodes run as many tiles), nodes too big for one tile running as loops over tiles ({@link TileLoops}); too small an L1 is a clean error naming the node; the runtime
 * aborts on an out-of-bounds tile; the output does not depend on anything but the program.
 */
class TiledCTest {
    private static final Path CASES = Path.of("tests/conformance");
    private static final String O1 = "-std=c99 -O1 -Wall -Wextra -Werror";

    static Target siracusa(long l1) { return Target.load("siracusa").withLevelSize("L1", l1); }

    @ParameterizedTest(name = "{0} at L1 = {1} B")
    @CsvSource({"mlp, 262144, true", "cnn, 262144, true", "cct, 262144, true", "cct2, 262144, false", "mlp, 65536, false", "cnn, 65536, false",
            "cct, 65536, false", "cct2, 65536, true", "kws, 65536, false", "resnet, 65536, false", "mbv2, 65536, false", "ae, 65536, false",
            "text, 65536, false", "bntrain, 65536, true"})
    void everyStrategyMatchesPyTorch(String kase, long l1, boolean sanitize) {
        Manifest m = Manifest.read(CASES.resolve(kase));
        StringWriter report = new StringWriter();
        CEngine engine = new CEngine(new CEngine.Options(sanitize ? 8 : 3, sanitize ? CEngine.SANITIZE_CFLAGS : O1, null).on(siracusa(l1)));
        Checker ch = new Checker(engine, new PrintWriter(report, true));
        ch.checkForward(m);
        ch.checkTraining(m, List.of());
        assertTrue(ch.passed(), report.toString());
        assertTrue(ch.rows().stream().filter(r -> r.kind().equals("grad")).count() >= m.strategies().size(), report.toString());
        // Every run moved data between L2 and L1 in both directions.
        assertEquals(1 + m.strategies().size(), engine.runs().size());
        for (Map<String, Long> r : engine.runs()) {
            assertTrue(r.get("L2->L1") > 0 && r.get("L1->L2") > 0, r.toString());
        }
        // The report's byte counts (the tiler's choices on the same contracts and plan) are exactly what the code moved.
        for (Map<String, Long> r : engine.runs().subList(1, engine.runs().size())) {
            long steps = r.get("steps");
            assertEquals(r.get("report L2<->L1") * steps, r.get("L2->L1") + r.get("L1->L2"), r.toString());
            assertEquals(r.getOrDefault("report L3<->L1", 0L) * steps, r.getOrDefault("L3->L1", 0L) + r.getOrDefault("L1->L3", 0L), r.toString());
        }
    }

    @Test
    void tooSmallL1NamesTheNode() {
        Manifest m = Manifest.read(CASES.resolve("mlp"));
        EmitSpec spec = EmitSpec.training("model.onnx", TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("full")), (p, g) -> { }));
        CompileException e = assertThrows(CompileException.class, () -> TargetFolder.sources(spec, 8, siracusa(64), false));
        assertTrue(e.getMessage().contains("node '/fc1/Gemm'") && e.getMessage().contains("bytes of L1"), e.getMessage());
    }

    @Test
    void sameProgramSameBytesAndTheDeviceRuntimeIsIncluded() {
        Manifest m = Manifest.read(CASES.resolve("cnn"));
        Manifest.Strategy s = m.strategies().values().iterator().next();
        GeneratedFolder fa = TargetFolder.folder(EmitSpec.training("model.onnx", TrainingPipeline.compile(m.modelPath(), m.config(s), (p, g) -> { })), 8,
                siracusa(262144), false);
        GeneratedFolder fb = TargetFolder.folder(EmitSpec.training("model.onnx", TrainingPipeline.compile(m.modelPath(), m.config(s), (p, g) -> { })), 8,
                siracusa(262144), false);
        assertTrue(fa.sameAs(fb));
        Map<String, String> a = fa.text();
        assertTrue(a.get("td_target.h").contains("#define TD_NO_DOUBLE 1"), "siracusa has no double FPU");
        assertTrue(a.containsKey("runtime/td_runtime_pulp.c"));
        assertTrue(a.get("td_plan.h").contains("#define TD_L1_SIZE 262144u"), a.get("td_plan.h"));
        // Tiled nodes are tables run by the one tile driver: network.c holds no loop and no DMA call of its own.
        assertTrue(a.get("network.c").contains("td_run_tiled(&") && a.get("network.c").contains("static const td_tiled_node "), "tile tables");
        assertTrue(!a.get("network.c").contains("td_dma_in(") && !a.get("network.c").contains("for ("), "no tile loop in network.c");
        assertTrue(a.get("kernels/td_tiled.c").contains("void td_run_tiled(") && a.get("td_plan.h").contains("#define TD_TILE_OPS "));
        Map<String, String> host = TargetFolder.sources(EmitSpec.training("model.onnx", TrainingPipeline.compile(m.modelPath(), m.config(s), (p, g) -> { })), 8,
                Target.load("host"), false);
        assertTrue(!host.containsKey("runtime/td_runtime_pulp.c") && !host.get("network.c").contains("td_run_tiled(")
                && !host.containsKey("kernels/td_tiled.c"));
        assertTrue(!host.get("td_target.h").contains("TD_NO_DOUBLE"), "the host computes in double");
        assertNotEquals(a.get("network.c"), host.get("network.c"));
    }

    /** A C program against the host runtime that hands a kernel a tile reaching past L1. */
    @Test
    void hostSimulationAbortsOnATileOutsideL1(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("runtime"));
        Files.writeString(dir.resolve("runtime/td_runtime.h"), Templates.verbatim("runtime/td_runtime.h"));
        Files.writeString(dir.resolve("runtime/td_runtime_host.c"), Templates.verbatim("runtime/td_runtime_host.c"));
        Files.writeString(dir.resolve("td_target.h"), "#define TD_DMA_MAX 256u\n");
        Files.writeString(dir.resolve("td_plan.h"), "#define TD_L1_SIZE 1024u\n#define TD_L2_SIZE 4096u\n#define TD_L3_SIZE 0u\n");
        Files.writeString(dir.resolve("t.c"), """
                #include <stdio.h>
                #include "td_runtime.h"
                int main(int argc, char **argv) {
                    td_dma req = {0};
                    td_dma_stats s;
                    (void)argv;
                    td_dma_in(td_l1, td_l2 + 16, 1u, 1000u, 0u, 0u, &req, "inside");
                    td_dma_wait(&req);
                    s = td_dma_counters();
                    printf("counted %llu %llu\\n", (unsigned long long)s.l2_to_l1, (unsigned long long)s.transfers);
                    fflush(stdout);
                    if (argc > 1) td_dma_in(td_l1 + 512, td_l2, 1u, 513u, 0u, 0u, &req, "/blocks.0/fc1/MatMul");
                    return 0;
                }
                """);
        run(dir, 0, "cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-I.", "-Iruntime", "-o", "t", "t.c", "runtime/td_runtime_host.c", "-lpthread");
        String ok = run(dir, 0, "./t");
        assertTrue(ok.contains("counted 1000 4"), ok);
        String bad = run(dir, -1, "./t", "overflow");
        assertTrue(bad.contains("outside L1") && bad.contains("/blocks.0/fc1/MatMul"), bad);
    }

    private static String run(Path dir, int expect, String... cmd) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        if (expect == 0) assertEquals(0, p.exitValue(), out);
        else assertNotEquals(0, p.exitValue(), out);
        return out;
    }
}
