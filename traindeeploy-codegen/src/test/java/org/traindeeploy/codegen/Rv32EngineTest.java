package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.traindeeploy.conformance.Checker;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.target.Target;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/**
 * The rv32 engine (docs/rv32.md): the siracusa code built for rv32imafc and run under qemu with one
 * hart per core reproduces PyTorch's training steps, and the profile's counts are consistent and
 * repeatable. Needs gcc-riscv64-unknown-elf, picolibc-riscv64-unknown-elf and qemu-system-misc:
 * without them the tests are skipped on a developer's machine, and fail in CI (CI set).
 */
class Rv32EngineTest {
    static final Target SIRACUSA_64K = Target.load("siracusa").withLevelSize("L1", 64 << 10);

    @BeforeAll
    static void toolchain() {
        String missing = Rv32.missing();
        if (missing == null) return;
        if (System.getenv("CI") != null) throw new AssertionError("CI must run the rv32 tests, but " + missing + " is missing (.ci/run installs it)");
        Assumptions.abort("no rv32 toolchain: " + missing);
    }

    private static void check(String kase, List<String> strategies, boolean forward, int cores) {
        Manifest m = Manifest.read(Path.of("tests/conformance/" + kase));
        CEngine engine = new CEngine(new CEngine.Options(cores, null, null).on(SIRACUSA_64K).onRv32());
        StringWriter report = new StringWriter();
        Checker ch = new Checker(engine, new PrintWriter(report, true));
        if (forward) ch.checkForward(m);
        ch.checkTraining(m, strategies);
        assertTrue(ch.passed(), report.toString());
        assertTrue(ch.summary().get("passed") > 3, report.toString());
        assertEquals("rv32", engine.name());
    }

    @Test
    void mlpMatchesPyTorchOnEightHarts() { check("mlp", List.of(), true, 8); }

    @Test
    void cnnMatchesPyTorchOnThreeHarts() { check("cnn", List.of("full"), true, 3); }

    @Test
    void cct2LastLayerMatchesPyTorch() { check("cct2", List.of("LP"), false, 8); }

    /** The edge models (Pad, BatchNorm in both modes, activations, depthwise convs, MSE targets, token ids, accumulate): every strategy. */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"kws", "resnet", "mbv2", "ae", "text", "bntrain"})
    void edgeModelsMatchPyTorch(String kase) { check(kase, List.of(), true, 8); }

    @Test
    void profileCountsAddUpAndRepeat() {
        Manifest m = Manifest.read(Path.of("tests/conformance/mlp"));
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("full")), (x, y) -> { });
        double[] v = new double[p.input().type().size()];
        for (int i = 0; i < v.length; i++) v[i] = (i % 13) / 13.0 - 0.5;
        Tensor x = Tensor.ofReal(org.traindeeploy.ir.DType.FLOAT, p.input().type().shape(), v);
        Tensor y = Tensor.zeros(p.labels().type());
        Rv32Profile.Profile a = Rv32Profile.run(p, "mlp", SIRACUSA_64K, 4, x, y, null);
        TrainingProgram p2 = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("full")), (u, w) -> { });
        Rv32Profile.Profile b = Rv32Profile.run(p2, "mlp", SIRACUSA_64K, 4, x, y, null);
        assertEquals(a, b, "the same run counts the same instructions");

        assertEquals(4, a.harts().size());
        assertEquals(a.instructions(), a.harts().stream().mapToLong(Long::longValue).sum());
        long nodes = a.nodes().stream().mapToLong(Rv32Profile.NodeProfile::instructions).sum();
        long critNodes = a.nodes().stream().mapToLong(Rv32Profile.NodeProfile::criticalPathInstructions).sum();
        // What no node owns is the step's fixed part (fork dispatch, loss readout: about 3,300 instructions), within 1% of
        // any real step (cct2 LoRA2: 74 k of 731 M) but not of this 10 k-MAC one, so it is bounded by both.
        assertTrue(nodes <= a.instructions() && a.instructions() - nodes <= Math.max(a.instructions() / 100, 5_000), nodes + " of " + a.instructions());
        assertTrue(critNodes <= a.criticalPathInstructions() && a.criticalPathInstructions() - critNodes <= Math.max(a.criticalPathInstructions() / 100, 5_000),
                critNodes + " of " + a.criticalPathInstructions());
        // Four harts share the work: the critical path is shorter than the total, and at least a quarter of it.
        assertTrue(a.criticalPathInstructions() < a.instructions() && 4 * a.criticalPathInstructions() >= a.instructions(), a.toString());
        assertEquals(2 * (64 * 32 + 32 * 10) * 2 + 2 * 32 * 10, a.macs(), "forward, input gradient of fc2 and both weight gradients");
        assertEquals((double) a.instructions() / a.macs(), a.instructionsPerMac(), 1e-9);
        assertTrue(a.nodes().stream().anyMatch(n -> n.phase().equals("backward") && n.instructions() > 0));
        assertTrue(a.nodes().stream().anyMatch(n -> n.phase().equals("update") && n.op().equals("SgdUpdate") && n.instructions() > 0));
        for (Rv32Profile.NodeProfile n : a.nodes()) assertTrue(n.criticalPathInstructions() <= n.instructions(), n.toString());
        Rv32Profile.Image im = a.image();
        assertTrue(im.text() > 10_000 && im.stack() >= 3 * 8192 && im.bss() > 0, im.toString());
        assertEquals(im.text() + im.rodata() + im.data() + im.bss() + im.stack(), im.total());
        assertEquals(2 << 20, im.levelSize());
        assertTrue(im.total() < im.levelSize());
        assertEquals(Math.round(a.criticalPathInstructions() * SIRACUSA_64K.cyclesPerInstruction()), a.cycles().estimate());
        assertTrue(a.cycles().basis().startsWith("estimate"));
    }

    /**
     * The pmsis flavour (device/main_pmsis.c, runtime/td_runtime_pulp.c, the network and kernels)
     * compiles for rv32imafc with gnu99 and warnings as errors against stub headers written from the
     * SDK's published signatures (src/test/resources/pmsis-stubs), with weights in L2 and in L3.
     */
    @Test
    void pmsisFlavourCompilesAgainstTheSdkHeaders() throws Exception {
        Path stubs = Path.of(getClass().getResource("/pmsis-stubs/pmsis.h").toURI()).getParent();
        Manifest m = Manifest.read(Path.of("tests/conformance/mlp"));
        for (Target t : List.of(SIRACUSA_64K, SIRACUSA_64K.withLevelSize("L2", (512 + 16) << 10))) {
            TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("full")), (x, y) -> { });
            Path dir = java.nio.file.Files.createTempDirectory("traindeeploy-pmsis-");
            try {
                Path src = dir.resolve("src");
                TargetFolder.write(EmitSpec.training("mlp", p), 8, t, false, src, false);
                String target = java.nio.file.Files.readString(src.resolve("td_plan.h"));
                String mk = java.nio.file.Files.readString(src.resolve("Makefile.pulp"));
                assertTrue(mk.contains("PULP_SDK_HOME") && mk.contains("-std=gnu99") && mk.contains("device/main_pmsis.c"), mk);
                List<String> files = new java.util.ArrayList<>(List.of("device/main_pmsis.c", "runtime/td_runtime_pulp.c", "network.c", "network_data.S"));
                for (String k : CEmitter.KERNEL_SOURCES) files.add("kernels/" + k);
                files.add("kernels/" + CEmitter.TILE_DRIVER_SOURCE);
                for (String f : files) {
                    List<String> cmd = List.of("riscv64-unknown-elf-gcc", "-march=rv32imafc", "-mabi=ilp32f", "--specs=picolibc.specs", "-std=gnu99", "-O2",
                            "-Wall", "-Wextra", "-Werror", "-fno-strict-aliasing", "-DTD_PULP", "-DTD_NUM_CORES=8", "-I.", "-Iruntime", "-Ikernels",
                            "-I" + stubs, "-c", f, "-o", dir.resolve("o.o").toString());
                    HostBuild.run(cmd, src, "compiling " + f + " for pmsis", line -> { });
                }
                if (t != SIRACUSA_64K) assertFalse(target.contains("TD_L3_SIZE 0u"), "weights in L3: " + target);
            } finally {
                OutputFolder.deleteTree(dir);
            }
        }
    }

    @Test
    void anL2TooSmallForTheStepFailsWithOneLine() {
        Manifest m = Manifest.read(Path.of("tests/conformance/cct2"));
        // A level smaller than the image's reserve: nothing is left for the plan, not even the step's inputs
        // (with less L2 than the step's arena but more than the reserve, activations move to L3: L3ActivationsTest).
        Target small = SIRACUSA_64K.withLevelSize("L2", 256 << 10);
        CEngine engine = new CEngine(new CEngine.Options(8, null, null).on(small).onRv32());
        StringWriter report = new StringWriter();
        Checker ch = new Checker(engine, new PrintWriter(report, true));
        CompileException e = assertThrows(CompileException.class, () -> ch.checkTraining(m, List.of("LP")));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("reserved for code"), e.getMessage());
    }
}
