package org.traindeeploy.onnx;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.onnx.proto.OnnxProto.GraphProto;
import org.traindeeploy.train.LossKind;
import org.traindeeploy.train.OptimizerSpec;
import org.traindeeploy.train.TrainSpec;
import org.traindeeploy.train.TrainingConfig;
import org.traindeeploy.train.TrainingPipeline;

/**
 * A model file of a few MB may hold tens of thousands of nodes; import and the training passes
 * must stay roughly linear in the graph size, or a small file hangs the compiler.
 */
class LargeGraphTest {
    @TempDir Path dir;

    static final int NODES = Integer.getInteger("traindeeploy.largeGraph.nodes", 20_000);

    @Test
    void longChainCompilesInTime() {
        GraphProto.Builder g = Models.linear();
        g.clearOutput();
        String prev = "y";
        for (int i = 0; i < NODES; i++) {
            String out = "r" + i;
            g.addNode(Models.node("Relu", "", new String[] {prev}, new String[] {out}));
            prev = out;
        }
        g.addOutput(Models.output(prev));
        Path file = Models.write(dir.resolve("chain.onnx"), Models.model(g));
        TrainingConfig cfg = new TrainingConfig(TrainSpec.parse("all"), null, LossKind.CROSS_ENTROPY, OptimizerSpec.sgd(0.1, 0, 0), 1, null, null);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> TrainingPipeline.compile(file, cfg, (p, x) -> { }));
    }
}
