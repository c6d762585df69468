package org.traindeeploy.passes;

import java.util.Set;
import org.traindeeploy.ir.Graph;

/**
 * A named graph transformation. Passes are stateless: their options are record components and
 * their context is the graph. {@link #requires()} names passes that must have run before, so a
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
}
