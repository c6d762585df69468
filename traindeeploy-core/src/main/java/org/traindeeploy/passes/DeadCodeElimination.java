package org.traindeeploy.passes;

import org.traindeeploy.ir.Graph;

/** Removes nodes whose results nothing reads, and constants nothing refers to. */
public record DeadCodeElimination() implements Pass {
    @Override public String name() { return "dead-code"; }

    @Override public String summary() { return "remove nodes and constants that nothing reads"; }

    @Override public boolean run(Graph g) { return g.removeDeadCode() > 0; }
}
