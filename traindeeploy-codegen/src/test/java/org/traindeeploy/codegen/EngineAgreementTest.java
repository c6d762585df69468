package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.traindeeploy.conformance.Comparison;
import org.traindeeploy.conformance.Engine;
import org.traindeeploy.conformance.ReferenceEngine;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.train.LoraSpec;
import org.traindeeploy.train.LossKind;
import org.traindeeploy.train.OptimizerSpec;
import org.traindeeploy.train.TrainSpec;
import org.traindeeploy.train.TrainingConfig;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/**
 * Settings the conformance cases do not cover (accumulation, momentum with weight decay, Nesterov,
 * Adam with weight decay, MSE, LoRA everywhere): the generated C (sanitized) and the reference
 * interpreter agree step for step on losses and trained tensors.
 */
class EngineAgreementTest {
    static final Path ROOT = Path.of(System.getProperty("traindeeploy.root", "."));

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("mlp", "accumulate 2, momentum, weight decay",
                        new TrainingConfig(TrainSpec.parse("all"), null, LossKind.CROSS_ENTROPY, OptimizerSpec.sgd(0.1, 0.9, 0.01), 2, null, null)),
                Arguments.of("mlp", "nesterov, mse",
                        new TrainingConfig(TrainSpec.parse("all"), null, LossKind.MSE, new OptimizerSpec(OptimizerSpec.Type.SGD, 0.1, 0.8, 0, true, 0.9, 0.999, 1e-8), 1, null, null)),
                Arguments.of("cnn", "adam with weight decay, accumulate 3",
                        new TrainingConfig(TrainSpec.parse("all"), null, LossKind.CROSS_ENTROPY, OptimizerSpec.adam(0.01, 0.8, 0.99, 1e-6, 0.05), 3, null, null)),
                Arguments.of("cct", "LoRA on every MatMul/Gemm, rank 2",
                        new TrainingConfig(TrainSpec.parse("pool.bias"), new LoraSpec(List.of("*"), 1, 2, 5, null), LossKind.CROSS_ENTROPY, OptimizerSpec.sgd(0.05, 0.5, 0), 1, null, null)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("configs")
    void generatedCMatchesTheReference(String model, String label, TrainingConfig cfg) {
        Path onnx = ROOT.resolve("tests/conformance/" + model + "/model.onnx");
        TrainingProgram p = TrainingPipeline.compile(onnx, cfg, (x, y) -> { });
        List<Tensor> xs = new ArrayList<>();
        List<Tensor> ys = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(7);
        TensorType in = p.input().type();
        int classes = p.logits().type().dim(1);
        for (int k = 0; k < 6; k++) {
            double[] v = new double[in.size()];
            for (int i = 0; i < v.length; i++) v[i] = r.nextDouble() * 2 - 1;
            xs.add(Tensor.ofReal(DType.FLOAT, in.shape(), v).roundToType());
            long[] l = new long[p.labels().type().size()];
            for (int i = 0; i < l.length; i++) l[i] = r.nextInt(classes);
            ys.add(Tensor.ofInt(DType.INT64, p.labels().type().shape(), l));
        }
        List<Engine.StepResult> ref = new ReferenceEngine().train(TrainingPipeline.compile(onnx, cfg, (x, y) -> { }), xs, ys);
        List<Engine.StepResult> c = new CEngine(CEngine.Options.sanitized(3)).train(p, xs, ys);
        assertEquals(ref.size(), c.size());
        for (int k = 0; k < ref.size(); k++) {
            Comparison loss = new Comparison();
            loss.add(c.get(k).loss(), ref.get(k).loss());
            assertTrue(loss.passed(), label + ": loss of step " + k + ": " + c.get(k).loss() + " vs " + ref.get(k).loss());
            for (String key : ref.get(k).params().keySet()) {
                Comparison cmp = new Comparison();
                cmp.add(c.get(k).params().get(key), ref.get(k).params().get(key));
                assertTrue(cmp.passed(), label + ": '" + key + "' after step " + k + ": worst error " + cmp.worstAbs() + " (" + cmp.problem() + ")");
            }
        }
    }
}
