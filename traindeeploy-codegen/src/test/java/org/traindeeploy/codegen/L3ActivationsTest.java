package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.traindeeploy.conformance.Checker;
import org.traindeeploy.conformance.Comparison;
import org.traindeeploy.conformance.Engine;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.conformance.ReferenceEngine;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.memory.MemoryPlan;
import org.traindeeploy.report.StepReport;
import org.traindeeploy.target.Target;
import org.traindeeploy.testing.VitModel;
import org.traindeeploy.train.LoraSpec;
import org.traindeeploy.train.LossKind;
import org.traindeeploy.train.OptimizerSpec;
import org.traindeeploy.train.TrainSpec;
import org.traindeeploy.train.TrainingConfig;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/**
 * When L2 cannot hold the step's activations and gradients, the planner moves buffers to L3 by cost
 * ({@link org.traindeeploy.memory.LevelChoice}) and the generated code reaches them through the
 * runtime's L3 calls: cct2 with 512 KiB of L2 for data (below every strategy's dynamic peak; the
 * image keeps its 512 KiB reserve on top) matches PyTorch on every strategy in the host simulation,
 * whose td_l2 is the plan's L2 (at most 512 KiB) and whose td_l3 is the plan's L3, and the report's
 * bytes between L3 and L1 are the ones the simulation counted. A ViT of depth 8 (1.08 M parameters)
 * compiles at siracusa's default budgets with full fine-tuning and with LoRA, and its training step
 * in the host simulation matches the reference interpreter. An L3 too small is one line.
 */
class L3ActivationsTest {
    private static final String O1 = "-std=c99 -O1 -Wall -Wextra -Werror";

    /** Siracusa with {@code data} bytes of L2 for the plan (the level is that plus the image's reserve, as --l2 gives it). */
    static Target siracusaData(long data, long l1) {
        Target t = Target.load("siracusa");
        return t.withLevelSize("L2", data + t.level("L2").reservedBytes()).withLevelSize("L1", l1);
    }

    @Test
    void cct2WithHalfAMebibyteOfL2MatchesPyTorchOnEveryStrategy() {
        Manifest m = Manifest.read(Path.of("tests/conformance/cct2"));
        Target t = siracusaData(512 << 10, 64 << 10);
        CEngine engine = new CEngine(new CEngine.Options(3, O1, null).on(t));
        StringWriter report = new StringWriter();
        Checker ch = new Checker(engine, new PrintWriter(report, true));
        ch.checkTraining(m, List.of());
        assertTrue(ch.passed(), report.toString());
        assertEquals(m.strategies().size(), engine.runs().size(), "one run per strategy");
        for (Map<String, Long> r : engine.runs()) {
            long steps = r.get("steps");
            assertTrue(r.getOrDefault("L3->L1", 0L) > 0, "buffers in L3 are read: " + r);
            assertEquals(r.get("report L2<->L1") * steps, r.get("L2->L1") + r.get("L1->L2"), r.toString());
            assertEquals(r.get("report L3<->L1") * steps, r.get("L3->L1") + r.get("L1->L3"), r.toString());
        }
        // The plan each strategy compiles to: L2 within the data budget; FT2 and LoRA2 (dynamic peaks above 512 KiB)
        // with activations or gradients in L3 by cost, the others with their weights in L3.
        for (Map.Entry<String, Manifest.Strategy> e : m.strategies().entrySet()) {
            TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(e.getValue()), (x, y) -> { });
            MemoryPlan plan = StepReport.plan(p, t);
            StepReport r = StepReport.of(p, t, plan);
            assertTrue(plan.mainLevelBytes() <= 512 << 10, "L2 used " + plan.mainLevelBytes());
            boolean big = e.getKey().endsWith("2");
            assertEquals(big ? "by cost" : "weights to L3", r.levels().strategy(), e.getKey() + ": " + r.text());
            if (big) assertTrue(r.levels().l3DynamicBytes() > 0 && r.levels().buffersInL3() > 0, r.text());
            assertEquals(plan.l3Bytes(), r.levels().l3Bytes());
            assertEquals(r.bytesMoved().get("L3<->L1"), r.levels().l3Traffic());
        }
    }

    /**
     * With an L3 link 20 times slower than siracusa's, the level choice recomputes segments with
     * multiply-accumulates instead of moving them through L3 (RecomputeChoiceTest); the step it
     * compiles to still matches PyTorch in the host simulation, with the report's bytes counted.
     */
    @Test
    void cct2WithRecomputedSegmentsMatchesPyTorch() {
        Manifest m = Manifest.read(Path.of("tests/conformance/cct2"));
        Target s = siracusaData(512 << 10, 64 << 10);
        List<Target.DmaLink> dma = s.dma().stream()
                .map(d -> d.from().equals("L3") ? new Target.DmaLink(d.from(), d.to(), 0.05, d.setupCycles(), d.maxTransferBytes()) : d).toList();
        Target t = new Target(s.name(), s.description(), s.cores(), s.clockHz(), s.flopsPerCyclePerCore(), s.runtime(), s.levels(), dma,
                s.cyclesPerInstruction(), s.doubleFpu(), s.cost());
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("FT2")), (x, y) -> { });
        StepReport r = StepReport.of(p, t, StepReport.plan(p, t));
        assertTrue(r.levels().recomputedMacs() > 0 && r.levels().recomputeCycles() > 0, r.text());
        CEngine engine = new CEngine(new CEngine.Options(3, O1, null).on(t));
        StringWriter report = new StringWriter();
        Checker ch = new Checker(engine, new PrintWriter(report, true));
        ch.checkTraining(m, List.of("FT2"));
        assertTrue(ch.passed(), report.toString());
        Map<String, Long> run = engine.runs().get(0);
        assertEquals(run.get("report L3<->L1") * run.get("steps"), run.get("L3->L1") + run.get("L1->L3"), run.toString());
        assertEquals(run.get("report L2<->L1") * run.get("steps"), run.get("L2->L1") + run.get("L1->L2"), run.toString());
    }

    @Test
    void theGeneratedFolderDeclaresThePlannedLevels() throws Exception {
        Manifest m = Manifest.read(Path.of("tests/conformance/cct2"));
        Target t = siracusaData(512 << 10, 64 << 10);
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("FT2")), (x, y) -> { });
        Map<String, String> src = TargetFolder.sources(EmitSpec.training("cct2", p), 8, t, false);
        String h = src.get("td_plan.h");
        java.util.regex.Matcher l2 = java.util.regex.Pattern.compile("#define TD_L2_SIZE (\\d+)u").matcher(h);
        java.util.regex.Matcher l3 = java.util.regex.Pattern.compile("#define TD_L3_SIZE (\\d+)u").matcher(h);
        assertTrue(l2.find() && l3.find(), h);
        assertTrue(Long.parseLong(l2.group(1)) <= 512 << 10, h);
        long l3Bytes = Long.parseLong(l3.group(1));
        assertTrue(l3Bytes > 0 && l3Bytes < 64_000_000, "td_l3 is the planned L3, not the whole level: " + h);
        // An activation or gradient lives in L3: its symbol is an L3 offset.
        assertTrue(src.get("network.c").lines().anyMatch(l -> l.startsWith("#define t_") && l.contains("/* L3:")), "an activation in L3");
    }

    @Test
    void anL3TooSmallIsOneLineNamingTheSizes() {
        Manifest m = Manifest.read(Path.of("tests/conformance/cct2"));
        Target s = siracusaData(512 << 10, 64 << 10);
        List<Target.MemoryLevel> levels = s.levels().stream().map(l -> l.name().equals("L3") ? new Target.MemoryLevel("L3", 200_000, 4) : l).toList();
        Target small = new Target(s.name(), s.description(), s.cores(), s.clockHz(), s.flopsPerCyclePerCore(), s.runtime(), levels, s.dma(),
                s.cyclesPerInstruction(), s.doubleFpu(), s.cost());
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("FT2")), (x, y) -> { });
        CompileException e = assertThrows(CompileException.class, () -> StepReport.plan(p, small));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("bytes of L3") && e.getMessage().contains("200000"), e.getMessage());
    }

    static TrainingConfig fullFineTuning() {
        return new TrainingConfig(TrainSpec.parse("all"), null, LossKind.CROSS_ENTROPY, OptimizerSpec.sgd(0.05, 0, 0), 1, 1, null);
    }

    static TrainingConfig lora() {
        return new TrainingConfig(TrainSpec.parse("head.*"), new LoraSpec(List.of("/blocks.*/*MatMul"), 4, 8, 5, null), LossKind.CROSS_ENTROPY,
                OptimizerSpec.sgd(0.05, 0, 0), 1, 1, null);
    }

    @Test
    void vitOfDepthEightTrainsFromL3AndMatchesTheReference() throws Exception {
        Path dir = Files.createTempDirectory("traindeeploy-vit-");
        try {
            Path onnx = dir.resolve("vit.onnx");
            Files.write(onnx, VitModel.vit(8).toByteArray());
            Target t = Target.load("siracusa");
            for (TrainingConfig cfg : List.of(fullFineTuning(), lora())) {
                String label = cfg.lora() == null ? "full fine-tuning" : "LoRA";
                TrainingProgram p = TrainingPipeline.compile(onnx, cfg, (x, y) -> { });
                StepReport r = StepReport.of(p, t, StepReport.plan(p, t));
                assertTrue(r.levels().l3Bytes() > 0, label + ": " + r.text());
                assertTrue(r.memory().dynamicPeak() <= t.level("L2").planBytes(), label + ": " + r.text());
                List<Tensor> xs = new ArrayList<>();
                List<Tensor> ys = new ArrayList<>();
                SplittableRandom rnd = new SplittableRandom(11);
                TensorType in = p.input().type();
                double[] v = new double[in.size()];
                for (int i = 0; i < v.length; i++) v[i] = rnd.nextDouble() * 2 - 1;
                xs.add(Tensor.ofReal(DType.FLOAT, in.shape(), v).roundToType());
                long[] l = new long[p.labels().type().size()];
                for (int i = 0; i < l.length; i++) l[i] = rnd.nextInt(VitModel.CLASSES);
                ys.add(Tensor.ofInt(DType.INT64, p.labels().type().shape(), l));
                List<Engine.StepResult> ref = new ReferenceEngine().train(TrainingPipeline.compile(onnx, cfg, (x, y) -> { }), xs, ys);
                CEngine engine = new CEngine(new CEngine.Options(3, O1, null).on(t));
                List<Engine.StepResult> c = engine.train(p, xs, ys);
                Comparison loss = new Comparison();
                loss.add(c.get(0).loss(), ref.get(0).loss());
                assertTrue(loss.passed(), label + ": loss " + c.get(0).loss() + " vs " + ref.get(0).loss());
                for (String key : ref.get(0).grads().keySet()) {
                    Comparison cmp = new Comparison();
                    cmp.add(c.get(0).grads().get(key), ref.get(0).grads().get(key));
                    assertTrue(cmp.passed(), label + ": gradient of '" + key + "': worst error " + cmp.worstAbs() + " (" + cmp.problem() + ")");
                }
                for (String key : ref.get(0).params().keySet()) {
                    Comparison cmp = new Comparison();
                    cmp.add(c.get(0).params().get(key), ref.get(0).params().get(key));
                    assertTrue(cmp.passed(), label + ": '" + key + "' after the step: worst error " + cmp.worstAbs() + " (" + cmp.problem() + ")");
                }
                Map<String, Long> run = engine.runs().get(0);
                assertTrue(run.getOrDefault("L3->L1", 0L) > 0, label + ": " + run);
                assertEquals(run.get("report L3<->L1") * run.get("steps"), run.get("L3->L1") + run.get("L1->L3"), label + ": " + run);
            }
        } finally {
            OutputFolder.deleteTree(dir);
        }
    }
}
