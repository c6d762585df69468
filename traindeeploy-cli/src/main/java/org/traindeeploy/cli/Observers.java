package org.traindeeploy.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.function.BiConsumer;
import org.traindeeploy.passes.Compilation;
import org.traindeeploy.passes.Pass;

/** Pass observers for --print-ir-after. */
final class Observers {
    private Observers() {}

    /** Print the text of each chosen pass's result ({@link Compilation#print}: the graph, or the back half's record). */
    static BiConsumer<Pass, Compilation> printAfter(List<String> passes, PrintWriter out) {
        if (passes == null || passes.isEmpty()) return (p, c) -> { };
        return (p, c) -> {
            if (passes.contains(p.name())) {
                out.println("// ----- IR after " + p.name() + " -----");
                out.print(c.print(p));
            }
        };
    }
}
