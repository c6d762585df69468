package org.traindeeploy.tiling;

import org.traindeeploy.ir.TileContract;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Linear;
import org.traindeeploy.ops.Relu;
import org.traindeeploy.target.CostModel;
import org.traindeeploy.target.Target;

/** The calibrated cost model's features, formula, and the tile choices it leads to (docs/cost-model.md). */
class CostModelTest {
    private static Node linear(int m, int k, int n) {
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, m, k));
        Value w = g.addInput("w", TensorType.of(DType.FLOAT, k, n));
        g.add("fc", new Linear(false, 1), x, w);
        return g.nodes().get(0);
    }

    private static TileContract contract(Node n) {
        return n.op().tileContract(n.inputs().stream().map(Value::type).toList(), List.of(n.output(0).type()));
    }

    @Test
    void featuresCountEveryTilesOutputsAndTheBusiestCoresShare() {
        Node n = linear(64, 128, 128);
        TileContract c = contract(n);
        long macs = 64L * 128 * 128;
        CostModel.Features whole = Tiler.features(c, new int[] {64, 128, 128}, new int[] {1, 1, 1}, 1, macs, 8);
        assertEquals(new CostModel.Features(1, 64 * 128, 64 * 128 + 128 * 128, macs, 0.125), whole);
        // K in 4 tiles: every output box is visited (its epilogue run) 4 times; x and w are each read once over the tiles.
        CostModel.Features k4 = Tiler.features(c, new int[] {64, 128, 32}, new int[] {1, 1, 4}, 4, macs, 8);
        assertEquals(4, k4.tiles());
        assertEquals(4L * 64 * 128, k4.outputs());
        assertEquals(64 * 128 + 128 * 128, k4.inputs());
        // 3 rows of 4 column blocks per tile = 12 units over 8 cores: the busiest does 2 of 12.
        CostModel.Features small = Tiler.features(c, new int[] {3, 16, 128}, new int[] {22, 8, 1}, 176, macs, 8);
        assertEquals(2.0 / 12, small.busy(), 1e-12);
    }

    @Test
    void instructionsAreTheFamilysLinearForm() {
        CostModel cm = new CostModel("test", 100, 2, 0, Map.of("Linear", new CostModel.Family(1000, 10, 1, 0.5),
                "default", new CostModel.Family(7, 0, 0, 0)));
        CostModel.Features f = new CostModel.Features(3, 800, 400, 5000, 0.25);
        assertEquals(3 * 1000 + 0.25 * (800 * 10 + 5000 + 400 * 0.5), cm.instructions("Linear", f), 1e-9);
        assertEquals(3 * 7, cm.instructions("Softmax", f), 1e-9);
        assertEquals(100 + 2 * 50, cm.outsideNodes(50), 1e-9);
        assertEquals(1.0 / 8, CostModel.busy(64, 8), 1e-12);
        assertEquals(1.0, CostModel.busy(1, 8), 1e-12);
    }

    @Test
    void aCalibratedTargetPricesTilesSoItTakesFewLargeOnes() {
        Target s = Target.load("siracusa");
        assertNotNull(s.cost(), "siracusa carries a calibrated cost model");
        Node n = linear(64, 128, 128);
        // With the operands fitting L1 whole: few tiles (a second one may pay for itself by overlapping the DMA),
        // never dearer than the single tile, and far fewer than the old pricing's per-tile 60 cycles allowed.
        Tiler.Tiling t = Tiler.tile(n, 1 << 20, s);
        TileContract c = contract(n);
        Target.DmaLink link = s.link("L2", "L1");
        Tiler.Tiling one = Tiler.evaluate(c, new int[] {64, 128, 128}, new int[] {0, 1, 2}, Tiler.compute("Linear", 64L * 128 * 128, 0, s),
                link.bytesPerCycle(), link.setupCycles());
        assertTrue(t.tiles() <= 4, t.tiles() + " tiles of " + java.util.Arrays.toString(t.tile()));
        assertTrue(t.cycles() <= one.cycles(), t.cycles() + " > " + one.cycles());
        // An elementwise node over 64K elements at 64 KiB: the fewest tiles whose double-buffered boxes fit.
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 256, 256));
        g.add("r", new Relu(), x);
        Tiler.Tiling r = Tiler.tile(g.nodes().get(0), 64 * 1024, s);
        assertTrue(r.tiles() <= 16, r.tiles() + " tiles of " + java.util.Arrays.toString(r.tile()));
        // The same node priced without a model (the old pricing) for comparison: the calibrated one never takes more tiles here.
        Tiler.Tiling old = Tiler.tile(g.nodes().get(0), 64 * 1024, s.withCost(null));
        assertTrue(r.tiles() <= old.tiles(), r.tiles() + " > " + old.tiles());
    }
}
