package org.traindeeploy.passes;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Verifier;

/**
 * Runs passes in order, checking each pass's prerequisites and re-sorting the nodes topologically
 * after each one (a no-op check when the order is already topological), and running the
 * {@link Verifier} once after the last pass, or after every pass when {@link Verifier#afterEveryPass()}
 * (-Dtraindeeploy.verify=each, to find which pass broke the graph). An observer can print the IR after chosen passes.
 */
public final class PassManager {
    private final List<Pass> passes = new ArrayList<>();
    private final Set<String> done = new LinkedHashSet<>();
    private BiConsumer<Pass, Graph> after = (p, g) -> { };

    public PassManager add(Pass p) {
        passes.add(p);
        return this;
    }

    /** Called after every pass with the pass and the graph (for --print-ir-after). */
    public PassManager observe(BiConsumer<Pass, Graph> observer) {
        this.after = observer;
        return this;
    }

    /** Passes already applied to the graph before this manager runs (e.g. by an earlier pipeline). */
    public PassManager alreadyRan(Set<String> names) {
        done.addAll(names);
        return this;
    }

    public Set<String> ran() { return done; }

    public void run(Graph g) {
        boolean each = Verifier.afterEveryPass();
        for (int i = 0; i < passes.size(); i++) {
            Pass p = passes.get(i);
            for (String r : p.requires()) {
                if (!done.contains(r)) throw new IllegalStateException("pass '" + p.name() + "' requires '" + r + "' to run first");
            }
            p.run(g);
            g.sortTopologically();
            if (each || i == passes.size() - 1) {
                try {
                    Verifier.verify(g);
                } catch (IllegalStateException e) {
                    throw new IllegalStateException((each ? "after pass '" : "after the passes up to '") + p.name() + "': " + e.getMessage(), e);
                }
            }
            done.add(p.name());
            after.accept(p, g);
        }
    }

}
