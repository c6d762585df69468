package org.traindeeploy.conformance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.train.TrainingProgram;

/** Runs steps on the Java interpreter. */
public final class ReferenceEngine implements Engine {
    @Override public String name() { return "reference"; }

    @Override
    public List<StepResult> train(TrainingProgram p, List<Tensor> inputs, List<Tensor> labels) {
        Interpreter in = new Interpreter(p.graph());
        List<StepResult> out = new ArrayList<>();
        for (int k = 0; k < inputs.size(); k++) {
            Map<String, Tensor> feed = new LinkedHashMap<>();
            feed.put(p.input().name(), inputs.get(k));
            if (p.labels() != null) feed.put(p.labels().name(), labels.get(k));
            Map<String, Tensor> r = in.run(feed);
            Map<String, Tensor> grads = new LinkedHashMap<>();
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (TrainingProgram.Trainable t : p.trainables()) {
                grads.put(t.key(), in.lastValue(t.grad()));
                params.put(t.key(), in.state(t.state()));
            }
            out.add(new StepResult(r.get("loss").getDouble(0), grads, params));
        }
        return out;
    }

    @Override
    public List<Tensor> infer(Graph g, List<Tensor> inputs) {
        Interpreter in = new Interpreter(g);
        List<Tensor> out = new ArrayList<>();
        for (Tensor x : inputs) out.add(in.run(Map.of(g.inputs().get(0).name(), x)).values().iterator().next());
        return out;
    }
}
