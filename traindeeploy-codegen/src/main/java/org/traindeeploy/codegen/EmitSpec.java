package org.traindeeploy.codegen;

import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Value;
import org.traindeeploy.train.TrainingProgram;

/**
 * What the C code is generated for: a graph with its data input, and either a whole training
 * step (labels, loss, trained tensors with their gradients) or only a forward pass.
 *
 * @param output the forward output that {@code network_infer} returns (the logits)
 * @param labels the label input, null for a forward-only program
 * @param loss the scalar loss, null for a forward-only program
 */
public record EmitSpec(String modelName, Graph graph, Value input, Value labels, Value output, Value loss, List<Trained> trained) {

    /** A trained tensor exposed by the generated API under index i: its key, state and gradient. */
    public record Trained(String key, Value state, Value grad) {}

    public boolean training() { return loss != null; }

    public static EmitSpec training(String modelName, TrainingProgram p) {
        List<Trained> t = p.trainables().stream().map(x -> new Trained(x.key(), x.state(), x.grad())).toList();
        return new EmitSpec(modelName, p.graph(), p.input(), p.labels(), p.logits(), p.loss(), t);
    }

    public static EmitSpec inference(String modelName, Graph g) {
        if (g.inputs().size() != 1) throw new CompileException("the C target needs a model with exactly one input, this one has " + g.inputs().size());
        if (g.outputs().isEmpty()) throw new CompileException("the model has no output");
        return new EmitSpec(modelName, g, g.inputs().get(0), null, g.outputs().get(0), null, List.of());
    }
}
