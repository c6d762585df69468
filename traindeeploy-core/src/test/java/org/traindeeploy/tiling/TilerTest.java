package org.traindeeploy.tiling;

import org.traindeeploy.ir.TileContract;
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
        TileContract c = n.op().tileContract(List.of(x.type(), w.type()), List.of(n.output(0).type()));
        Tiler.Tiling one = Tiler.evaluate(c, new int[] {64, 128, 128}, new int[] {0, 1, 2}, 0, 8, 0);
        assertEquals(1, one.tiles());
        assertEquals((64 * 128 + 128 * 128) * 4L, one.bytesIn());
        // Everything fits; more tiles are only chosen when overlapping their DMA with compute is estimated faster.
        Target s = Target.load("siracusa");
        Target.DmaLink link = s.link("L2", "L1");
        Tiler.Tiling onePriced = Tiler.evaluate(c, new int[] {64, 128, 128}, new int[] {0, 1, 2}, Tiler.compute("Linear", 64L * 128 * 128, 0, s),
                link.bytesPerCycle(), link.setupCycles());
        assertTrue(whole.cycles() <= onePriced.cycles(), whole.cycles() + " > " + onePriced.cycles());
        Tiler.Tiling small = Tiler.tile(n, 32 * 1024, Target.load("siracusa"));
        assertTrue(small.tiles() > 1 && small.l1Bytes() <= 32 * 1024);
        assertTrue(small.bytesIn() > whole.bytesIn(), "re-reading operands costs traffic");
        CompileException e = assertThrows(CompileException.class, () -> Tiler.tile(n, 16, Target.load("siracusa")));
        assertTrue(e.getMessage().startsWith("node 'fc' (Linear) cannot be tiled into 16 bytes of L1"), e.getMessage());
    }

    @Test
    void aRowThatDoesNotFitSplitsTheReductionAndAccumulates() {
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 4, 8192));
        Value w = g.addInput("w", TensorType.of(DType.FLOAT, 8192, 64));
        g.add("fc", new Linear(false, 1), x, w);
        Tiler.Tiling t = Tiler.tile(g.nodes().get(0), 32 * 1024, Target.load("siracusa"));
        assertTrue(t.tile()[2] < 8192, "K is split: " + java.util.Arrays.toString(t.tile()));
        assertTrue(t.l1Bytes() <= 32 * 1024);
        // y (operand 2) is stored once per (M, N) block, after its last K block.
        assertEquals(t.inner(1), t.period(2));
        assertEquals(4L * 64 * 4, t.moved()[2]);
    }

    @Test
    void haloRowsAreCountedPerTileClippedToTheImage() {
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, 1, 8, 8));
        Value w = g.addInput("w", TensorType.of(DType.FLOAT, 1, 1, 3, 3));
        g.add("conv", new org.traindeeploy.ops.Conv(1, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}), x, w);
        Node n = g.nodes().get(0);
        TileContract c = n.op().tileContract(List.of(x.type(), w.type()), List.of(n.output(0).type()));
        assertEquals(List.of("N", "M", "OH"), c.dims().stream().map(TileContract.Dim::name).toList());
        Tiler.Tiling t = Tiler.evaluate(c, new int[] {1, 1, 2}, new int[] {0, 1, 2}, 0, 8, 0);
        // Output rows in blocks of 2 read input rows [-1,3) [1,5) [3,7) [5,9), clipped to [0,8): 3 + 4 + 4 + 3 rows of 8 floats.
        assertEquals(14L * 8 * 4, t.moved()[0]);
        assertEquals(9L * 4, t.moved()[1], "the weight is loaded once: its dims do not change across the tiles");
        assertEquals(8L * 8 * 4, t.moved()[2]);
        assertEquals(4, t.tiles());
        assertTrue(t.doubled(0) && !t.doubled(1) && t.doubled(2));
    }

    /** ResNet-8 / MobileNet / DS-CNN feature maps (64 channels of 32×32, batch 2): every conv node of a training step fits 64 KiB as several tiles. */
    @Test
    void edgeConvolutionsFit64KiB() {
        Target s = Target.load("siracusa");
        long l1 = 64 * 1024;
        org.traindeeploy.ops.Conv full = new org.traindeeploy.ops.Conv(1, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        org.traindeeploy.ops.Conv dw = new org.traindeeploy.ops.Conv(64, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        org.traindeeploy.ops.Conv dw2 = new org.traindeeploy.ops.Conv(64, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        for (org.traindeeploy.ops.Conv conv : List.of(full, dw, dw2)) {
            for (int[] hw : new int[][] {{32, 32}, {49, 10}}) {
                int[] ws = {64, 64 / conv.group(), 3, 3};
                Graph g = new Graph();
                Value x = g.addInput("x", TensorType.of(DType.FLOAT, 2, 64, hw[0], hw[1]));
                Value w = g.addInput("w", TensorType.of(DType.FLOAT, ws));
                Value y = g.add("fwd", conv, x, w);
                g.add("dx", new org.traindeeploy.ops.ConvGradInput(conv, x.type().shape()), y, w);
                g.add("dw", new org.traindeeploy.ops.ConvGradWeight(conv, ws), y, x);
                for (Node n : g.nodes()) {
                    Tiler.Tiling t = Tiler.tile(n, l1, s);
                    String what = n.name() + " group " + conv.group() + " " + java.util.Arrays.toString(hw) + ": " + java.util.Arrays.toString(t.tile());
                    assertTrue(t.contract().dims().size() >= 3 && t.tiles() > 1 && t.l1Bytes() <= l1, what);
                    // Every element of every operand is moved at least once.
                    long in = 0;
                    for (Value v : n.inputs()) in += v.type().bytes();
                    assertTrue(t.bytesIn() >= in && t.bytesOut() >= n.output(0).type().bytes(), what);
                }
            }
        }
    }

    @Test
    void theWeightGradientAccumulatesOverImagesAndRows() {
        org.traindeeploy.ops.Conv conv = new org.traindeeploy.ops.Conv(1, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        Graph g = new Graph();
        Value dy = g.addInput("dy", TensorType.of(DType.FLOAT, 2, 8, 16, 16));
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 2, 4, 16, 16));
        g.add("dw", new org.traindeeploy.ops.ConvGradWeight(conv, new int[] {8, 4, 3, 3}), dy, x);
        Node n = g.nodes().get(0);
        TileContract c = n.op().tileContract(List.of(dy.type(), x.type()), List.of(n.output(0).type()));
        assertEquals(List.of("M", "C", "N", "OH"), c.dims().stream().map(TileContract.Dim::name).toList());
        // M, C whole; one image and 4 output rows per tile: 2 × 4 tiles, dW stored once after the last.
        Tiler.Tiling t = Tiler.evaluate(c, new int[] {8, 4, 1, 4}, new int[] {0, 1, 2}, 0, 8, 0);
        assertEquals(8, t.tiles());
        assertEquals(8, t.period(2));
        assertEquals(8L * 4 * 9 * 4, t.moved()[2]);
        assertEquals(2L * 8 * 16 * 16 * 4, t.moved()[0]);
        // X's rows with the halo, clipped: per image 5 + 6 + 6 + 5 rows of 16 floats, 4 channels.
        assertEquals(2L * 4 * 22 * 16 * 4, t.moved()[1]);
    }

    @Test
    void aBoxNeedingMoreThanOne2dCopyIsNotATiling() {
        TileContract.Operand o = TileContract.Operand.of("y", TileContract.Role.OUT, 0, 4, TileContract.Axis.tiled(4, 0), TileContract.Axis.tiled(6, 1),
                TileContract.Axis.whole(5));
        List<TileContract.Dim> dims = List.of(new TileContract.Dim("a", 4), new TileContract.Dim("b", 6));
        TileContract.Operand cut = TileContract.Operand.of("x", TileContract.Role.IN, 0, 4, TileContract.Axis.tiled(4, 0), TileContract.Axis.fixed(6, 1, 2),
                TileContract.Axis.tiled(6, 1));
        assertEquals(null, cut.layout(new int[] {2, 3}, dims), "rows of a, a fixed cut, rows of b: three strided levels");
        TileContract.Layout rows = o.layout(new int[] {2, 3}, dims);
        assertEquals(0, rows.rows()[0], "2 rows of a, each a run of 3 × 5 elements");
        TileContract.Layout one = o.layout(new int[] {1, 3}, dims);
        assertEquals(null, one.rows(), "one index of a: a contiguous run of b's rows × 5");
        TileContract.Layout whole = o.layout(new int[] {2, 6}, dims);
        assertEquals(null, whole.rows(), "b and the last axis whole: 2 rows of a are one contiguous range");
        assertEquals(0, whole.run()[0]);
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
