package org.traindeeploy.passes;

import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A {@link ProducingPass} given by a function of the compilation, for pipeline steps whose options are
 * the caller's (the training configuration): it reads earlier products from the compilation and
 * returns its own. {@code text} is null for passes whose text is the graph.
 */
public record Stage<T>(String name, String summary, Set<String> requires, Product<T> product, boolean rewritesGraph,
                       Function<Compilation, T> body, BiFunction<T, Compilation, String> printer) implements ProducingPass<T> {
    /** A stage that rewrites the graph, printed as the graph. */
    public static <T> Stage<T> of(String name, String summary, Set<String> requires, Product<T> product, Function<Compilation, T> body) {
        return new Stage<>(name, summary, requires, product, true, body, null);
    }

    @Override public T produce(Compilation c) { return body.apply(c); }

    @Override public String text(T result, Compilation c) { return printer == null ? ProducingPass.super.text(result, c) : printer.apply(result, c); }
}
