package org.traindeeploy.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.onnx.OnnxImporter;
import org.traindeeploy.onnx.OnnxReader;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.passes.FunctionPass;
import org.traindeeploy.passes.FuseResidual;
import org.traindeeploy.passes.Normalize;
import org.traindeeploy.passes.Pass;
import org.traindeeploy.passes.PassManager;
import org.traindeeploy.schedule.Recompute;

/**
 * ONNX file → training step, as one straight pipeline of named passes:
 * import → normalize (fold, fuse) → lora → loss → autodiff → optimizer → dead-code.
 */
public final class TrainingPipeline {
    private TrainingPipeline() {}

    /** Import and normalize for inference (no training state). */
    public static Graph inference(Path model, Integer batch, BiConsumer<Pass, Graph> observer) {
        ModelProto m = OnnxReader.read(model);
        return inference(m, model, batch, observer);
    }

    static Graph inference(ModelProto m, Path model, Integer batch, BiConsumer<Pass, Graph> observer) {
        try {
            Graph g = OnnxImporter.importModel(m, model, new OnnxImporter.Options(batch)).graph();
            Normalize.manager().observe(observer).run(g);
            return g;
        } catch (CompileException e) {
            throw e.within(model.toString());
        }
    }

    /** Names of every pass, in order, for --print-ir-after. */
    public static List<String> passNames() {
        List<String> n = new ArrayList<>(List.of("import"));
        Normalize.passes().forEach(p -> n.add(p.name()));
        n.addAll(List.of("lora", "loss", "autodiff", "optimizer", "recompute", "fuse-residual", "cleanup"));
        return n;
    }

    public static TrainingProgram compile(Path model, TrainingConfig cfg, BiConsumer<Pass, Graph> observer) {
        ModelProto m = OnnxReader.read(model);
        try {
            return compile(m, model, cfg, observer);
        } catch (CompileException e) {
            throw e.within(model.toString());
        }
    }

    private static TrainingProgram compile(ModelProto m, Path model, TrainingConfig cfg, BiConsumer<Pass, Graph> observer) {
        Set<String> trainable = cfg.train().resolve(m.getGraph(), () -> inference(m, model, cfg.batch(), (p, g) -> { }));
        // Import before judging the selection: a broken model (say, a node reading a missing
        // initializer) must be reported as such, not as "nothing to train".
        Graph g = OnnxImporter.importModel(m, model, new OnnxImporter.Options(cfg.batch(), trainable)).graph();
        if (trainable.isEmpty() && cfg.lora() == null) {
            throw new CompileException("nothing to train: give --train (all, last or patterns) or --lora");
        }
        observer.accept(new FunctionPass("import", "ONNX to IR", Set.of(), x -> { }), g);
        PassManager pm = Normalize.manager().observe(observer);
        pm.run(g);

        Value logits = cfg.output() == null ? g.outputs().get(0) : g.output(cfg.output());
        if (logits == null) throw new CompileException("the model has no output named '" + cfg.output() + "' (outputs: " + g.outputNames() + ")");
        if (cfg.target().kind() == LossTarget.Kind.CLASSES && logits.type().rank() != 2) {
            throw new CompileException("the loss needs an output of shape [batch, classes]; output '" + logits.name() + "' is " + logits.type());
        }
        if (!logits.type().dtype().isFloat()) throw new CompileException("output '" + logits.name() + "' is not floating point");
        // Passes may replace the output value (LoRA on the last layer adds after it): follow it by name.
        String logitsName = g.outputNames().get(g.outputs().indexOf(logits));
        Value input = g.inputs().size() == 1 ? g.inputs().get(0) : null;
        if (input == null) throw new CompileException("the model must have exactly one input, has " + g.inputs().size());
        if (cfg.target().kind() == LossTarget.Kind.INPUT) {
            Value t = g.inputs().stream().filter(v -> v.name().equals(cfg.target().input())).findFirst().orElse(null);
            if (t == null) throw new CompileException("--target '" + cfg.target().input() + "' is not a graph input (inputs: " + g.inputs().stream().map(Value::name).toList() + ")");
            if (!t.type().equals(logits.type())) throw new CompileException("--target input '" + t.name() + "' is " + t.type() + ", the output '" + logits.name() + "' is " + logits.type() + ": they must match");
        }

        List<LoraInjection.Adapter> adapters = new ArrayList<>();
        Value[] lossHolder = new Value[2];
        Map<Value, Value> grads = new LinkedHashMap<>();
        int[] counts = new int[3];
        java.util.Set<Node> forwardSet = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.Set<Node> backwardSet = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        PassManager train = new PassManager().alreadyRan(pm.ran()).observe(observer);
        train.add(new FunctionPass("lora", "inject LoRA adapters", Set.of("fuse-linear"), x -> {
            if (cfg.lora() != null) adapters.addAll(LoraInjection.apply(x, cfg.lora()));
        }));
        train.add(new FunctionPass("loss", "append the loss on the model's output", Set.of("lora"), x -> {
            Value lg = x.output(logitsName);
            Value labels = switch (cfg.target().kind()) {
                case CLASSES -> x.addInput("labels", TensorType.of(DType.INT64, lg.type().dim(0)));
                case VALUES -> x.addInput("labels", lg.type());
                case INPUT -> null;
            };
            Value target = labels != null ? labels : input;
            Value loss = x.addNode("loss", cfg.loss().op(), List.of(lg, target), List.of("loss")).get(0);
            x.addOutput("loss", loss);
            lossHolder[0] = loss;
            lossHolder[1] = labels;
            counts[0] = x.nodes().size();
            forwardSet.addAll(x.nodes());
        }));
        train.add(new FunctionPass("autodiff", "reverse-mode gradients of the loss for every trainable tensor", Set.of("loss"), x -> {
            // State that already has an update before the optimizer runs is carried, not trained
            // (a training-mode BatchNormalization's running statistics).
            List<Value> params = x.states().stream().filter(v -> !x.stateUpdates().containsKey(v)).toList();
            grads.putAll(Autodiff.differentiate(x, lossHolder[0], params));
            counts[1] = x.nodes().size();
            for (Node n : x.nodes()) if (!forwardSet.contains(n)) backwardSet.add(n);
        }));
        train.add(new FunctionPass("optimizer", "append the optimizer update of every trainable tensor", Set.of("autodiff"),
                x -> Optimizer.apply(x, grads, cfg.optimizer(), cfg.accumulate())));
        train.add(new FunctionPass("recompute", "recompute cheap activations in the backward pass where that lowers the memory peak",
                Set.of("optimizer"), x -> Recompute.apply(x, backwardSet)));
        train.add(new FunctionPass("fuse-residual", "Add(R, Linear(...)) -> Linear(..., residual R): LoRA sums and gradient sums in the Linear kernel",
                Set.of("recompute"), x -> {
                    // Keep a fusion only if the scheduled memory lower bound does not rise (it saves traffic, not memory).
                    long[] bound = {Recompute.scheduledLowerBound(x, new ArrayList<>(x.nodes()))};
                    new FuseResidual((add, fused) -> {
                        if (backwardSet.contains(add)) backwardSet.add(fused);
                        else if (forwardSet.contains(add)) forwardSet.add(fused);
                    }, y -> {
                        long now = Recompute.scheduledLowerBound(y, new ArrayList<>(y.nodes()));
                        if (now > bound[0]) return false;
                        bound[0] = now;
                        return true;
                    }).run(x);
                }));
        train.add(new FunctionPass("cleanup", "remove what nothing reads", Set.of("optimizer"), Graph::removeDeadCode));
        train.run(g);

        List<TrainingProgram.Trainable> ts = new ArrayList<>();
        grads.forEach((p, d) -> ts.add(new TrainingProgram.Trainable(p.name(), p, d)));
        long frozenElements = 0;
        int frozenTensors = 0;
        for (Value v : g.values()) {
            if (v.isConstant() && v.type().dtype().isFloat() && g.isInitializer(v)) {
                frozenElements += v.type().size();
                frozenTensors++;
            }
        }
        int fwd = counts[0];
        int bwd = counts[1] - counts[0];
        int upd = g.nodes().size() - counts[1];
        Value logitsNow = g.output(logitsName);
        java.util.Map<Node, TrainingProgram.Phase> phases = new java.util.IdentityHashMap<>();
        for (Node n : g.nodes()) {
            phases.put(n, forwardSet.contains(n) ? TrainingProgram.Phase.FORWARD
                    : backwardSet.contains(n) ? TrainingProgram.Phase.BACKWARD : TrainingProgram.Phase.UPDATE);
        }
        fwd = (int) phases.values().stream().filter(p -> p == TrainingProgram.Phase.FORWARD).count();
        bwd = (int) phases.values().stream().filter(p -> p == TrainingProgram.Phase.BACKWARD).count();
        upd = (int) phases.values().stream().filter(p -> p == TrainingProgram.Phase.UPDATE).count();
        return new TrainingProgram(g, ts, input, lossHolder[1], logitsNow, lossHolder[0], adapters, fwd, bwd, upd, frozenElements, frozenTensors, phases);
    }

}
