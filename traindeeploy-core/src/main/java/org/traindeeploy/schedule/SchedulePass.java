package org.traindeeploy.schedule;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.traindeeploy.ir.Node;
import org.traindeeploy.passes.Compilation;
import org.traindeeploy.passes.Product;
import org.traindeeploy.passes.ProducingPass;

/**
 * The first pass of the back half: orders the step's nodes for memory ({@link MemoryAwareScheduler})
 * and returns that order, or keeps the given order when its memory lower bound is lower (fuse-residual
 * judges its fusions over the order it leaves). The graph's node list is left in it (the plan and the code follow it).
 */
public record SchedulePass() implements ProducingPass<SchedulePass.Schedule> {
    public static final Product<Schedule> SCHEDULE = Product.named("schedule");

    /** The nodes in the order the step runs them. */
    public record Schedule(List<Node> order) {
        /** One line per node: its step, name and op. */
        public String text() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "schedule: %d nodes%n", order.size()));
            for (int i = 0; i < order.size(); i++) {
                Node n = order.get(i);
                sb.append(String.format(Locale.ROOT, "  %4d %s (%s)%n", i, n.name(), n.op().opType()));
            }
            return sb.toString();
        }
    }

    @Override public String name() { return "schedule"; }

    @Override public String summary() { return new MemoryAwareScheduler().summary(); }

    @Override public Product<Schedule> product() { return SCHEDULE; }

    @Override public boolean rewritesGraph() { return false; }

    @Override
    public Schedule produce(Compilation c) {
        Recompute.scheduleNoWorseOrder(c.graph());
        return new Schedule(List.copyOf(c.graph().nodes()));
    }

    @Override public String text(Schedule s, Compilation c) { return s.text(); }

    @Override public Set<String> requires() { return Set.of(); }
}
