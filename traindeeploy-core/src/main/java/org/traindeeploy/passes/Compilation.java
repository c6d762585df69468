package org.traindeeploy.passes;

import java.util.LinkedHashMap;
import java.util.Map;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Printer;

/**
 * What a pipeline of passes works on: the graph, and the typed records passes produced so far (a
 * {@link ProducingPass}'s result under its {@link Product} key: the loss, the gradients, the schedule,
 * the memory plan, the tiles, the lowered program). A pass reads what it needs from here and returns
 * its own result; nothing is passed through captured variables.
 */
public final class Compilation {
    private final Graph graph;
    private final Map<Product<?>, Object> products = new LinkedHashMap<>();

    public Compilation(Graph graph) { this.graph = graph; }

    public Graph graph() { return graph; }

    /** The record {@code key}'s pass produced; an error when that pass has not run. */
    public <T> T get(Product<T> key) {
        if (!products.containsKey(key)) throw new IllegalStateException("no " + key.name() + " yet: its pass has not run");
        @SuppressWarnings("unchecked") T t = (T) products.get(key);
        return t;
    }

    public boolean has(Product<?> key) { return products.containsKey(key); }

    /** Record a pass's result (the pass manager does this for every {@link ProducingPass}). */
    public <T> Compilation put(Product<T> key, T value) {
        products.put(key, value);
        return this;
    }

    /** The text {@code --print-ir-after} shows after pass {@code p}: its product's text, or the graph. */
    public String print(Pass p) {
        if (p instanceof ProducingPass<?> pp && has(pp.product())) return text(pp);
        return Printer.print(graph);
    }

    private <T> String text(ProducingPass<T> p) { return p.text(get(p.product()), this); }
}
