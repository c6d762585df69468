package org.traindeeploy.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.onnx.proto.OnnxProto.GraphProto;
import org.traindeeploy.train.TrainingPipeline;

/**
 * A few hundred bytes of ONNX can ask for gigabytes or billions of operations through constant
 * folding (ConstantOfShape of a large shape, a MatMul of two such constants). Import must neither
 * allocate the result nor spend minutes computing it: such nodes stay in the graph unfolded.
 */
class ConstantFoldingBudgetTest {
    @TempDir Path dir;

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** shape → ConstantOfShape → Add(x): the ConstantOfShape would be a 2 GB tensor of doubles. */
    @Test
    void hugeConstantOfShapeIsNotFoldedIntoMemory() {
        GraphProto.Builder g = GraphProto.newBuilder()
                .addInput(Models.floatInput("x", 16383, 16383))
                .addInitializer(Models.int64s("shape", 16383, 16383))
                .addNode(Models.node("ConstantOfShape", "fill", new String[] {"shape"}, new String[] {"c"}))
                .addNode(Models.node("Add", "add", new String[] {"x", "c"}, new String[] {"y"}))
                .addOutput(Models.output("y"));
        Path file = Models.write(dir.resolve("big.onnx"), Models.model(g));
        // (measured on the thread that imports: assertTimeoutPreemptively runs the body on its own)
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            long before = allocated();
            Graph graph = TrainingPipeline.inference(file, null, (p, x) -> { });
            long used = allocated() - before;
            assertTrue(used < 256L << 20, "import allocated " + (used >> 20) + " MB");
            assertFalse(graph.nodes().isEmpty(), "the large ConstantOfShape stays a node");
        });
    }

    /** Two folded 2048x2048 constants multiplied: 8.6 G multiply-adds if folded. */
    @Test
    void expensiveFoldIsNotComputedAtCompileTime() {
        GraphProto.Builder g = GraphProto.newBuilder()
                .addInput(Models.floatInput("x", 2048, 2048))
                .addInitializer(Models.int64s("shape", 2048, 2048))
                .addNode(Models.node("ConstantOfShape", "fill", new String[] {"shape"}, new String[] {"c"}))
                .addNode(Models.node("MatMul", "square", new String[] {"c", "c"}, new String[] {"c2"}))
                .addNode(Models.node("Add", "add", new String[] {"x", "c2"}, new String[] {"y"}))
                .addOutput(Models.output("y"));
        Path file = Models.write(dir.resolve("slow.onnx"), Models.model(g));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> TrainingPipeline.inference(file, null, (p, x) -> { }));
    }

    /** A shape whose element count overflows is refused before anything is allocated. */
    @Test
    void overflowingShapeIsRefused() {
        GraphProto.Builder g = GraphProto.newBuilder()
                .addInput(Models.floatInput("x", 2, 2))
                .addInitializer(Models.int64s("shape", 1L << 31, 1L << 31))
                .addNode(Models.node("ConstantOfShape", "fill", new String[] {"shape"}, new String[] {"c"}))
                .addNode(Models.node("Add", "add", new String[] {"x", "c"}, new String[] {"y"}))
                .addOutput(Models.output("y"));
        Path file = Models.write(dir.resolve("overflow.onnx"), Models.model(g));
        CompileException e = assertThrows(CompileException.class, () -> TrainingPipeline.inference(file, null, (p, x) -> { }));
        assertTrue(e.getMessage().startsWith(file + ": node 'fill' (ConstantOfShape): "), e.getMessage());
    }
}
