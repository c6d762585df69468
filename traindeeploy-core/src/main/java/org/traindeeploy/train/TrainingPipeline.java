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
import org.traindeeploy.onnx.CandidateImport;
import org.traindeeploy.onnx.OnnxModel;
import org.traindeeploy.passes.Compilation;
import org.traindeeploy.passes.FunctionPass;
import org.traindeeploy.memory.MemoryPlanner;
import org.traindeeploy.passes.FuseLora;
import org.traindeeploy.passes.FuseResidual;
import org.traindeeploy.schedule.MemoryAwareScheduler;
import org.traindeeploy.schedule.ResidualJudge;
import org.traindeeploy.passes.Normalize;
import org.traindeeploy.passes.Pass;
import org.traindeeploy.passes.PassManager;
import org.traindeeploy.passes.Product;
import org.traindeeploy.passes.NonRisingBound;
import org.traindeeploy.passes.Stage;
import org.traindeeploy.schedule.Recompute;

/**
 * ONNX file → training step, as one straight pipeline of named passes:
 * import (once, initializers undecided) → freeze (the selection's initializers trained, the rest constants) → normalize (fold, fuse) → lora → loss → autodiff → optimizer → recompute → fuse-residual → fuse-lora → cleanup.
 */
public final class TrainingPipeline {
    private TrainingPipeline() {}

    /** Import and normalize for inference (no training state): one direct import, nothing to choose. */
    public static Graph inference(Path model, Integer batch, BiConsumer<Pass, Compilation> observer) {
        OnnxModel m = OnnxModel.read(model);
        try {
            return normalized(m.importGraph(batch), observer);
        } catch (CompileException e) {
            throw e.within(model.toString());
        }
    }

    /**
     * The forward graph of a model whose training steps are compiled too (check): every initializer
     * frozen from the model's shared candidate import, then normalized; the same graph as
     * {@link #inference(Path, Integer, BiConsumer)}, without importing again.
     */
    public static Graph inference(OnnxModel m, Integer batch, BiConsumer<Pass, Compilation> observer) {
        try {
            return normalized(m.candidates(batch).freeze(Set.of()), observer);
        } catch (CompileException e) {
            throw e.within(m.path().toString());
        }
    }

    private static Graph normalized(Graph g, BiConsumer<Pass, Compilation> observer) {
        Normalize.manager().observe(observer).run(g);
        return g;
    }

    /** The import, as a pass for observers (--print-ir-after import). */
    static final Pass IMPORT = new FunctionPass("import", "ONNX to IR", Set.of(), c -> { });

    /** The LoRA adapters the lora pass added. */
    public static final Product<List<LoraInjection.Adapter>> ADAPTERS = Product.named("adapters");
    /** The loss pass's result: the loss value, the labels input (null when the target is a graph input) and the forward nodes. */
    public static final Product<Loss> LOSS = Product.named("loss");
    /** The autodiff pass's result: each trainable tensor's gradient, and the backward nodes. */
    public static final Product<Gradients> GRADIENTS = Product.named("gradients");
    /** Which nodes are forward and backward, as recompute and fuse-residual leave them. */
    public static final Product<Phases> PHASES = Product.named("phases");

    public record Loss(Value loss, Value labels, Set<Node> forward) {}

    public record Gradients(Map<Value, Value> grads, Set<Node> backward) {}

    public record Phases(Set<Node> forward, Set<Node> backward) {}

    /** Names of every pass of the front half, in order, for --print-ir-after (read off the pass lists themselves). */
    public static List<String> passNames() {
        List<String> n = new ArrayList<>(List.of(IMPORT.name()));
        Normalize.passes().forEach(p -> n.add(p.name()));
        trainingPasses(null, null, null).forEach(p -> n.add(p.name()));
        return n;
    }

    /** A fused node joins the phase (forward or backward) of the node it replaces. */
    private static java.util.function.BiConsumer<Node, Node> samePhase(Set<Node> forward, Set<Node> backward) {
        return (replaced, fused) -> {
            if (backward.contains(replaced)) backward.add(fused);
            else if (forward.contains(replaced)) forward.add(fused);
        };
    }

    private static Set<Node> identitySet(java.util.Collection<Node> of) {
        Set<Node> s = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        s.addAll(of);
        return s;
    }

    /**
     * The training passes after normalization, in order. Each takes the compilation and returns its
     * record (or rewrites the graph only); {@code logitsName} is the output the loss reads, {@code input}
     * the graph input (the loss target when the config names it).
     */
    static List<Pass> trainingPasses(TrainingConfig cfg, String logitsName, Value input) {
        return List.of(
                Stage.of("lora", "inject LoRA adapters", Set.of("fuse-linear"), ADAPTERS,
                        c -> cfg.lora() == null ? List.of() : List.copyOf(LoraInjection.apply(c.graph(), cfg.lora()))),
                Stage.of("loss", "append the loss on the model's output", Set.of("lora"), LOSS, c -> {
                    Graph x = c.graph();
                    Value lg = x.output(logitsName);
                    Value labels = switch (cfg.target().kind()) {
                        case CLASSES -> x.addInput("labels", TensorType.of(DType.INT64, lg.type().dim(0)));
                        case VALUES -> x.addInput("labels", lg.type());
                        case INPUT -> null;
                    };
                    Value target = labels != null ? labels : input;
                    Value loss = x.addNode("loss", cfg.loss().op(), List.of(lg, target), List.of("loss")).get(0);
                    x.addOutput("loss", loss);
                    return new Loss(loss, labels, identitySet(x.nodes()));
                }),
                Stage.of("autodiff", "reverse-mode gradients of the loss for every trainable tensor", Set.of("loss"), GRADIENTS, c -> {
                    Graph x = c.graph();
                    // State that already has an update before the optimizer runs is carried, not trained
                    // (a training-mode BatchNormalization's running statistics).
                    List<Value> params = x.states().stream().filter(v -> !x.stateUpdates().containsKey(v)).toList();
                    Set<Node> forward = c.get(LOSS).forward();
                    Map<Value, Value> grads = new LinkedHashMap<>(Autodiff.differentiate(x, c.get(LOSS).loss(), params));
                    Set<Node> backward = identitySet(List.of());
                    for (Node n : x.nodes()) if (!forward.contains(n)) backward.add(n);
                    return new Gradients(grads, backward);
                }),
                new FunctionPass("optimizer", "append the optimizer update of every trainable tensor", Set.of("autodiff"),
                        c -> Optimizer.apply(c.graph(), c.get(GRADIENTS).grads(), cfg.optimizer(), cfg.accumulate())),
                Stage.of("recompute", "recompute cheap activations in the backward pass where that lowers the memory peak",
                        Set.of("optimizer"), PHASES, c -> {
                            Set<Node> backward = identitySet(c.get(GRADIENTS).backward());
                            Recompute.apply(c.graph(), backward);
                            return new Phases(c.get(LOSS).forward(), backward);
                        }),
                Stage.of("fuse-residual", "Add(R, Linear(...)) -> Linear(..., residual R): LoRA sums and gradient sums in the Linear kernel",
                        Set.of("recompute"), PHASES, c -> {
                            // The step leaves this stage scheduled whether or not anything fuses (the schedule pass starts from that order).
                            new MemoryAwareScheduler().run(c.graph());
                            if (!FuseResidual.hasCandidate(c.graph())) return c.get(PHASES); // nothing to judge (cleanup removes dead code next)
                            Set<Node> forward = identitySet(c.get(PHASES).forward());
                            Set<Node> backward = identitySet(c.get(PHASES).backward());
                            // Keep fusions only if the memory lower bound of the scheduled step does not rise (they save
                            // traffic, not memory): each judged over the schedule, then the result once as the schedule pass orders it.
                            // The judge's lifetimes give the starting bound (one liveness pass, not two).
                            ResidualJudge judge = new ResidualJudge(c.graph());
                            // a batch's bound as the schedule pass will order it
                            new FuseResidual(samePhase(forward, backward), new NonRisingBound(judge.bound(), Recompute::scheduleNoWorse), judge).run(c.graph());
                            return new Phases(forward, backward);
                        }),
                Stage.of("fuse-lora", "Linear(x,W,b) + s·Linear(Linear(x,A),B) -> LoraLinear: the adapter's low-rank term in the base Linear's tile",
                        Set.of("fuse-residual"), PHASES, c -> {
                            if (cfg.lora() == null) return c.get(PHASES);
                            Set<Node> forward = identitySet(c.get(PHASES).forward());
                            Set<Node> backward = identitySet(c.get(PHASES).backward());
                            // Keep the fusions only if the step's memory lower bound does not rise, judged over the order
                            // fuse-residual left (each fused node at its last product's place; the schedule pass keeps an
                            // order whose bound is lower than its own): a liveness pass per judgement, no rescheduling.
                            new FuseLora(samePhase(forward, backward),
                                    new NonRisingBound(MemoryPlanner.dynamicLowerBound(c.graph()), MemoryPlanner::dynamicLowerBound)).run(c.graph());
                            return new Phases(forward, backward);
                        }),
                new FunctionPass("cleanup", "remove what nothing reads", Set.of("optimizer"), c -> c.graph().removeDeadCode()));
    }

    public static TrainingProgram compile(Path model, TrainingConfig cfg, BiConsumer<Pass, Compilation> observer) {
        return compile(OnnxModel.read(model), cfg, observer);
    }

    /**
     * The training step of a model read once: commands that compile several strategies of one model
     * (sweep, check) pass the same {@link OnnxModel}, whose candidate import they share (one per batch size).
     */
    public static TrainingProgram compile(OnnxModel m, TrainingConfig cfg, BiConsumer<Pass, Compilation> observer) {
        try {
            return compileImported(m, cfg, observer);
        } catch (CompileException e) {
            throw e.within(m.path().toString());
        }
    }

    private static TrainingProgram compileImported(OnnxModel m, TrainingConfig cfg, BiConsumer<Pass, Compilation> observer) {
        // One import per model and batch, the floating initializers undecided: the selection is resolved on it
        // (all: what ops read at compile time; last: the layers of its frozen, normalized graph), then the
        // freeze pass makes the step's graph, the graph a direct import with the selection would give.
        // Import before judging the selection: a broken model (say, a node reading a missing
        // initializer) must be reported as such, not as "nothing to train".
        CandidateImport imported = m.candidates(cfg.batch());
        Set<String> trainable = cfg.train().resolve(m, () -> normalized(imported.freeze(Set.of()), (p, g) -> { }), imported::readAtCompileTime);
        Graph g = imported.freeze(trainable);
        for (String t : trainable) {
            Value v = g.value(t);
            if (v != null && v.type().size() == 0) throw new CompileException("trainable tensor '" + t + "' is " + v.type() + ": it has no elements to train");
        }
        if (trainable.isEmpty() && cfg.lora() == null) {
            throw new CompileException("nothing to train: give --train (all, last or patterns) or --lora");
        }
        Compilation compiled = new Compilation(g);
        observer.accept(IMPORT, compiled);
        PassManager pm = Normalize.manager().observe(observer);
        pm.run(compiled);

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
        if (input.type().size() == 0) {
            throw new CompileException("graph input '" + input.name() + "' is " + input.type() + ": a training step needs at least one sample (a dimension is 0)");
        }
        if (cfg.target().kind() == LossTarget.Kind.INPUT) {
            Value t = g.inputs().stream().filter(v -> v.name().equals(cfg.target().input())).findFirst().orElse(null);
            if (t == null) throw new CompileException("--loss-target '" + cfg.target().input() + "' is not a graph input (inputs: " + g.inputs().stream().map(Value::name).toList() + ")");
            if (!t.type().equals(logits.type())) throw new CompileException("--loss-target input '" + t.name() + "' is " + t.type() + ", the output '" + logits.name() + "' is " + logits.type() + ": they must match");
        }

        Compilation c = new PassManager().alreadyRan(pm.ran()).observe(observer).addAll(trainingPasses(cfg, logitsName, input)).run(compiled);
        Loss loss = c.get(LOSS);
        Gradients gradients = c.get(GRADIENTS);
        Phases phases = c.get(PHASES);
        Set<Node> forwardSet = phases.forward();
        Set<Node> backwardSet = phases.backward();

        List<TrainingProgram.Trainable> ts = new ArrayList<>();
        gradients.grads().forEach((p, d) -> ts.add(new TrainingProgram.Trainable(p.name(), p, d)));
        long frozenElements = 0;
        int frozenTensors = 0;
        for (Value v : g.values()) {
            if (v.isConstant() && v.type().dtype().isFloat() && g.isInitializer(v)) {
                frozenElements += v.type().size();
                frozenTensors++;
            }
        }
        Value logitsNow = g.output(logitsName);
        java.util.Map<Node, TrainingProgram.Phase> phaseOf = new java.util.IdentityHashMap<>();
        for (Node n : g.nodes()) {
            phaseOf.put(n, forwardSet.contains(n) ? TrainingProgram.Phase.FORWARD
                    : backwardSet.contains(n) ? TrainingProgram.Phase.BACKWARD : TrainingProgram.Phase.UPDATE);
        }
        int fwd = (int) phaseOf.values().stream().filter(p -> p == TrainingProgram.Phase.FORWARD).count();
        int bwd = (int) phaseOf.values().stream().filter(p -> p == TrainingProgram.Phase.BACKWARD).count();
        int upd = (int) phaseOf.values().stream().filter(p -> p == TrainingProgram.Phase.UPDATE).count();
        return new TrainingProgram(g, ts, input, loss.labels(), logitsNow, loss.loss(), c.get(ADAPTERS), fwd, bwd, upd, frozenElements, frozenTensors, phaseOf);
    }

}
