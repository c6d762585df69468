package org.traindeeploy.passes;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Verifier;

/**
 * Runs passes in order, checking each pass's prerequisites. A graph pass transforms the graph; a
 * {@link ProducingPass} takes the {@link Compilation} and returns a record the manager stores for the
 * passes after it. After each pass that rewrites the graph the nodes are re-sorted topologically (a
 * no-op check when the order is already topological); the {@link Verifier} runs once after the last
 * pass that rewrites the graph, or after every such pass when {@link Verifier#afterEveryPass()}
 * (-Dtraindeeploy.verify=each, to find which pass broke the graph). An observer sees every pass with
 * the compilation (for --print-ir-after: {@link Compilation#print}).
 */
public final class PassManager {
    private final List<Pass> passes = new ArrayList<>();
    private final Set<String> done = new LinkedHashSet<>();
    private BiConsumer<Pass, Compilation> after = (p, c) -> { };

    public PassManager add(Pass p) {
        passes.add(p);
        return this;
    }

    public PassManager addAll(List<? extends Pass> ps) {
        passes.addAll(ps);
        return this;
    }

    /** Called after every pass with the pass and the compilation (for --print-ir-after). */
    public PassManager observe(BiConsumer<Pass, Compilation> observer) {
        this.after = observer;
        return this;
    }

    /** Passes already applied to the graph before this manager runs (e.g. by an earlier pipeline). */
    public PassManager alreadyRan(Set<String> names) {
        done.addAll(names);
        return this;
    }

    public Set<String> ran() { return done; }

    /** Run on a graph alone (graph passes only need the graph). */
    public Compilation run(Graph g) { return run(new Compilation(g)); }

    private static boolean rewrites(Pass p) { return !(p instanceof ProducingPass<?> pp) || pp.rewritesGraph(); }

    public Compilation run(Compilation c) {
        Graph g = c.graph();
        boolean each = Verifier.afterEveryPass();
        int lastRewrite = -1;
        for (int i = 0; i < passes.size(); i++) if (rewrites(passes.get(i))) lastRewrite = i;
        for (int i = 0; i < passes.size(); i++) {
            Pass p = passes.get(i);
            for (String r : p.requires()) {
                if (!done.contains(r)) throw new IllegalStateException("pass '" + p.name() + "' requires '" + r + "' to run first");
            }
            p.run(c);
            if (rewrites(p)) {
                g.sortTopologically();
                if (each || i == lastRewrite) {
                    try {
                        Verifier.verify(g);
                    } catch (IllegalStateException e) {
                        throw new IllegalStateException((each ? "after pass '" : "after the passes up to '") + p.name() + "': " + e.getMessage(), e);
                    }
                }
            }
            done.add(p.name());
            after.accept(p, c);
        }
        return c;
    }
}
