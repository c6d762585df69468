package org.traindeeploy.passes;

import java.util.Set;
import org.traindeeploy.ir.Graph;

/**
 * A named graph transformation. Passes are stateless: their options are record components and
 * their context is the graph (or, for passes that read earlier passes' results, the {@link Compilation}). {@link #requires()} names passes that must have run before, so a
 * wrong pipeline order is an error, not a silent bug.
 */
public interface Pass {
    /** Short kebab-case name, used by {@code --print-ir-after}. */
    String name();

    /** One line saying what the pass does. */
    String summary();

    default Set<String> requires() { return Set.of(); }

    /** Transform the graph in place; returns whether anything changed. */
    boolean run(Graph g);

    /**
     * Run on a compilation: a graph pass transforms its graph; a pass that needs earlier passes'
     * records ({@link ProducingPass}, {@link FunctionPass}) reads them from it.
     */
    default boolean run(Compilation c) { return run(c.graph()); }
}
