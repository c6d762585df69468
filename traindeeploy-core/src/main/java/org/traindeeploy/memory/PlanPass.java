package org.traindeeploy.memory;

import java.util.Locale;
import java.util.Set;
import org.traindeeploy.ir.Value;
import org.traindeeploy.passes.Compilation;
import org.traindeeploy.passes.Product;
import org.traindeeploy.passes.ProducingPass;
import org.traindeeploy.target.Target;

/**
 * The memory plan of the back half: every buffer of the scheduled step placed at its level and offset
 * ({@link MemoryPlanner}). {@code keep}: values that live to the end of the step (the output, the loss,
 * and the trained tensors' gradients when the harness reads them).
 */
public record PlanPass(Target target, Set<Value> keep) implements ProducingPass<MemoryPlan> {
    public static final Product<MemoryPlan> PLAN = Product.named("plan");

    @Override public String name() { return "plan"; }

    @Override public String summary() { return "place every buffer at a level and offset (arena for activations and gradients, static for weights and state)"; }

    @Override public Set<String> requires() { return Set.of("schedule"); }

    @Override public Product<MemoryPlan> product() { return PLAN; }

    @Override public boolean rewritesGraph() { return false; }

    @Override public MemoryPlan produce(Compilation c) { return MemoryPlanner.plan(c.graph(), target, keep); }

    @Override public String text(MemoryPlan p, Compilation c) { return text(p); }

    /** The plan as text: its totals, then one line per buffer (id, level+offset, bytes, live steps, values). */
    public static String text(MemoryPlan p) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "plan: main %s, arena %d B (lower bound %d B), %s used %d B, L3 used %d B, static %d B, %d buffers%n",
                p.mainLevel(), p.arenaBytes(), p.lowerBoundBytes(), p.mainLevel(), p.mainLevelBytes(), p.l3Bytes(), p.staticBytes(), p.buffers().size()));
        for (Buffer b : p.buffers()) {
            sb.append(String.format(Locale.ROOT, "  buf%d %s+%d %d B %s %d..%d:", b.id(), b.level(), b.offset(), b.size(),
                    b.isStatic() ? "static" : "live", b.start(), b.end()));
            for (Value v : b.values()) sb.append(' ').append(v.name());
            sb.append('\n');
        }
        return sb.toString();
    }
}
