package org.traindeeploy.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.traindeeploy.testing.T.f;
import static org.traindeeploy.testing.T.s;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.LoraLinear;
import org.traindeeploy.ops.Mul;
import org.traindeeploy.ir.Op;
import org.traindeeploy.ops.ReduceSum;
import org.traindeeploy.testing.T;

/** Strategies, LoRA, autodiff structure, accumulation and the errors of the training passes. */
class TrainingTest {
    static final Path CCT2 = T.root().resolve("models/cct2/model.onnx");
    static final Path MLP = T.root().resolve("tests/conformance/mlp/model.onnx");

    static TrainingConfig cfg(String train, List<String> lora, int rank, double alpha) {
        LoraSpec l = lora == null ? null : new LoraSpec(lora, rank, alpha, 7, null);
        return new TrainingConfig(TrainSpec.parse(train), l, LossKind.CROSS_ENTROPY, OptimizerSpec.sgd(0.01, 0, 0), 1, null, null);
    }

    static Stream<Arguments> paperStrategies() {
        return Stream.of(
                Arguments.of("LP", cfg("last", null, 0, 0), 1_290L),
                Arguments.of("FT1", cfg("/blocks.1/*MatMul,/attention_pool/*,/fc/*", null, 0, 0), 99_723L),
                Arguments.of("FT2", cfg("/blocks.*/*MatMul,/attention_pool/*,/fc/*", null, 0, 0), 198_027L),
                Arguments.of("LoRA1", cfg("/attention_pool/*,/fc/*", List.of("/blocks.1/*MatMul"), 4, 4), 7_563L),
                Arguments.of("LoRA2", cfg("/attention_pool/*,/fc/*", List.of("/blocks.*/*MatMul"), 4, 4), 13_707L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paperStrategies")
    void paperStrategiesTrainThePaperElementCounts(String name, TrainingConfig c, long expected) {
        TrainingProgram p = TrainingPipeline.compile(CCT2, c, (x, y) -> { });
        assertEquals(expected, p.trainableElements());
    }

    @Test
    void lastLayerTrainingBuildsNoBackwardWorkBeyondTheLastLayer() {
        TrainingProgram p = TrainingPipeline.compile(CCT2, cfg("last", null, 0, 0), (x, y) -> { });
        List<String> ops = p.graph().nodes().stream().map(n -> n.op().opType()).toList();
        assertEquals(3, p.backwardNodes(), String.valueOf(ops));
        assertFalse(ops.contains("ConvGradInput") || ops.contains("LayerNormGrad") || ops.contains("SoftmaxGrad"), String.valueOf(ops));
    }

    @Test
    void inputGradientsStopAtTheFirstTrainableLayer() {
        TrainingProgram p = TrainingPipeline.compile(CCT2, cfg("all", null, 0, 0), (x, y) -> { });
        long convInputGrads = p.graph().nodes().stream().filter(n -> n.op().opType().equals("ConvGradInput")).count();
        assertEquals(1, convInputGrads, "only conv2 needs dX (towards conv1's weight); conv1's dX is never built");
    }

    @Test
    void loraFollowsPeftConvention() {
        TrainingProgram p = TrainingPipeline.compile(CCT2, cfg("/fc/*", List.of("/blocks.0/q_proj/MatMul"), 2, 8), (x, y) -> { });
        assertEquals(1, p.adapters().size());
        LoraInjection.Adapter a = p.adapters().get(0);
        assertEquals("onnx::MatMul_235", a.weight());
        assertEquals(TensorType.of(DType.FLOAT, 2, 128), a.a().type());
        assertEquals(TensorType.of(DType.FLOAT, 128, 2), a.b().type());
        for (double v : a.b().data().reals()) assertEquals(0, v);
        double bound = 1 / Math.sqrt(128);
        double max = 0;
        for (double v : a.a().data().reals()) max = Math.max(max, Math.abs(v));
        assertTrue(max <= bound && max > bound * 0.9, "Kaiming-uniform A within ±1/sqrt(fan_in): " + max);
        // fuse-lora folds the base, A and B products into one node under the base's name; B's product keeps its scale
        Node scaled = p.graph().node("/blocks.0/q_proj/MatMul");
        assertEquals(new LoraLinear(false, 1.0, 4.0), scaled.op(), "alpha/r scaling");
        assertTrue(p.trainables().stream().anyMatch(t -> t.key().equals("/blocks.0/q_proj/MatMul.lora_A")));
        assertFalse(p.graph().value("onnx::MatMul_235").kind() == Value.Kind.STATE, "the base weight stays frozen");
    }

    @Test
    void loraOnTheLastLayerKeepsTheOutputTheLossReads() {
        TrainingProgram p = TrainingPipeline.compile(CCT2, cfg("", List.of("/fc/*"), 2, 2), (x, y) -> { });
        assertEquals(List.of("/fc/Gemm.lora_A", "/fc/Gemm.lora_B"), p.trainables().stream().map(TrainingProgram.Trainable::key).toList());
        assertEquals(p.graph().output("logits"), p.logits());
        assertEquals(p.logits(), p.graph().node("loss").input(0), "the loss reads the adapted output");
    }

    @Test
    void sameSeedSameAdapters() {
        var c = cfg("/fc/*", List.of("/blocks.0/q_proj/MatMul"), 2, 8);
        double[] a1 = TrainingPipeline.compile(CCT2, c, (x, y) -> { }).adapters().get(0).a().data().reals();
        double[] a2 = TrainingPipeline.compile(CCT2, c, (x, y) -> { }).adapters().get(0).a().data().reals();
        org.junit.jupiter.api.Assertions.assertArrayEquals(a1, a2);
    }

    @Test
    void badStrategiesAreClearErrors() {
        assertEquals(CCT2 + ": --train pattern '/nothing/*' matches no initializer and no node with weights",
                msg(() -> TrainingPipeline.compile(CCT2, cfg("/nothing/*", null, 0, 0), (x, y) -> { })));
        assertTrue(msg(() -> TrainingPipeline.compile(CCT2, cfg("/fc/*", List.of("/blocks.0/MatMul"), 4, 4), (x, y) -> { }))
                .endsWith("--lora pattern '/blocks.0/MatMul' matches 1 node(s), none of them a MatMul/Gemm with a constant weight"));
        assertTrue(msg(() -> TrainingPipeline.compile(CCT2, cfg("/fc/*", List.of("/attention_pool/MatMul"), 4, 4), (x, y) -> { }))
                .contains("--lora-rank 4 is larger than the weight of node '/attention_pool/MatMul' allows (float[128,1])"));
        assertThrows(CompileException.class, () -> new LoraSpec(List.of("x"), 0, 1, 0, null));
    }

    static String msg(Runnable r) { return assertThrows(CompileException.class, r::run).getMessage(); }

    @Test
    void opWithoutGradientRuleOnThePathIsNamed() {
        Graph g = new Graph();
        Value w = g.addState("w", f(s(2), 1, 2));
        Op opaque = new Op() {
            @Override public List<TensorType> inferTypes(List<Value> in) { return List.of(in.get(0).type()); }

            @Override public List<Tensor> evaluate(List<Tensor> in) { return List.of(in.get(0)); }

            @Override public String opType() { return "Opaque"; }
        };
        Value y = g.add("/odd", opaque, w);
        Value loss = g.add("sum", new ReduceSum(new int[0], false), y);
        CompileException e = assertThrows(CompileException.class, () -> Autodiff.differentiate(g, loss, List.of(w)));
        assertEquals("node '/odd' (Opaque): op Opaque has no gradient rule; it lies between a trainable tensor and the loss", e.getMessage());
    }

    @Test
    void gradientsOfATensorReadTwiceAreSummed() {
        Graph g = new Graph();
        Value w = g.addState("w", f(s(2), 3, -2));
        Value loss = g.add("sum", new ReduceSum(new int[0], false), g.add("sq", new Mul(), w, w));
        Map<Value, Value> d = Autodiff.differentiate(g, loss, List.of(w));
        g.addOutput(loss);
        Interpreter in = new Interpreter(g);
        in.run(Map.of());
        T.assertTensor(in.lastValue(d.get(w)), s(2), 6, -4);
    }

    @Test
    void accumulationSumsMicroBatchGradientsBeforeOneUpdate() {
        TrainingConfig one = new TrainingConfig(TrainSpec.parse("all"), null, LossKind.CROSS_ENTROPY, OptimizerSpec.sgd(0.1, 0, 0), 1, null, null);
        TrainingConfig two = new TrainingConfig(TrainSpec.parse("all"), null, LossKind.CROSS_ENTROPY, OptimizerSpec.sgd(0.1, 0, 0), 2, null, null);
        TrainingProgram p1 = TrainingPipeline.compile(MLP, one, (x, y) -> { });
        TrainingProgram p2 = TrainingPipeline.compile(MLP, two, (x, y) -> { });
        Tensor[] xs = {T.random(DType.FLOAT, 1, p1.input().type().shape()), T.random(DType.FLOAT, 2, p1.input().type().shape())};
        Tensor[] ys = {Tensor.ofInt(DType.INT64, s(2), new long[] {1, 3}), Tensor.ofInt(DType.INT64, s(2), new long[] {0, 9})};
        // Gradients of each micro-batch at the initial weights, from the K=1 program.
        Interpreter r1 = new Interpreter(p1.graph());
        TrainingProgram.Trainable t1 = p1.trainables().get(0);
        r1.run(Map.of(p1.input().name(), xs[0], p1.labels().name(), ys[0]));
        double[] g0 = r1.lastValue(t1.grad()).reals().clone();
        Interpreter r1b = new Interpreter(p1.graph());
        r1b.run(Map.of(p1.input().name(), xs[1], p1.labels().name(), ys[1]));
        double[] g1 = r1b.lastValue(t1.grad()).reals();
        Interpreter r2 = new Interpreter(p2.graph());
        TrainingProgram.Trainable t2 = p2.trainables().get(0);
        double[] w0 = t2.state().data().reals();
        r2.run(Map.of(p2.input().name(), xs[0], p2.labels().name(), ys[0]));
        org.junit.jupiter.api.Assertions.assertArrayEquals(w0, r2.state(t2.state()).reals(), "no update after the first micro-batch");
        r2.run(Map.of(p2.input().name(), xs[1], p2.labels().name(), ys[1]));
        double[] w2 = r2.state(t2.state()).reals();
        for (int i = 0; i < w0.length; i++) assertEquals(w0[i] - 0.1 * (g0[i] + g1[i]), w2[i], 1e-6, "element " + i);
    }

    @Test
    void sgdMomentumFollowsPyTorch() {
        TrainingConfig c = new TrainingConfig(TrainSpec.parse("last"), null, LossKind.MSE, OptimizerSpec.sgd(0.1, 0.9, 0.01), 1, null, null);
        TrainingProgram p = TrainingPipeline.compile(MLP, c, (x, y) -> { });
        Interpreter in = new Interpreter(p.graph());
        TrainingProgram.Trainable t = p.trainables().get(0);
        double[] w = t.state().data().reals().clone();
        double[] buf = new double[w.length];
        for (int step = 0; step < 3; step++) {
            in.run(Map.of(p.input().name(), T.random(DType.FLOAT, step, p.input().type().shape()), p.labels().name(), Tensor.ofInt(DType.INT64, s(2), new long[] {step, 2})));
            double[] gr = in.lastValue(t.grad()).reals();
            for (int i = 0; i < w.length; i++) {
                double d = gr[i] + 0.01 * w[i];
                buf[i] = step == 0 ? d : 0.9 * buf[i] + d;
                w[i] -= 0.1 * buf[i];
            }
            double[] actual = in.state(t.state()).reals();
            for (int i = 0; i < w.length; i++) assertEquals(w[i], actual[i], 1e-6);
        }
    }

    @Test
    void trainSpecParsing() {
        assertEquals(TrainSpec.Kind.ALL, TrainSpec.parse("all").kind());
        assertEquals(List.of("/a/*", "b"), TrainSpec.parse("/a/* , b").patterns());
        assertTrue(new Glob("/blocks.*/*MatMul").matches("/blocks.0/attn/qkv/MatMul"));
        assertFalse(new Glob("/blocks.*/*MatMul").matches("/blocks.0/attn/qkv/MatMul_1"));
        assertTrue(new Glob("a.b").matches("a.b"));
        assertFalse(new Glob("a.b").matches("axb"), "dots are literal");
        assertEquals(Set.of(), TrainSpec.parse("").resolve(org.traindeeploy.onnx.OnnxModel.of(org.traindeeploy.onnx.proto.OnnxProto.ModelProto.getDefaultInstance(), java.nio.file.Path.of("m.onnx")), () -> null));
    }

    @Test
    void trainingModeBatchNormUpdatesRunningStatisticsAsPyTorchAndDoesNotTrainThem() {
        java.nio.file.Path dir = T.root().resolve("tests/conformance/bntrain");
        org.traindeeploy.conformance.Manifest m = org.traindeeploy.conformance.Manifest.read(dir);
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("full")), (a, b) -> { });
        // Only the listed tensors train; the running statistics are carried state.
        assertEquals(m.strategies().get("full").trainable().keySet(), new java.util.HashSet<>(p.trainables().stream().map(TrainingProgram.Trainable::key).toList()));
        org.traindeeploy.ir.Node bn = p.graph().nodes().stream().filter(n -> n.op() instanceof org.traindeeploy.ops.BatchNormalization).findFirst().orElseThrow();
        Value rm = bn.input(3);
        Value rv = bn.input(4);
        assertEquals(Value.Kind.STATE, rm.kind());
        Interpreter in = new Interpreter(p.graph());
        Tensor x = org.traindeeploy.onnx.TensorIo.readFile(dir.resolve("data/input_0.pb"));
        Tensor y = org.traindeeploy.onnx.TensorIo.readFile(dir.resolve("data/label_0.pb"));
        Tensor rm0 = rm.data();
        Tensor rv0 = rv.data();
        in.run(Map.of(p.input().name(), x, p.labels().name(), y));
        Tensor act = in.lastValue(bn.input(0));
        int[] s = act.shape();
        int inner = s[2] * s[3];
        double count = (double) s[0] * inner;
        double momentum = ((org.traindeeploy.ops.BatchNormalization) bn.op()).momentum();
        for (int c = 0; c < s[1]; c++) {
            double sum = 0;
            double sq = 0;
            for (int b = 0; b < s[0]; b++) for (int i = 0; i < inner; i++) sum += act.getDouble((b * s[1] + c) * inner + i);
            double mean = sum / count;
            for (int b = 0; b < s[0]; b++) for (int i = 0; i < inner; i++) sq += Math.pow(act.getDouble((b * s[1] + c) * inner + i) - mean, 2);
            double unbiased = sq / (count - 1);
            // torch: running = (1 - 0.1) * running + 0.1 * batch statistic, the variance unbiased.
            assertEquals(momentum * rm0.getDouble(c) + (1 - momentum) * mean, in.state(rm).getDouble(c), 1e-6);
            assertEquals(momentum * rv0.getDouble(c) + (1 - momentum) * unbiased, in.state(rv).getDouble(c), 1e-5);
        }
    }
}
