package org.traindeeploy.passes;

import org.traindeeploy.ir.TileContract;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Printer;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Linear;
import org.traindeeploy.ops.LoraLinear;
import org.traindeeploy.testing.T;
import org.traindeeploy.ir.TileContract;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/** fuse-lora: the fused op's values equal the three Linears', where the pass fires and where it must not. */
class FuseLoraTest {
    /** y' = Linear(x, W, b) + s·Linear(Linear(x, A), B) as lora and fuse-residual leave it; outputs y' and t. */
    private static Graph adapter(int rows, int k, int n, int r, boolean transW, double alpha, double scale, boolean bias) {
        Graph g = new Graph();
        g.setFoldConstants(false);
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, rows, k));
        Value w = g.addState("w", T.random(DType.FLOAT, 3, transW ? new int[] {n, k} : new int[] {k, n}));
        Value b = bias ? g.addState("b", T.random(DType.FLOAT, 4, n)) : null;
        Value a = g.addState("a", T.random(DType.FLOAT, 5, r, k));
        Value lb = g.addState("lb", T.random(DType.FLOAT, 6, n, r));
        Value y = g.add("/fc", new Linear(transW, alpha), x, w, b);
        Value t = g.add("/fc/lora_A", new Linear(true, 1.0), x, a);
        Value u = g.add("/fc/lora_add", new Linear(true, scale), t, lb, null, y);
        g.addOutput(u);
        g.addOutput(t);
        return g;
    }

    private static String run(Pass p, Graph g) {
        new PassManager().add(p).run(g);
        return Printer.print(g);
    }

    @Test
    void fusedNodeComputesExactlyTheThreeLinears() {
        for (boolean transW : new boolean[] {false, true}) {
            Graph g = adapter(5, 6, 7, 3, transW, 0.5, 2.0, !transW);
            Map<String, Tensor> in = Map.of("x", T.random(DType.FLOAT, 9, 1, 5, 6));
            Map<String, Tensor> before = new Interpreter(g).run(in);
            String ir = run(new FuseLora(), g);
            assertEquals(1, g.nodes().size(), ir);
            Node f = g.nodes().get(0);
            assertEquals(new LoraLinear(transW, 0.5, 2.0), f.op());
            assertEquals("/fc", f.name());
            assertTrue(ir.contains("%/fc/lora_add: float[1,5,7], %/fc/lora_A: float[1,5,3] = LoraLinear[transW=" + transW + ", alpha=0.5, scale=2]"), ir);
            Map<String, Tensor> after = new Interpreter(g).run(in);
            for (String o : List.of("/fc/lora_add", "/fc/lora_A")) {
                T.assertTensor(after.get(o), before.get(o).shape(), before.get(o).reals());
            }
            // and against a direct sum: y' = 0.5·x·op(W) + b + 2·(x·Aᵀ)·Bᵀ
            double[] x = in.get("x").reals();
            Tensor w = g.value("w").data();
            Tensor a = g.value("a").data();
            Tensor lb = g.value("lb").data();
            double[] y = after.get("/fc/lora_add").reals();
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 7; j++) {
                    double base = 0;
                    for (int q = 0; q < 6; q++) base += x[i * 6 + q] * (transW ? w.getDouble(j * 6 + q) : w.getDouble(q * 7 + j));
                    double low = 0;
                    for (int p = 0; p < 3; p++) {
                        double t = 0;
                        for (int q = 0; q < 6; q++) t += x[i * 6 + q] * a.getDouble(p * 6 + q);
                        low += t * lb.getDouble(j * 3 + p);
                    }
                    double want = 0.5 * base + (transW ? 0 : g.value("b").data().getDouble(j)) + 2 * low;
                    assertEquals(want, y[i * 7 + j], 1e-5 * (1 + Math.abs(want)), "y[" + i + "," + j + "]");
                }
            }
        }
    }

    @Test
    void tileContractKeepsKAndTheRankWhole() {
        LoraLinear op = new LoraLinear(false, 1, 1);
        List<TensorType> in = java.util.Arrays.asList(TensorType.of(DType.FLOAT, 64, 128), TensorType.of(DType.FLOAT, 128, 96), TensorType.of(DType.FLOAT, 96),
                TensorType.of(DType.FLOAT, 4, 128), TensorType.of(DType.FLOAT, 96, 4));
        List<TensorType> out = List.of(TensorType.of(DType.FLOAT, 64, 96), TensorType.of(DType.FLOAT, 64, 4));
        TileContract c = op.tileContract(in, out);
        assertEquals(List.of("M", "N"), c.dims().stream().map(TileContract.Dim::name).toList());
        assertEquals(64L * 128 * 96 + 64L * 128 * 4 + 64L * 4 * 96, op.macs(in, out));
        for (TileContract.Operand o : c.operands()) {
            if (o.name().equals("t")) assertEquals(0, o.lastDim(), "t follows the rows only: kept over the column tiles");
            if (o.name().equals("a")) assertEquals(-1, o.lastDim(), "A whole");
        }
        // one row and one column: x row, W column, b, A whole, B row, y, t, each twice
        assertEquals(2 * (512 + 512 + 16 + 2048 + 16 + 16 + 16), FuseLora.smallestTile(c));
    }

    @Test
    void noFusionWhenTheFusedTileWouldNotLeaveTheTilerRoom() {
        // K = 1024, rank 4: A alone is 16 KiB, its smallest fused tile above FuseLora.MAX_SMALLEST_TILE
        Graph g = adapter(4, 1024, 8, 4, true, 1, 1, false);
        String ir = Printer.print(g);
        assertEquals(ir, run(new FuseLora(), g));
        Graph small = adapter(4, 128, 8, 4, true, 1, 1, false);
        run(new FuseLora(), small);
        assertEquals(1, small.nodes().size(), "K = 128 fits");
    }

    @Test
    void refusedFusionsAreUndoneAndTheRestKept() {
        // two adapters side by side; the criterion refuses any graph where the second is fused
        Graph g = new Graph();
        g.setFoldConstants(false);
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 3, 8));
        for (String p : List.of("/p", "/q")) {
            Value y = g.add(p, new Linear(false, 1), x, g.addState(p + ".w", T.random(DType.FLOAT, p.length() + 1, 8, 8)));
            Value t = g.add(p + "/lora_A", new Linear(true, 1), x, g.addState(p + ".a", T.random(DType.FLOAT, 11, 2, 8)));
            g.addOutput(g.add(p + "/lora_add", new Linear(true, 1), t, g.addState(p + ".b", T.random(DType.FLOAT, 12, 8, 2)), null, y));
        }
        Map<String, Tensor> in = Map.of("x", T.random(DType.FLOAT, 13, 3, 8));
        Map<String, Tensor> before = new Interpreter(g).run(in);
        List<Integer> judged = new ArrayList<>();
        List<String> replaced = new ArrayList<>();
        new PassManager().add(new FuseLora((last, fused) -> replaced.add(last.name() + "->" + fused.name()), h -> {
            judged.add(h.nodes().size());
            return h.nodes().stream().noneMatch(n -> n.name().equals("/q") && n.op() instanceof LoraLinear);
        })).run(g);
        assertEquals(List.of(2, 4, 2), judged, "both (refused), then /p alone (kept), then /q with it (refused)");
        assertEquals(List.of("/p/lora_add->/p"), replaced);
        assertEquals("[Linear, Linear, Linear, LoraLinear]", g.nodes().stream().map(n -> n.op().opType()).sorted().toList().toString());
        Map<String, Tensor> after = new Interpreter(g).run(in);
        for (String o : List.of("/p/lora_add", "/q/lora_add")) T.assertTensor(after.get(o), before.get(o).shape(), before.get(o).reals());
    }

    @Test
    void firesOnEveryAdapterOfCct2LoRA2() {
        Manifest m = Manifest.read(T.root().resolve("tests/conformance/cct2"));
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get("LoRA2")), (x, y) -> { });
        Graph g = p.graph();
        long fused = g.nodes().stream().filter(n -> n.op() instanceof LoraLinear).count();
        long adapters = p.adapters().size();
        assertTrue(adapters >= 8, "cct2 LoRA2 adapts the blocks' projections: " + adapters);
        assertEquals(adapters, fused, "one LoraLinear per adapter");
        for (Node n : g.nodes()) {
            if (n.op() instanceof Linear && n.name().endsWith("/lora_add")) throw new AssertionError("left unfused: " + n.name());
        }
    }
}
