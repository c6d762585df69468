package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.ir.Node;
import org.traindeeploy.memory.Buffer;
import org.traindeeploy.memory.PlanPass;
import org.traindeeploy.passes.PassManager;
import org.traindeeploy.report.StepReport;
import org.traindeeploy.target.Target;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/** The back half as passes: schedule, plan, tile, lower; their records and text forms. */
class BackHalfTest {
    static final Path MLP = Path.of(System.getProperty("traindeeploy.root", "."), "tests/conformance/mlp");

    private static TrainingProgram mlp() {
        Manifest m = Manifest.read(MLP);
        return TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("full")), (p, c) -> { });
    }

    private static Target siracusa() { return Target.load("siracusa").withLevelSize("L1", 64 * 1024); }

    /** Run the back half, keeping the text --print-ir-after shows after each pass. */
    private static LoweredProgram lower(EmitSpec es, Target t, Map<String, String> texts) {
        return BackHalf.lower(es, 8, t, false, (p, c) -> texts.put(p.name(), c.print(p)));
    }

    @Test
    void passesHaveNamesSummariesAndRequirements() {
        assertEquals(List.of("schedule", "plan", "tile", "lower"), BackHalf.passNames());
        var passes = BackHalf.passes(null, 1, null, false);
        for (var p : passes) assertTrue(!p.summary().isBlank(), p.name());
        assertEquals(java.util.Set.of("schedule"), passes.get(1).requires());
        assertEquals(java.util.Set.of("plan"), passes.get(2).requires());
        assertEquals(java.util.Set.of("tile"), passes.get(3).requires());
        // Out of order is an error, not a silent bug.
        TrainingProgram p = mlp();
        EmitSpec es = EmitSpec.training("m", p);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PassManager().add(BackHalf.passes(es, 8, siracusa(), false).get(2)).run(p.graph()));
        assertTrue(e.getMessage().contains("pass 'tile' requires 'plan'"), e.getMessage());
    }

    @Test
    void scheduleAndPlanTextMatchTheirRecords() {
        TrainingProgram p = mlp();
        Map<String, String> texts = new LinkedHashMap<>();
        LoweredProgram lp = lower(EmitSpec.training("m", p), siracusa(), texts);
        assertEquals(List.of("schedule", "plan", "tile", "lower"), List.copyOf(texts.keySet()));

        List<Node> order = lp.schedule().order();
        assertEquals(p.graph().nodes(), order, "the graph is left in the scheduled order");
        List<String> sched = texts.get("schedule").lines().toList();
        assertEquals("schedule: " + order.size() + " nodes", sched.get(0));
        for (int i = 0; i < order.size(); i++) {
            assertEquals(String.format(Locale.ROOT, "  %4d %s (%s)", i, order.get(i).name(), order.get(i).op().opType()), sched.get(i + 1));
        }

        String plan = texts.get("plan");
        assertTrue(plan.startsWith("plan: main L2, arena " + lp.plan().arenaBytes() + " B (lower bound " + lp.plan().lowerBoundBytes() + " B)"), plan);
        assertEquals(lp.plan().buffers().size() + 1, plan.lines().count());
        assertTrue(lp.plan().buffers().size() >= 8, plan);
        for (Buffer b : lp.plan().buffers()) {
            String line = "  buf" + b.id() + " " + b.level() + "+" + b.offset() + " " + b.size() + " B ";
            assertTrue(plan.lines().anyMatch(l -> l.startsWith(line) && l.endsWith(" " + b.values().get(b.values().size() - 1).name())), line + "\n" + plan);
        }
        // The buffers of fc1's weight: a static buffer placed at an offset, named in the plan text.
        assertTrue(plan.lines().anyMatch(l -> l.matches("  buf\\d+ L2\\+\\d+ 8192 B static 0\\.\\.\\d+: fc1\\.weight( .*)?")), plan);
        assertEquals(PlanPass.text(lp.plan()), plan);

        // The report is read off the same plan the code renders.
        StepReport r = StepReport.of(p, siracusa(), lp.plan());
        assertEquals(lp.plan().arenaBytes(), r.memory().dynamicPeak());
    }

    @Test
    void tileTextShowsEveryNodesTilesAndDma() {
        TrainingProgram p = mlp();
        Map<String, String> texts = new LinkedHashMap<>();
        LoweredProgram lp = lower(EmitSpec.training("m", p), siracusa(), texts);
        String tile = texts.get("tile");
        assertEquals(tile, lp.tiles().text());
        assertTrue(tile.startsWith("tiles: " + p.graph().nodes().size() + " nodes, L1 tiles moved by DMA"), tile);
        for (Node n : p.graph().nodes()) assertTrue(tile.contains("node " + n.name() + " (" + n.op().opType() + ")\n"), n.name());
        // fc1 (a Linear [2,64] x [64,32]) is one tiled loop: its input and weight loaded by DMA from their L2 homes, its output stored.
        String fc1 = tile.substring(tile.indexOf("node /fc1/Gemm (Linear)"), tile.indexOf("node /Relu (Relu)"));
        assertTrue(fc1.contains("  tiled tn__fc1_Gemm: "), fc1);
        assertTrue(fc1.contains("dma load L2 in_input -> L1"), fc1);
        assertTrue(fc1.contains("dma load L2 s_fc1_weight -> L1"), fc1);
        assertTrue(fc1.contains("dma store L1 -> L2 t__fc1_Gemm_output_0"), fc1);
        assertTrue(fc1.contains("kernel td_linear k__fc1_Gemm per tile"), fc1);
        // The same tiles are rendered: every tiled node's table is in network.c.
        String c = TargetFolder.folder(lp).text().get("network.c");
        for (var tn : lp.model().tables().tiled()) assertTrue(tile.contains("  tiled " + tn.id() + ": " + tn.tiles() + " tiles"), tn.id());
        assertTrue(c.contains("tn__fc1_Gemm"), "network.c renders the tiled node");

        // A target without L1: whole-node kernel calls.
        TrainingProgram q = mlp();
        Map<String, String> host = new LinkedHashMap<>();
        lower(EmitSpec.training("m", q), Target.load("host"), host);
        assertTrue(host.get("tile").startsWith("tiles: " + q.graph().nodes().size() + " nodes, whole-node kernel calls"), host.get("tile"));
        assertTrue(host.get("tile").contains("  kernel td_linear k__fc1_Gemm: reads in_input"), host.get("tile"));
    }

    @Test
    void lowerTextListsBuffersAtTheirOffsetsAndTheBarriers() {
        TrainingProgram p = mlp();
        Map<String, String> texts = new LinkedHashMap<>();
        LoweredProgram lp = lower(EmitSpec.training("m", p), siracusa(), texts);
        String low = texts.get("lower");
        assertEquals(lp.text(), low);
        assertTrue(low.startsWith("lowered: m for siracusa, 8 core(s), training step\n"), low);
        for (BufferPlan.Buffer b : lp.model().placed()) assertTrue(low.contains("  " + b.symbol() + " " + b.role().name().toLowerCase(Locale.ROOT) + " " + b.level() + "+" + b.offset() + " " + b.bytes() + " B "), b.symbol());
        long barriers = lp.model().trainSteps().stream().filter(NetworkModel.Step::barrier).count();
        assertTrue(barriers > 0);
        assertTrue(low.contains("train body: ") && low.contains(", " + barriers + " barriers\n"), low);
        assertSame(lp.plan(), lp.tiles().buffers.memory(), "the tiles use the plan's places");
    }

    @Test
    void theTargetFilesRuntimeSelectsTheRuntimeFiles() {
        Target s = siracusa();
        Target host = Target.load("host");
        assertEquals(TargetFolder.Runtime.PMSIS, TargetFolder.Runtime.of(s));
        assertEquals(TargetFolder.Runtime.HOST, TargetFolder.Runtime.of(host));
        Target unknown = new Target(s.name(), s.description(), s.cores(), s.clockHz(), s.flopsPerCyclePerCore(), "freertos", s.levels(), s.dma(),
                s.cyclesPerInstruction(), s.doubleFpu(), s.cost());
        var e = assertThrows(org.traindeeploy.ir.CompileException.class, () -> BackHalf.lower(EmitSpec.training("m", mlp()), 8, unknown, false));
        assertEquals("target 'siracusa': unknown runtime 'freertos' (runtimes: host, pmsis)", e.getMessage());
        Target hostWithL1 = new Target(s.name(), s.description(), s.cores(), s.clockHz(), s.flopsPerCyclePerCore(), "host", s.levels(), s.dma(),
                s.cyclesPerInstruction(), s.doubleFpu(), s.cost());
        assertThrows(org.traindeeploy.ir.CompileException.class, () -> TargetFolder.Runtime.of(hostWithL1));
        var onHost = TargetFolder.folder(BackHalf.lower(EmitSpec.training("m", mlp()), 8, host, false)).text().keySet();
        assertTrue(onHost.contains("runtime/td_runtime_host.c"));
        assertTrue(!onHost.contains("runtime/td_runtime_pulp.c") && !onHost.contains("rv32.ld"), onHost.toString());
        var onCluster = TargetFolder.folder(BackHalf.lower(EmitSpec.training("m", mlp()), 8, s, false)).text().keySet();
        assertTrue(onCluster.containsAll(java.util.List.of("runtime/td_runtime_host.c", "runtime/td_runtime_pulp.c", "runtime/td_runtime_rv32.c", "rv32.ld", "device/main_pmsis.c")), onCluster.toString());
    }
}
