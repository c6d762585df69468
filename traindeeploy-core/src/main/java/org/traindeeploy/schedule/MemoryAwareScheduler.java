package org.traindeeploy.schedule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.passes.Pass;

/**
 * Orders the training step to lower its memory peak: a list scheduler over the dependency graph
 * that runs first any ready node that frees at least as much memory as it allocates (an optimizer
 * update frees its gradient at once; a backward node frees the activations it last reads), and
 * otherwise keeps the program order. A state's update is ordered after every other reader of the
 * state, so that the update can be written in place. Runs in O(E log N): a ready node's priority
 * is refreshed only when a value it reads loses a reader.
 */
public record MemoryAwareScheduler() implements Pass {
    @Override public String name() { return "schedule"; }

    @Override public String summary() { return "order nodes to lower the memory peak (updates right after their gradients)"; }

    @Override
    public boolean run(Graph g) {
        List<Node> nodes = g.nodes();
        Map<Node, Integer> pos = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) pos.put(nodes.get(i), i);
        Map<Node, List<Node>> succ = new IdentityHashMap<>();
        Map<Node, Integer> pending = new IdentityHashMap<>();
        for (Node n : nodes) pending.put(n, 0);
        Map<Value, List<Node>> users = g.users();
        for (Node n : nodes) {
            for (Value v : distinctInputs(n)) {
                if (v.producer() != null && pos.containsKey(v.producer())) edge(succ, pending, v.producer(), n);
            }
        }
        // Readers of a state come before the node that computes its next value (unless they depend on it).
        g.stateUpdates().forEach((state, next) -> {
            Node upd = next.producer();
            if (upd == null) return;
            for (Node reader : users.getOrDefault(state, List.of())) {
                if (reader != upd && !dependsOn(reader, upd, pos)) edge(succ, pending, reader, upd);
            }
        });
        Map<Value, Integer> remainingReads = new IdentityHashMap<>();
        for (Map.Entry<Value, List<Node>> e : users.entrySet()) remainingReads.put(e.getKey(), e.getValue().size());
        Set<Value> pinned = Collections.newSetFromMap(new IdentityHashMap<>());
        pinned.addAll(g.outputs());
        pinned.addAll(g.stateUpdates().values());
        Map<Node, Boolean> frees = new IdentityHashMap<>();
        Comparator<Node> byPriority = (a, b) -> {
            boolean fa = frees.get(a);
            boolean fb = frees.get(b);
            if (fa != fb) return fa ? -1 : 1;
            return Integer.compare(pos.get(a), pos.get(b));
        };
        TreeSet<Node> ready = new TreeSet<>(byPriority);
        Set<Node> isReady = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Node n : nodes) {
            if (pending.get(n) == 0) {
                frees.put(n, net(n, remainingReads, pinned) <= 0);
                ready.add(n);
                isReady.add(n);
            }
        }
        List<Node> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            Node n = ready.pollFirst();
            isReady.remove(n);
            order.add(n);
            for (Value v : distinctInputs(n)) {
                // Readers still waiting may now free v: refresh those that are ready. A reader's priority
                // depends on v only through "v has one read left", so only the step down to 1 can change it.
                if (remainingReads.merge(v, -1, Integer::sum) != 1) continue;
                for (Node r : users.getOrDefault(v, List.of())) {
                    if (r != n && isReady.contains(r) && ready.remove(r)) {
                        frees.put(r, net(r, remainingReads, pinned) <= 0);
                        ready.add(r);
                    }
                }
            }
            for (Node s : succ.getOrDefault(n, List.of())) {
                if (pending.merge(s, -1, Integer::sum) == 0) {
                    frees.put(s, net(s, remainingReads, pinned) <= 0);
                    ready.add(s);
                    isReady.add(s);
                }
            }
        }
        if (order.size() != nodes.size()) throw new IllegalStateException("scheduling constraints form a cycle");
        boolean changed = !order.equals(nodes);
        g.reorder(order);
        return changed;
    }

    /** Whether a (transitively) reads b's outputs; only nodes after b in program order can. */
    private static boolean dependsOn(Node a, Node b, Map<Node, Integer> pos) {
        int bp = pos.get(b);
        if (pos.get(a) < bp) return false;
        java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(List.of(a));
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n)) continue;
            for (Value v : n.inputs()) {
                if (v == null || v.producer() == null) continue;
                if (v.producer() == b) return true;
                if (pos.getOrDefault(v.producer(), -1) > bp) todo.push(v.producer());
            }
        }
        return false;
    }

    private static void edge(Map<Node, List<Node>> succ, Map<Node, Integer> pending, Node from, Node to) {
        succ.computeIfAbsent(from, k -> new ArrayList<>()).add(to);
        pending.merge(to, 1, Integer::sum);
    }

    private static List<Value> distinctInputs(Node n) {
        List<Value> out = new ArrayList<>();
        for (Value v : n.inputs()) if (v != null && !out.contains(v)) out.add(v);
        return out;
    }

    /** Bytes this node allocates minus the bytes of node-produced inputs it reads for the last time. */
    private static long net(Node n, Map<Value, Integer> remainingReads, Set<Value> pinned) {
        long alloc = 0;
        for (Value o : n.outputs()) alloc += o.type().bytes();
        long freed = 0;
        for (Value v : distinctInputs(n)) {
            if (v.kind() == Value.Kind.NODE && !pinned.contains(v) && remainingReads.getOrDefault(v, 0) == 1) freed += v.type().bytes();
        }
        return alloc - freed;
    }
}
