package org.traindeeploy.conformance;

import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.train.TrainingProgram;

/** Something that runs compiled training steps: the Java reference interpreter, or the generated C. */
public interface Engine {
    String name();

    /** What one training step produced: the loss, gradients and updated tensors by trainable key. */
    record StepResult(double loss, Map<String, Tensor> grads, Map<String, Tensor> params) {}

    /** Run consecutive steps on the given batches, from the program's initial state. */
    List<StepResult> train(TrainingProgram program, List<Tensor> inputs, List<Tensor> labels);

    /** Forward pass of the inference graph for each input (for --forward-only). */
    List<Tensor> infer(org.traindeeploy.ir.Graph inference, List<Tensor> inputs);
}
