package org.traindeeploy.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.function.BiConsumer;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Printer;
import org.traindeeploy.passes.Pass;

/** Pass observers for --print-ir-after. */
final class Observers {
    private Observers() {}

    static BiConsumer<Pass, Graph> printAfter(List<String> passes, PrintWriter out) {
        if (passes == null || passes.isEmpty()) return (p, g) -> { };
        return (p, g) -> {
            if (passes.contains(p.name())) {
                out.println("// ----- IR after " + p.name() + " -----");
                out.print(Printer.print(g));
            }
        };
    }
}
