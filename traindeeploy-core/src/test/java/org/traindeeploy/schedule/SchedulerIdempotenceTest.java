package org.traindeeploy.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.memory.Liveness;
import org.traindeeploy.memory.MemoryPlanner;
import org.traindeeploy.ops.Relu;
import org.traindeeploy.testing.BigGraphs;
import org.traindeeploy.train.LoraSpec;
import org.traindeeploy.train.LossKind;
import org.traindeeploy.train.OptimizerSpec;
import org.traindeeploy.train.TrainSpec;
import org.traindeeploy.train.TrainingConfig;
import org.traindeeploy.train.TrainingPipeline;

/**
 * The scheduler picks, at every step, the ready node placed first in the order it starts from
 * (among those that free memory, if any): started from its own order it returns that order. So a
 * graph it settled and nothing changed since ({@link Graph#modCount()}) is not scheduled again, and
 * the passes that ask for a schedule more than once pay for one.
 */
class SchedulerIdempotenceTest {
    @TempDir Path dir;

    static final Path CONFORMANCE = org.traindeeploy.testing.T.root().resolve("tests/conformance");

    private List<Graph> trainingGraphs() throws Exception {
        Path vit = dir.resolve("vit.onnx");
        Files.write(vit, BigGraphs.vit(2).toByteArray());
        Path chain = dir.resolve("chain.onnx");
        Files.write(chain, BigGraphs.chain(300).toByteArray());
        Path wide = dir.resolve("wide.onnx");
        Files.write(wide, BigGraphs.wide(100).toByteArray());
        TrainingConfig lora = new TrainingConfig(TrainSpec.parse("/head/*"), new LoraSpec(List.of("*/q/MatMul", "*/fc1/MatMul", "*/fc2/MatMul"), 2, 4, 7, null),
                LossKind.CROSS_ENTROPY, OptimizerSpec.adam(0.01, 0.9, 0.999, 1e-8, 0), 1, null, null);
        TrainingConfig all = new TrainingConfig(TrainSpec.parse("all"), null, LossKind.CROSS_ENTROPY, OptimizerSpec.sgd(0.1, 0.9, 0), 1, null, null);
        TrainingConfig cctLora = new TrainingConfig(TrainSpec.parse("/fc/*"), new LoraSpec(List.of("/blocks.*/*MatMul"), 4, 4, 0, null),
                LossKind.CROSS_ENTROPY, OptimizerSpec.sgd(0.01, 0, 0), 1, null, null);
        List<Graph> gs = new ArrayList<>();
        gs.add(TrainingPipeline.compile(vit, lora, (x, y) -> { }).graph());
        gs.add(TrainingPipeline.compile(chain, all, (x, y) -> { }).graph());
        gs.add(TrainingPipeline.compile(wide, all, (x, y) -> { }).graph());
        for (String c : List.of("mlp", "cct2", "kws", "resnet", "ae")) {
            gs.add(TrainingPipeline.compile(CONFORMANCE.resolve(c).resolve("model.onnx"), all, (x, y) -> { }).graph());
        }
        gs.add(TrainingPipeline.compile(CONFORMANCE.resolve("cct2").resolve("model.onnx"), cctLora, (x, y) -> { }).graph());
        return gs;
    }

    @Test
    void schedulingTheSchedulersOwnOrderKeepsIt() throws Exception {
        int moved = 0;
        for (Graph g : trainingGraphs()) {
            // From the order the pipeline left, and from another topological order (the reversed list
            // sorted again: late nodes first wherever dependencies allow).
            List<Node> reversed = new ArrayList<>(g.nodes());
            java.util.Collections.reverse(reversed);
            g.reorder(reversed);
            g.sortTopologically();
            List<Node> start = new ArrayList<>(g.nodes());
            for (int round = 0; round < 2; round++) {
                if (MemoryAwareScheduler.schedule(g)) moved++;
                List<Node> once = new ArrayList<>(g.nodes());
                assertFalse(MemoryAwareScheduler.schedule(g), "the scheduler's order is its own fixed point");
                assertEquals(once, g.nodes());
                g.reorder(start);
                MemoryAwareScheduler.schedule(g);
                assertEquals(once, g.nodes(), "same start, same order");
                start = new ArrayList<>(g.nodes());
            }
        }
        assertTrue(moved >= 5, "the starts were not the scheduler's orders: " + moved);
    }

    @Test
    void aSettledGraphIsNotScheduledAgainUntilItChanges() {
        Graph g = new Graph();
        g.setFoldConstants(false);
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, 8));
        // Two branches the scheduler interleaves differently from the program order: a long-lived one first.
        Value a = x;
        for (int i = 0; i < 4; i++) a = g.add("a" + i, new Relu(), a);
        Value b = x;
        for (int i = 0; i < 4; i++) b = g.add("b" + i, new Relu(), b);
        g.addOutput(a);
        g.addOutput(b);
        // Interleaved, the program order the scheduler does not keep: it finishes a branch (each Relu frees its input) first.
        List<Node> interleaved = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            interleaved.add(g.node("a" + i));
            interleaved.add(g.node("b" + i));
        }
        g.reorder(interleaved);
        MemoryAwareScheduler s = new MemoryAwareScheduler();
        assertTrue(s.run(g));
        List<Node> scheduled = new ArrayList<>(g.nodes());
        assertNotEquals(interleaved, scheduled);
        long settled = g.modCount();
        assertFalse(s.run(g));
        assertEquals(settled, g.modCount(), "a settled graph is left alone");
        // A change (here: the order) makes the next run schedule again, back to the scheduler's order.
        g.reorder(interleaved);
        assertNotEquals(settled, g.modCount());
        long interleavedBound = MemoryPlanner.dynamicLowerBound(g);
        assertTrue(s.run(g));
        assertEquals(scheduled, g.nodes());
        // The bound of a given order, without reordering the graph, is the bound the graph has in that order.
        assertEquals(interleavedBound, Liveness.dynamicLowerBound(g, interleaved, 4));
        // reorder takes permutations only.
        assertThrows(IllegalArgumentException.class, () -> g.reorder(List.of(g.nodes().get(0))));
        List<Node> twice = new ArrayList<>(g.nodes());
        twice.set(1, twice.get(0));
        assertThrows(IllegalArgumentException.class, () -> g.reorder(twice));
        assertEquals(scheduled, g.nodes());
    }

}
