package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.onnx.OnnxImporter;
import org.traindeeploy.onnx.OnnxReader;
import org.traindeeploy.passes.Normalize;
import org.traindeeploy.train.LoraSpec;
import org.traindeeploy.train.LossKind;
import org.traindeeploy.train.OptimizerSpec;
import org.traindeeploy.train.TrainSpec;
import org.traindeeploy.train.TrainingConfig;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/**
 * After a host training run of the generated C, export gives an ONNX model whose forward pass on
 * the reference interpreter equals the trained model's (the training graph with the run's tensors),
 * with LoRA merged and kept.
 */
class ExportCommandTest {
    @Test
    void exportAfterAHostTrainingRun(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        CliTest.Result trained = CliTest.run("train", CliTest.CCT2, "--data", Path.of(CliTest.ROOT, "models/cct2/data").toString(),
                "--lora", "/blocks.*/*MatMul", "--lora-rank", "4", "--lora-alpha", "8", "--train", "/attention_pool/*,/fc/*", "--lr", "0.05",
                "--steps", "6", "--keep", run.toString());
        assertEquals(0, trained.code(), trained.out() + trained.err());
        Map<String, Tensor> weights = ExportCommand.readRun(run);
        assertEquals(28, weights.size());
        assertTrue(java.util.Arrays.stream(weights.get("/blocks.1/q_proj/MatMul.lora_B").reals()).anyMatch(v -> v != 0), "the run trained B");

        // The trained model: the same training program with the run's tensors as its state.
        TrainingConfig cfg = new TrainingConfig(TrainSpec.parse("/attention_pool/*,/fc/*"), new LoraSpec(List.of("/blocks.*/*MatMul"), 4, 8, 0, null),
                LossKind.CROSS_ENTROPY, OptimizerSpec.sgd(0.05, 0, 0), 1, null, null);
        TrainingProgram p = TrainingPipeline.compile(Path.of(CliTest.CCT2), cfg, (x, y) -> { });
        Interpreter in = new Interpreter(p.graph());
        for (TrainingProgram.Trainable t : p.trainables()) in.setState(t.state(), weights.get(t.key()));
        Tensor probe = org.traindeeploy.testing.Probe.input(p.input().type().shape());
        Tensor expected = in.run(Map.of(p.input().name(), probe, p.labels().name(), Tensor.ofInt(DType.INT64, new int[] {1}, new long[] {0}))).get("logits");

        for (boolean merge : new boolean[] {true, false}) {
            Path onnx = tmp.resolve(merge ? "merged.onnx" : "kept.onnx");
            List<String> args = new java.util.ArrayList<>(List.of("export", CliTest.CCT2, "--weights", run.toString(), "--lora-alpha", "8", "-o", onnx.toString()));
            if (merge) args.add("--merge-lora");
            CliTest.Result r = CliTest.run(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            assertTrue(Files.size(onnx) > 1000);
            Graph g = OnnxImporter.importModel(OnnxReader.read(onnx), onnx, OnnxImporter.Options.defaults()).graph();
            Normalize.manager().run(g);
            Tensor y = new Interpreter(g).run(Map.of("input", probe)).get("logits");
            for (int i = 0; i < y.size(); i++) {
                double e = expected.getDouble(i);
                assertEquals(e, y.getDouble(i), 1e-5 + 1e-4 * Math.abs(e), (merge ? "merged" : "kept") + " logit " + i);
            }
            assertEquals(merge ? 0 : 12, g.nodes().stream().filter(n -> n.name().endsWith("/lora_add")).count());
        }
        CliTest.Result again = CliTest.run("export", CliTest.CCT2, "--weights", run.toString(), "--lora-alpha", "8", "-o", tmp.resolve("kept.onnx").toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already exists (use --force to replace it)"), again.err());
        CliTest.Result noAlpha = CliTest.run("export", CliTest.CCT2, "--weights", run.toString(), "-o", tmp.resolve("x.onnx").toString());
        assertEquals(2, noAlpha.code());
        assertTrue(noAlpha.err().contains("give --lora-alpha"), noAlpha.err());
    }
}
