package org.traindeeploy.schedule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.memory.MemoryPlanner;
import org.traindeeploy.passes.Recomputation;

/**
 * Recomputes cheap activations for the backward pass instead of keeping them alive through it,
 * when that lowers the memory peak. A candidate is a forward node without multiply-accumulates
 * (layer norm, activation functions, elementwise and data movement ops) whose output the backward
 * pass reads and whose inputs the backward pass keeps anyway (or are weights). Its backward readers
 * get a copy of the node instead; each copy is kept only if the schedule's lower bound of the
 * dynamic memory drops.
 */
public final class Recompute {
    private Recompute() {}

    /** At most this many candidates are tried; fewer on large graphs, so that trials × nodes stays within the budget. */
    static final int MAX_TRIALS = 48;
    static final long WORK_BUDGET = 200_000;

    /** Applies recomputation to {@code g}; returns the copies made (nodes of the backward pass). */
    public static List<Node> apply(Graph g, Set<Node> backward) {
        // The scheduler's result depends on the order it starts from: always start from the program
        // order (copies placed just before their first reader), and leave the graph in that order.
        List<Node> order = new ArrayList<>(g.nodes());
        // The bound of the starting order is needed only once a copy is tried (on most graphs no
        // candidate qualifies, and a schedule of the whole step is the cost of this pass).
        long best = -1;
        List<Node> kept = new ArrayList<>();
        // Largest activations first, a bounded number of trials (each one schedules the whole step).
        List<Node> forward = new ArrayList<>(order);
        Collections.reverse(forward);
        forward.removeIf(n -> backward.contains(n) || !cheap(n));
        forward.sort(java.util.Comparator.comparingLong((Node n) -> n.output(0).type().bytes()).reversed());
        int trials = (int) Math.max(4, Math.min(MAX_TRIALS, WORK_BUDGET / Math.max(1, order.size())));
        if (forward.size() > trials) forward = forward.subList(0, trials);
        Map<Value, List<Node>> users = g.users(); // a view of the graph's reader index
        for (Node n : forward) {
            Value v = n.output(0);
            List<Node> readersInBackward = new ArrayList<>();
            for (Node u : users.getOrDefault(v, List.of())) if (backward.contains(u)) readersInBackward.add(u);
            if (readersInBackward.isEmpty() || g.isUsedOutsideNodes(v) || !inputsKeptAnyway(n, users, backward)) continue;
            if (best < 0) best = scheduledLowerBound(g, order);
            Node copy = Recomputation.copyFor(g, n, readersInBackward);
            if (copy == null) continue; // folded to a constant: nothing to recompute
            List<Node> trial = new ArrayList<>(order);
            int first = trial.size();
            for (Node u : readersInBackward) first = Math.min(first, trial.indexOf(u));
            trial.add(first, copy);
            long now = scheduledLowerBound(g, trial);
            if (now < best) {
                best = now;
                order = trial;
                kept.add(copy);
                backward.add(copy);
            } else {
                g.replaceAllUses(copy.output(0), v);
                g.removeNode(copy);
            }
        }
        if (best >= 0) g.reorder(order);
        return kept;
    }

    /** Lower bound of the dynamic memory after scheduling from {@code order}. */
    public static long scheduledLowerBound(Graph g, List<Node> order) {
        if (!sameOrder(g.nodes(), order)) g.reorder(order);
        new MemoryAwareScheduler().run(g);
        return MemoryPlanner.dynamicLowerBound(g);
    }

    /**
     * Schedules {@code g} unless its current order has a lower memory lower bound than the scheduler's
     * (then the order stays); returns the bound of the order left.
     */
    public static long scheduleNoWorse(Graph g) {
        List<Node> given = new ArrayList<>(g.nodes());
        if (!new MemoryAwareScheduler().run(g)) return MemoryPlanner.dynamicLowerBound(g); // already in the scheduler's order
        return keepBetter(g, given);
    }

    /** As {@link #scheduleNoWorse} when the bound is not needed: nothing but the scheduler's check when the order is already its own. */
    public static void scheduleNoWorseOrder(Graph g) {
        List<Node> given = new ArrayList<>(g.nodes());
        if (new MemoryAwareScheduler().run(g)) keepBetter(g, given);
    }

    /** {@code g} in the scheduler's order, or back in {@code given} when that order's bound is lower; returns the bound of the order left. */
    private static long keepBetter(Graph g, List<Node> given) {
        long scheduled = MemoryPlanner.dynamicLowerBound(g);
        long kept = org.traindeeploy.memory.Liveness.dynamicLowerBound(g, given, 4);
        if (scheduled <= kept) return scheduled;
        g.reorder(given);
        return kept;
    }

    private static boolean sameOrder(List<Node> a, List<Node> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (a.get(i) != b.get(i)) return false;
        return true;
    }

    /** No multiply-accumulates, one output, not a view (views cost nothing to keep). */
    static boolean cheap(Node n) {
        if (!Recomputation.recomputable(n)) return false;
        List<TensorType> in = new ArrayList<>();
        for (Value v : n.inputs()) in.add(v == null ? null : v.type());
        return n.op().macs(in, List.of(n.output(0).type())) == 0;
    }

    /** Every input is a weight/constant or is itself read by the backward pass. */
    static boolean inputsKeptAnyway(Node n, Map<Value, List<Node>> users, Set<Node> backward) {
        for (Value v : n.inputs()) {
            if (v == null || v.kind() != Value.Kind.NODE && v.kind() != Value.Kind.INPUT) continue;
            boolean readInBackward = false;
            for (Node u : users.getOrDefault(v, List.of())) readInBackward |= backward.contains(u);
            if (!readInBackward) return false;
        }
        return true;
    }

}
