package org.traindeeploy.schedule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.passes.Pass;

/**
 * Orders the training step to lower its memory peak: a list scheduler over the dependency graph
 * that runs first any ready node that frees at least as much memory as it allocates (an optimizer
 * update frees its gradient at once; a backward node frees the activations it last reads), and
 * otherwise keeps the program order. A state's update is ordered after every other reader of the
 * state, so that the update can be written in place.
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
            for (Value v : n.inputs()) {
                if (v != null && v.producer() != null && pos.containsKey(v.producer())) edge(succ, pending, v.producer(), n);
            }
        }
        // Readers of a state come before the node that computes its next value.
        g.stateUpdates().forEach((state, next) -> {
            Node upd = next.producer();
            if (upd == null) return;
            for (Node reader : users.getOrDefault(state, List.of())) {
                if (reader != upd && !dependsOn(reader, upd)) edge(succ, pending, reader, upd);
            }
        });
        Map<Value, Integer> remainingReads = new IdentityHashMap<>();
        for (Map.Entry<Value, List<Node>> e : users.entrySet()) remainingReads.put(e.getKey(), e.getValue().size());
        Set<Value> pinned = Collections.newSetFromMap(new IdentityHashMap<>());
        pinned.addAll(g.outputs());
        pinned.addAll(g.stateUpdates().values());
        PriorityQueue<Node> ready = new PriorityQueue<>((a, b) -> {
            boolean fa = net(a, remainingReads, pinned) <= 0;
            boolean fb = net(b, remainingReads, pinned) <= 0;
            if (fa != fb) return fa ? -1 : 1;
            return Integer.compare(pos.get(a), pos.get(b));
        });
        for (Node n : nodes) if (pending.get(n) == 0) ready.add(n);
        List<Node> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            Node n = ready.poll();
            order.add(n);
            for (Value v : distinctInputs(n)) remainingReads.merge(v, -1, Integer::sum);
            for (Node s : succ.getOrDefault(n, List.of())) if (pending.merge(s, -1, Integer::sum) == 0) ready.add(s);
            // Readiness priorities changed (reads consumed): rebuild the queue.
            List<Node> r = new ArrayList<>(ready);
            ready.clear();
            ready.addAll(r);
        }
        if (order.size() != nodes.size()) throw new IllegalStateException("scheduling constraints form a cycle");
        boolean changed = !order.equals(nodes);
        g.reorder(order);
        return changed;
    }

    private static boolean dependsOn(Node a, Node b) {
        // Whether a (transitively) reads b's outputs; small graphs, plain DFS.
        java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(List.of(a));
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n)) continue;
            for (Value v : n.inputs()) {
                if (v == null || v.producer() == null) continue;
                if (v.producer() == b) return true;
                todo.push(v.producer());
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
