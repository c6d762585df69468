package org.traindeeploy.train;

import java.util.List;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Value;

/**
 * A compiled training step: the graph (forward, loss, backward, optimizer update) and what the
 * tools around it need to know about it.
 *
 * @param trainables the trained tensors in order, each with its gradient value
 * @param input the data input, {@code labels} the label input (null when the loss compares the output with a graph input), {@code loss} the scalar loss
 * @param forwardNodes nodes of the forward pass and loss; {@code backwardNodes} of the gradients; {@code updateNodes} of the optimizer
 */
public record TrainingProgram(Graph graph, List<Trainable> trainables, Value input, Value labels, Value logits, Value loss,
                              List<LoraInjection.Adapter> adapters, int forwardNodes, int backwardNodes, int updateNodes,
                              long frozenElements, int frozenTensors, java.util.Map<org.traindeeploy.ir.Node, Phase> phases) {

    /** Which part of the step a node belongs to. */
    public enum Phase { FORWARD, BACKWARD, UPDATE }

    /**
     * The phase of a node (nodes added after compilation, e.g. by later passes, count as forward; the
     * copies the memory planner's level choice recomputes, named {@code <node>/recompute}, as backward).
     */
    public Phase phase(org.traindeeploy.ir.Node n) {
        Phase p = phases.get(n);
        return p != null ? p : n.name().contains("/recompute") ? Phase.BACKWARD : Phase.FORWARD;
    }

    /** One trained tensor: its key (initializer name, or {@code <node>.lora_A/B}), state value and gradient. */
    public record Trainable(String key, Value state, Value grad) {}

    public long trainableElements() {
        return trainables.stream().mapToLong(t -> t.state().type().size()).sum();
    }
}
