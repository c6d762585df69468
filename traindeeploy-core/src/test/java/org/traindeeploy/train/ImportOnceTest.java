package org.traindeeploy.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.traindeeploy.testing.T.f;
import static org.traindeeploy.testing.T.s;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Printer;
import org.traindeeploy.ir.Value;
import org.traindeeploy.onnx.CandidateImport;
import org.traindeeploy.onnx.OnnxImporter;
import org.traindeeploy.onnx.OnnxModel;
import org.traindeeploy.onnx.OnnxReader;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.testing.OnnxBuilder;
import org.traindeeploy.testing.T;

/**
 * The model is imported once per pipeline build: the selection is resolved on a candidate import and
 * the freeze pass gives, for any trainable set, the graph a direct import with that set gives (names,
 * ids, order, folding, compile-time reads) — shared read-only by strategies compiled in parallel.
 */
class ImportOnceTest {
    static final Path CCT2 = TrainingTest.CCT2;

    static TrainingConfig cfg(String train, List<String> lora) { return TrainingTest.cfg(train, lora, lora == null ? 0 : 4, 4); }

    static Stream<TrainingConfig> strategies() {
        return Stream.of(cfg("last", null), cfg("all", null), cfg("/blocks.1/*MatMul,/attention_pool/*,/fc/*", null),
                cfg("/attention_pool/*,/fc/*", List.of("/blocks.*/*MatMul")), cfg("", List.of("/fc/*")),
                new TrainingConfig(TrainSpec.names(List.of("fc.weight", "fc.bias")), null, LossKind.CROSS_ENTROPY,
                        OptimizerSpec.sgd(0.01, 0, 0), 1, null, null));
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void oneImportPerPipelineBuild(TrainingConfig c) {
        long before = OnnxImporter.importCount();
        TrainingProgram p = TrainingPipeline.compile(CCT2, c, (x, y) -> { });
        assertEquals(1, OnnxImporter.importCount() - before, c.train() + " imported more than once");
        assertTrue(p.trainableElements() > 0);
    }

    /** Everything of a graph a later pass or the C could see: printed IR with values, names, kinds, ids, order, marks. */
    static String fingerprint(Graph g) {
        StringBuilder sb = new StringBuilder(Printer.print(g, true));
        for (Value v : g.values()) {
            sb.append(v.id()).append(' ').append(v.name()).append(' ').append(v.kind()).append(' ').append(v.type())
                    .append(g.isInitializer(v) ? " init" : "");
            if (v.data() != null) sb.append(' ').append(java.util.Arrays.hashCode(v.data().isReal() ? v.data().reals() : null))
                    .append(v.data().isReal() ? "" : java.util.Arrays.toString(v.data().ints()));
            sb.append('\n');
        }
        for (Node n : g.nodes()) sb.append(n.id()).append(' ').append(n.name()).append('\n');
        sb.append(new TreeSet<>(g.readAtCompileTime())).append(' ').append(g.nodeIdBound()).append(' ').append(g.valueIdBound()).append('\n');
        sb.append(g.uniqueName("Mul")).append(' ').append(g.uniqueName("Add")).append(' ').append(g.uniqueName("x")).append('\n');
        return sb.toString();
    }

    /** The freeze pass gives, for every selection, exactly the graph of a direct import with that selection. */
    @Test
    void freezeEqualsDirectImport() throws Exception {
        List<Path> models = new ArrayList<>(List.of(CCT2));
        try (Stream<Path> cases = Files.list(T.root().resolve("tests/conformance"))) {
            cases.filter(d -> Files.isRegularFile(d.resolve("model.onnx"))).sorted().forEach(d -> models.add(d.resolve("model.onnx")));
        }
        assertTrue(models.size() > 5);
        for (Path file : models) {
            OnnxModel m = OnnxModel.read(file);
            ModelProto proto = OnnxReader.read(file);
            CandidateImport ci = OnnxImporter.importCandidates(proto, file, null);
            List<String> floats = new ArrayList<>(m.floatInitializers());
            floats.removeAll(m.batchNormStatistics());
            floats.removeAll(ci.readAtCompileTime());
            List<Set<String>> selections = new ArrayList<>();
            selections.add(Set.of());
            selections.add(new LinkedHashSet<>(floats));
            selections.add(new LinkedHashSet<>(floats.subList(floats.size() / 2, floats.size())));
            Set<String> everyOther = new LinkedHashSet<>();
            for (int i = 0; i < floats.size(); i += 2) everyOther.add(floats.get(i));
            selections.add(everyOther);
            for (Set<String> sel : selections) {
                Graph direct = OnnxImporter.importModel(proto, file, new OnnxImporter.Options(null, sel)).graph();
                assertEquals(fingerprint(direct), fingerprint(ci.freeze(sel)), file + " with " + sel.size() + " trained");
            }
            // A fresh graph per freeze: freezing again is unaffected by what was done to an earlier one.
            Graph first = ci.freeze(Set.of());
            first.removeDeadCode();
            first.addInput("extra", first.inputs().get(0).type());
            assertEquals(fingerprint(OnnxImporter.importModel(proto, file, new OnnxImporter.Options(null)).graph()), fingerprint(ci.freeze(Set.of())));
        }
    }

    /** Strategies compiled in parallel from one model share its one import, and get what separate compiles get. */
    @Test
    void strategiesShareOneImportInParallel() throws Exception {
        List<TrainingConfig> cs = strategies().toList();
        List<String> separate = new ArrayList<>();
        for (TrainingConfig c : cs) separate.add(fingerprint(TrainingPipeline.compile(CCT2, c, (x, y) -> { }).graph()));
        OnnxModel m = OnnxModel.read(CCT2);
        long before = OnnxImporter.importCount();
        ExecutorService pool = Executors.newFixedThreadPool(3, r -> new Thread(null, r, "t", 16L << 20));
        try {
            List<Future<Graph>> fs = new ArrayList<>();
            for (TrainingConfig c : cs) fs.add(pool.submit(() -> TrainingPipeline.compile(m, c, (x, y) -> { }).graph()));
            for (int i = 0; i < cs.size(); i++) assertEquals(separate.get(i), fingerprint(fs.get(i).get()), cs.get(i).train().toString());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, OnnxImporter.importCount() - before);
        // The forward graph of the same model (check's forward comparison) needs no import either.
        before = OnnxImporter.importCount();
        assertEquals(fingerprint(TrainingPipeline.inference(CCT2, null, (x, y) -> { })), fingerprint(TrainingPipeline.inference(m, null, (x, y) -> { })));
        assertEquals(1, OnnxImporter.importCount() - before, "only the direct import of inference(Path)");
    }

    static ModelProto clipModel() {
        // Clip bounds: lo an initializer, hi computed from one (Neg of an initializer): both read at compile time.
        return new OnnxBuilder().opset(13).input("x", 2, 3).output("y")
                .init("w", f(s(3, 3), 1, 0, 0, 0, 1, 0, 0, 0, 1)).init("lo", f(s(), 0)).init("neghi", f(s(), -6))
                .node("MatMul", "mm", List.of("x", "w"), List.of("h"))
                .node("Neg", "neg", List.of("neghi"), List.of("hi"))
                .node("Clip", "relu6", List.of("h", "lo", "hi"), List.of("y")).build();
    }

    @Test
    void compileTimeReadsStayFrozen() {
        CandidateImport ci = OnnxImporter.importCandidates(clipModel(), null, null);
        assertEquals(Set.of("lo", "neghi"), ci.readAtCompileTime());
        assertEquals(List.of("w", "lo", "neghi"), ci.undecided());
        Graph g = ci.freeze(Set.of("w"));
        assertTrue(Printer.print(g).contains("Clip[min=0, max=6]"), Printer.print(g));
        assertEquals(Value.Kind.STATE, g.value("w").kind());
        // Selected anyway (by name): the error a direct import gives, naming the node.
        String direct = assertThrows(CompileException.class,
                () -> OnnxImporter.importModel(clipModel(), null, new OnnxImporter.Options(null, Set.of("lo")))).getMessage();
        String frozen = assertThrows(CompileException.class, () -> ci.freeze(Set.of("lo"))).getMessage();
        assertEquals(direct, frozen);
        assertTrue(frozen.startsWith("node 'relu6' (Clip): Clip min ('lo') must be known at compile time, but it is selected for training"), frozen);
        String derived = assertThrows(CompileException.class, () -> ci.freeze(Set.of("neghi"))).getMessage();
        assertEquals(assertThrows(CompileException.class,
                () -> OnnxImporter.importModel(clipModel(), null, new OnnxImporter.Options(null, Set.of("neghi")))).getMessage(), derived);
        assertTrue(derived.contains("Clip max ('hi') must be known at compile time"), derived);
    }

    @Test
    void runningStatisticsCannotBeTrained() {
        ModelProto bn = new OnnxBuilder().opset(15).input("x", 2, 2).output("y").output("rm").output("rv")
                .init("sc", f(s(2), 1, 1)).init("b", f(s(2), 0, 0)).init("m", f(s(2), 0, 0)).init("v", f(s(2), 1, 1))
                .node("BatchNormalization", "bn", List.of("x", "sc", "b", "m", "v"), List.of("y", "rm", "rv"), "training_mode", 1L).build();
        CandidateImport ci = OnnxImporter.importCandidates(bn, null, null);
        assertEquals(fingerprint(OnnxImporter.importModel(bn, null, new OnnxImporter.Options(null, Set.of("sc", "b"))).graph()), fingerprint(ci.freeze(Set.of("sc", "b"))));
        String direct = assertThrows(CompileException.class, () -> OnnxImporter.importModel(bn, null, new OnnxImporter.Options(null, Set.of("m")))).getMessage();
        assertEquals(direct, assertThrows(CompileException.class, () -> ci.freeze(Set.of("m"))).getMessage());
        assertTrue(direct.contains("the running statistic 'm' of a training-mode BatchNormalization cannot be trained"), direct);
        assertFalse(ci.readAtCompileTime().contains("m"));
    }
}
