package org.traindeeploy.passes;

import java.util.Set;
import java.util.function.Consumer;
import org.traindeeploy.ir.Graph;

/**
 * A graph pass given by a function of the compilation, for pipeline steps whose options are the
 * caller's: it may read earlier passes' records ({@link Compilation#get}) and rewrites the graph.
 */
public record FunctionPass(String name, String summary, Set<String> requires, Consumer<Compilation> body) implements Pass {
    @Override
    public boolean run(Compilation c) {
        body.accept(c);
        return true;
    }

    @Override
    public boolean run(Graph g) { return run(new Compilation(g)); }
}
