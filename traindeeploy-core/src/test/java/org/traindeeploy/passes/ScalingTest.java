package org.traindeeploy.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Add;
import org.traindeeploy.ops.Linear;
import org.traindeeploy.ops.Relu;

/**
 * The passes cost what they touch, not graph size × candidates (issue 15). No timing here: the
 * graph's reader index must agree with a scan after every kind of rewrite, and fuse-residual must
 * judge a wide graph's fusions in one batch (one call of its memory criterion, not one per Add),
 * halving only around the fusions the criterion refuses. bench/scale.sh times 100k-node graphs.
 */
class ScalingTest {
    /** x → k parallel Linears, summed by a chain of Adds: k − 1 fusion candidates. */
    static Graph wide(int k) {
        Graph g = new Graph();
        g.setFoldConstants(false);
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, 8));
        Value sum = null;
        for (int i = 0; i < k; i++) {
            Value w = g.addConstant("W" + i, Tensor.zeros(DType.FLOAT, 8, 4));
            Value y = g.add("mm" + i, new Linear(false, 1.0), x, w);
            sum = sum == null ? y : g.add("sum" + i, new Add(), sum, y);
        }
        g.addOutput(g.add("out", new Relu(), sum));
        return g;
    }

    /** The index as a scan would build it: each reading node once, in any order. */
    static void assertIndexMatchesScan(Graph g) {
        Map<Value, List<Node>> scan = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            for (Value v : n.inputs()) {
                if (v == null) continue;
                List<Node> l = scan.computeIfAbsent(v, x -> new ArrayList<>());
                if (!l.contains(n)) l.add(n);
            }
        }
        Map<Value, List<Node>> index = g.users();
        assertEquals(scan.size(), index.size());
        for (Map.Entry<Value, List<Node>> e : scan.entrySet()) {
            List<Node> got = index.get(e.getKey());
            assertEquals(e.getValue().size(), got.size(), e.getKey().name());
            assertTrue(got.containsAll(e.getValue()), e.getKey().name());
        }
        for (Node n : g.nodes()) assertTrue(g.contains(n));
    }

    @Test
    void oneJudgementWhenEveryFusionIsKept() {
        Graph g = wide(300);
        AtomicInteger judged = new AtomicInteger();
        AtomicInteger replaced = new AtomicInteger();
        new FuseResidual((a, b) -> replaced.incrementAndGet(), x -> {
            judged.incrementAndGet();
            return true;
        }).run(g);
        assertEquals(1, judged.get());
        assertEquals(299, replaced.get());
        assertEquals(0, g.nodes().stream().filter(n -> n.op() instanceof Add).count());
        assertIndexMatchesScan(g);
    }

    @Test
    void refusedFusionsAreFoundByHalvingAndUndoneExactly() {
        Graph g = wide(256);
        List<String> before = g.nodes().stream().map(Node::name).toList();
        // Refuse any state in which the fusion rooted at sum100 is applied; everything else is fine.
        AtomicInteger judged = new AtomicInteger();
        new FuseResidual((a, b) -> { }, x -> {
            judged.incrementAndGet();
            return x.nodes().stream().noneMatch(n -> n.op() instanceof Linear && n.input(3) != null && n.output(0).name().equals("sum100"));
        }).run(g);
        assertTrue(judged.get() <= 2 * 9 + 1, "halving: about 2 log2(255) judgements, got " + judged.get());
        List<Node> adds = g.nodes().stream().filter(n -> n.op() instanceof Add).toList();
        assertEquals(1, adds.size());
        assertEquals("sum100", adds.get(0).name());
        assertEquals(before.size() - 254, g.nodes().size());
        assertIndexMatchesScan(g);

        // Refusing everything restores the graph exactly.
        Graph h = wide(64);
        List<Node> order = new ArrayList<>(h.nodes());
        new FuseResidual((a, b) -> { }, x -> false).run(h);
        assertEquals(order, h.nodes());
        assertIndexMatchesScan(h);
    }

    @Test
    void deadCodeRemovalIsOneSweepOverALongDeadChain() {
        Graph g = new Graph();
        g.setFoldConstants(false);
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, 8));
        g.addOutput(g.add("live", new Relu(), x));
        Value h = x;
        for (int i = 0; i < 5000; i++) h = g.add("dead" + i, new Relu(), h);
        assertEquals(5000, g.removeDeadCode());
        assertEquals(1, g.nodes().size());
        assertIndexMatchesScan(g);
        assertEquals(List.of(g.nodes().get(0)), g.users().get(x));
    }
}
