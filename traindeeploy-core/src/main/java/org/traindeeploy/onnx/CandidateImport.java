package org.traindeeploy.onnx;

import java.util.List;
import java.util.Set;
import org.traindeeploy.ir.Graph;

/**
 * A model imported once with every floating initializer undecided: frozen or trained is chosen later,
 * by {@link #freeze}, once the training selection is known (the selection itself may need the import:
 * {@code --train all} leaves out what ops read at compile time, {@code --train last} looks at the
 * normalized layers). Immutable after the import: strategies of one model may freeze it concurrently,
 * each getting a graph of its own.
 */
public final class CandidateImport {
    private final Graph graph;
    private final ImportTape tape;
    private final Integer batch;

    CandidateImport(Graph graph, ImportTape tape, Integer batch) {
        this.graph = graph;
        this.tape = tape;
        this.batch = batch;
    }

    /** The batch size bound to a symbolic leading input dimension (null: none given). */
    public Integer batch() { return batch; }

    /**
     * The initializers ops read as compile-time values (a Clip's bounds, a Reshape's shape, and the
     * initializers such a value is computed from): they stay constants, whatever is selected.
     */
    public Set<String> readAtCompileTime() { return graph.readAtCompileTime(); }

    /** The floating initializers, undecided until {@link #freeze}, in file order. */
    public List<String> undecided() { return tape.undecidedNames(); }

    /**
     * The freeze pass: the graph with the initializers in {@code trainable} as state and every other
     * one a constant, with the constant folding the importer does, the same graph a direct import with
     * {@code trainable} gives (the import's graph-building calls replayed on a fresh graph; no file read,
     * no op importer runs). Errors a selection causes (a trained Clip bound, a trained running
     * statistic) name the node as the import does.
     */
    public Graph freeze(Set<String> trainable) { return tape.replay(trainable); }
}
