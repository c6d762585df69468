package org.traindeeploy.tiling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Linear;
import org.traindeeploy.report.StepReport;
import org.traindeeploy.target.Target;
import org.traindeeploy.testing.T;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/** Tiles fit their L1 budget and move at least every byte once, for every node of every conformance strategy. */
class TilerTest {
    static Stream<Arguments> strategiesAndBudgets() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(T.root().resolve("tests/conformance"))) {
            for (Path c : s.filter(p -> Files.exists(p.resolve("manifest.json"))).sorted().toList()) {
                Manifest m = Manifest.read(c);
                for (String name : m.strategies().keySet()) {
                    for (long l1 : new long[] {256 * 1024, 64 * 1024}) out.add(Arguments.of(c.getFileName() + "/" + name + " L1=" + l1, m, name, l1));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategiesAndBudgets")
    void everyNodeTilesIntoL1(String label, Manifest m, String strategy, long l1) {
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get(strategy)), (x, y) -> { });
        Target t = Target.load("siracusa").withLevelSize("L1", l1);
        for (Node n : p.graph().nodes()) {
            Tiler.Tiling tl = Tiler.tile(n, l1, t);
            assertTrue(tl.l1Bytes() <= l1, n + " uses " + tl.l1Bytes());
            long inBytes = 0;
            for (Value v : n.inputs()) if (v != null) inBytes += v.type().bytes();
            long outBytes = n.outputs().stream().mapToLong(v -> v.type().bytes()).sum();
            if (!(n.op() instanceof org.traindeeploy.ops.Reshape)) {
                assertTrue(tl.bytesOut() >= outBytes, n + ": stores " + tl.bytesOut() + " < " + outBytes);
                assertTrue(inBytes == 0 || tl.bytesIn() > 0, n + ": loads nothing");
            }
            assertTrue(tl.tiles() >= 1 && tl.cycles() > 0);
        }
    }

    @Test
    void linearSplitsRowsAndColumnsWhenTheWeightDoesNotFit() {
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 64, 128));
        Value w = g.addInput("w", TensorType.of(DType.FLOAT, 128, 128));
        g.add("fc", new Linear(false, 1), x, w);
        Node n = g.nodes().get(0);
        Tiler.Tiling whole = Tiler.tile(n, 1 << 20, Target.load("siracusa"));
        assertEquals(1, whole.tiles(), "everything fits: one tile");
        assertEquals((64 * 128 + 128 * 128) * 4L, whole.bytesIn());
        Tiler.Tiling small = Tiler.tile(n, 32 * 1024, Target.load("siracusa"));
        assertTrue(small.tiles() > 1 && small.l1Bytes() <= 32 * 1024);
        assertTrue(small.bytesIn() > whole.bytesIn(), "re-reading operands costs traffic");
        CompileException e = assertThrows(CompileException.class, () -> Tiler.tile(n, 16, Target.load("siracusa")));
        assertTrue(e.getMessage().startsWith("node 'fc' (Linear) cannot be tiled into 16 bytes of L1"), e.getMessage());
    }

    @Test
    void loraAgainstFullFineTuningSideBySide() {
        Manifest m = Manifest.read(T.root().resolve("tests/conformance/cct2"));
        StepReport ft2 = StepReport.of(TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("FT2")), (x, y) -> { }), Target.load("siracusa"));
        StepReport lora2 = StepReport.of(TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("LoRA2")), (x, y) -> { }), Target.load("siracusa"));
        assertEquals(198_027, ft2.trainableElements());
        assertEquals(13_707, lora2.trainableElements());
        assertTrue(lora2.macs().get("backward") < ft2.macs().get("backward"), "LoRA skips the dW products of the base weights");
        assertTrue(ft2.memory().dynamicPeak() >= ft2.memory().dynamicLowerBound());
        assertTrue(ft2.memory().l1Peak() <= 256 * 1024 && lora2.memory().l1Peak() <= 256 * 1024);
    }
}
