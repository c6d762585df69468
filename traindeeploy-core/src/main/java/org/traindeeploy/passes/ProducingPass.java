package org.traindeeploy.passes;

import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Printer;

/**
 * A pass that takes the compilation (the graph and the records earlier passes produced) and returns
 * a typed record, stored under {@link #product()}: the training passes (loss, gradients) and the back
 * half (schedule, memory plan, tiles, lowered program). {@link #text} is its stable text form for
 * {@code --print-ir-after}.
 */
public interface ProducingPass<T> extends Pass {
    Product<T> product();

    T produce(Compilation c);

    /**
     * Whether the pass rewrites the graph: the manager then re-sorts it topologically and verifies it.
     * The back half only reads it (the schedule orders the nodes, which a re-sort must not undo).
     */
    default boolean rewritesGraph() { return true; }

    /** The text of the result; by default the graph after the pass. */
    default String text(T result, Compilation c) { return Printer.print(c.graph()); }

    @Override
    default boolean run(Compilation c) {
        c.put(product(), produce(c));
        return true;
    }

    @Override
    default boolean run(Graph g) { throw new IllegalStateException("pass '" + name() + "' runs on a compilation (PassManager.run(Compilation))"); }
}
