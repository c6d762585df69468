package org.traindeeploy.passes;

import java.util.Set;
import java.util.function.Consumer;
import org.traindeeploy.ir.Graph;

/** A pass given by a function, for pipeline steps whose options and results live in the caller. */
public record FunctionPass(String name, String summary, Set<String> requires, Consumer<Graph> body) implements Pass {
    @Override
    public boolean run(Graph g) {
        body.accept(g);
        return true;
    }
}
