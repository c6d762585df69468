package org.traindeeploy.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.onnx.OnnxExporter;
import org.traindeeploy.onnx.OnnxImporter;
import org.traindeeploy.onnx.OnnxReader;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.passes.Normalize;
import org.traindeeploy.testing.T;

/** A tuned model written back to ONNX computes what the trained graph computes, with LoRA merged or kept. */
class ExportTest {
    @ParameterizedTest(name = "merge LoRA: {0}")
    @ValueSource(booleans = {true, false})
    void exportedModelMatchesTheTrainedModel(boolean merge) {
        Path model = T.root().resolve("models/cct2/model.onnx");
        LoraSpec lora = new LoraSpec(List.of("/blocks.*/*MatMul"), 4, 8, 3, null);
        TrainingConfig cfg = new TrainingConfig(TrainSpec.parse("/attention_pool/*,/fc/*,blocks.0.linear1.bias"), lora, LossKind.CROSS_ENTROPY,
                OptimizerSpec.sgd(0.05, 0.9, 0), 1, null, null);
        TrainingProgram p = TrainingPipeline.compile(model, cfg, (x, y) -> { });
        Interpreter in = new Interpreter(p.graph());
        for (int k = 0; k < 3; k++) {
            in.run(Map.of(p.input().name(), T.random(DType.FLOAT, k, p.input().type().shape()), p.labels().name(), Tensor.ofInt(DType.INT64, new int[] {1}, new long[] {k})));
        }
        Tensor probe = T.random(DType.FLOAT, 99, p.input().type().shape());
        Tensor trainedLogits = in.run(Map.of(p.input().name(), probe, p.labels().name(), Tensor.ofInt(DType.INT64, new int[] {1}, new long[] {0}))).get("logits");
        // The state before that last run's update is what produced trainedLogits: rerun from saved state instead.
        Map<String, Tensor> saved = new HashMap<>();
        Interpreter again = new Interpreter(p.graph());
        for (int k = 0; k < 3; k++) {
            again.run(Map.of(p.input().name(), T.random(DType.FLOAT, k, p.input().type().shape()), p.labels().name(), Tensor.ofInt(DType.INT64, new int[] {1}, new long[] {k})));
        }
        for (TrainingProgram.Trainable t : p.trainables()) saved.put(t.key(), again.state(t.state()));
        List<OnnxExporter.Adapter> adapters = new ArrayList<>();
        for (LoraInjection.Adapter a : p.adapters()) {
            adapters.add(new OnnxExporter.Adapter(a.node(), a.weight(), saved.get(a.node() + ".lora_A"), saved.get(a.node() + ".lora_B"), lora.scale()));
        }
        assertTrue(java.util.Arrays.stream(saved.get(adapters.get(0).node() + ".lora_B").reals()).anyMatch(v -> v != 0),
                "training moved B away from zero, so the adapters matter");
        ModelProto exported = OnnxExporter.export(OnnxReader.read(model), saved, adapters, merge);
        Graph g = OnnxImporter.importModel(exported, model, OnnxImporter.Options.defaults()).graph();
        Normalize.manager().run(g);
        Tensor y = new Interpreter(g).run(Map.of("input", probe)).get("logits");
        for (int i = 0; i < y.size(); i++) {
            assertEquals(trainedLogits.getDouble(i), y.getDouble(i), 1e-5 + 1e-4 * Math.abs(trainedLogits.getDouble(i)), "logit " + i);
        }
        long loraAdds = g.nodes().stream().filter(n -> n.name().endsWith("/lora_add")).count();
        assertEquals(merge ? 0 : 12, loraAdds, "adapters are kept as nodes only without merging");
    }
}
