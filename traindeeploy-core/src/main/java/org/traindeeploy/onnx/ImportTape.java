package org.traindeeploy.onnx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/**
 * The graph-building calls of one import, in order: each initializer, input, emission of an ONNX
 * node's IR (with the choices that depend on whether an input is a constant: folding, a compile-time
 * read, a cast or reshape of a constant), state update and output. The importer makes every call
 * through {@link #perform}, which runs it on the import's own graph and, when recording, keeps it.
 *
 * <p>A candidate import ({@link OnnxImporter#importCandidates}) records, with every floating
 * initializer left undecided (state on its own graph). {@link #replay} runs the same calls on a fresh
 * graph with a chosen trainable set: the other floating initializers become constants and everything
 * that depends only on constants folds, exactly as a direct import with that set would have done it
 * (same calls, same order, so the same names, ids and node order), without reading the file or running
 * the op importers again.
 */
final class ImportTape {
    /** One graph-building call: it runs on {@code r}'s graph and returns the values it defines, in order. */
    interface Step {
        List<Value> run(Run r);
    }

    /** A recorded call, the ONNX node it belongs to (null outside nodes: initializers, inputs, outputs) and the values it defined. */
    private record Entry(String where, Step step, List<Value> defined) {}

    /** Where calls run: a graph, how recorded values map to it, and which initializers are state. */
    static final class Run {
        final Graph graph;
        /** Recorded value → this run's value; null on the recording run (every value is its own). */
        private final Map<Value, Value> map;
        private final Set<String> trainable;
        /** On a candidate recording run: the undecided floating initializers (state on that graph only); else null. */
        private final Set<Value> undecided;
        /** Emissions of the current ONNX node so far (the first takes the node's name). */
        int emitted;

        private Run(Graph graph, Map<Value, Value> map, Set<String> trainable, Set<Value> undecided) {
            this.graph = graph;
            this.map = map;
            this.trainable = trainable;
            this.undecided = undecided;
        }

        /** This run's value for a recorded one (null stays null). */
        Value v(Value recorded) {
            if (recorded == null || map == null) return recorded;
            Value v = map.get(recorded);
            if (v == null) throw new IllegalStateException("replayed import: no value for " + recorded);
            return v;
        }

        List<Value> all(List<Value> recorded) {
            List<Value> out = new ArrayList<>(recorded.size());
            for (Value v : recorded) out.add(v(v));
            return out;
        }

        /** Whether the initializer {@code name} is state on this graph: undecided ones on a candidate run, else the trainable ones. */
        boolean isState(String name, boolean floating) { return undecided != null ? floating : trainable.contains(name); }

        /** Whether this is a candidate import's recording run (floating initializers undecided). */
        boolean candidates() { return undecided != null; }

        /** Whether {@code v} is an undecided initializer of a candidate run. */
        boolean undecided(Value v) { return undecided != null && undecided.contains(v); }

        /**
         * The compile-time value of {@code v} (a constant, an undecided initializer, or on a candidate
         * run a node computed from those alone within the folding budget, evaluated as folding would),
         * or null; the undecided initializers it comes from go into {@code leaves}.
         */
        Tensor valueAtCompileTime(Value v, Set<Value> leaves) {
            return valueAtCompileTime(v, leaves, new IdentityHashMap<>());
        }

        private Tensor valueAtCompileTime(Value v, Set<Value> leaves, Map<Value, Tensor> memo) {
            if (v.isConstant()) return v.data();
            if (undecided(v)) {
                leaves.add(v);
                return v.data();
            }
            if (undecided == null || v.producer() == null) return null;
            Tensor known = memo.get(v);
            if (known != null) return known;
            Node n = v.producer();
            if (!n.op().isFoldable()) return null;
            List<Tensor> in = new ArrayList<>();
            for (Value x : n.inputs()) {
                if (x == null) {
                    in.add(null);
                    continue;
                }
                Tensor t = valueAtCompileTime(x, leaves, memo);
                if (t == null) return null;
                in.add(t);
            }
            List<TensorType> types = new ArrayList<>();
            for (Value o : n.outputs()) types.add(o.type());
            if (!Graph.withinFoldingBudget(n.op(), n.inputs(), types)) return null;
            List<Tensor> out;
            try {
                out = n.op().evaluate(in);
            } catch (CompileException e) { // as folding the node reports it (a direct import folds it where it is added)
                throw new CompileException("node '" + n.name() + "' (" + n.op().opType() + "): " + e.getMessage());
            }
            for (int i = 0; i < n.outputs().size(); i++) memo.put(n.outputs().get(i), out.get(i).roundToType());
            return memo.get(v);
        }

        void markUndecided(Value v) { undecided.add(v); }
    }

    private final List<Entry> entries;
    private final Run own;
    private String where;

    /** A tape for an import onto {@code graph}: recording (a candidate import) or not (a direct import with {@code trainable}). */
    ImportTape(Graph graph, Set<String> trainable, boolean record) {
        this.entries = record ? new ArrayList<>() : null;
        this.own = new Run(graph, null, trainable, record ? Collections.newSetFromMap(new IdentityHashMap<>()) : null);
    }

    Graph graph() { return own.graph; }

    Run own() { return own; }

    /** The calls that follow belong to the ONNX node {@code where} names (as errors name it). */
    void beginNode(String where) {
        this.where = where;
        perform(r -> {
            r.emitted = 0;
            return List.of();
        });
    }

    void endNode() { where = null; }

    /** Run {@code s} on the import's graph, and keep it when recording. */
    List<Value> perform(Step s) {
        List<Value> defined = s.run(own);
        if (entries != null) entries.add(new Entry(where, s, List.copyOf(defined)));
        return defined;
    }

    /** Mark an initializer of the recording run undecided. */
    void undecided(Value v) { own.markUndecided(v); }

    /** The undecided initializers' names, in file order. */
    List<String> undecidedNames() {
        List<String> out = new ArrayList<>();
        for (Value v : own.graph.values()) if (own.undecided(v)) out.add(v.name());
        return out;
    }

    /**
     * The recorded calls run again on a fresh graph: the initializers in {@code trainable} become state,
     * every other one a constant. Errors name the ONNX node as the import names them.
     */
    Graph replay(Set<String> trainable) {
        if (entries == null) throw new IllegalStateException("this import was not recorded");
        Run r = new Run(new Graph(), new IdentityHashMap<>(), Set.copyOf(trainable), null);
        for (Entry e : entries) {
            List<Value> defined;
            if (e.where() == null) {
                defined = e.step().run(r);
            } else {
                try {
                    defined = e.step().run(r);
                } catch (CompileException ex) {
                    String msg = ex.getMessage();
                    throw new CompileException(msg.startsWith("node '") ? msg : e.where() + ": " + msg, ex);
                } catch (RuntimeException ex) {
                    throw new IllegalStateException("while importing " + e.where() + ": " + ex, ex);
                }
            }
            if (defined.size() != e.defined().size()) {
                throw new IllegalStateException("replayed import: " + (e.where() == null ? "a call" : e.where()) + " defined " + defined.size() + " values, recorded " + e.defined().size());
            }
            for (int i = 0; i < defined.size(); i++) r.map.put(e.defined().get(i), defined.get(i));
        }
        return r.graph;
    }
}
