package org.traindeeploy.memory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Reshape;

/**
 * Lifetimes of every value over the scheduled step, grouped into buffers:
 * <ul>
 * <li>a value is live from the step that defines it (inputs: step 0) to its last reader; graph
 *     outputs and next-state values to the end of the step;</li>
 * <li>a Reshape's output is a view of its input (same bytes, never copied);</li>
 * <li>an op that {@link org.traindeeploy.ops.Op#canRunInPlace()} writes its output over its first
 *     input when that input (a computed value of the same size) is read for the last time there;</li>
 * <li>a state's next value is written over the state when the update node is the state's last reader;
 *     otherwise it gets its own buffer and is copied back at the end of the step.</li>
 * </ul>
 */
public final class Liveness {
    private final List<Buffer> buffers;
    private final Map<Value, Buffer> bufferOf;
    private final int steps;

    private Liveness(List<Buffer> buffers, Map<Value, Buffer> bufferOf, int steps) {
        this.buffers = buffers;
        this.bufferOf = bufferOf;
        this.steps = steps;
    }

    public List<Buffer> buffers() { return buffers; }

    public Buffer bufferOf(Value v) { return bufferOf.get(v); }

    /** Number of scheduled nodes; static buffers live over [0, steps]. */
    public int steps() { return steps; }

    public static Liveness of(Graph g) { return of(g, java.util.Set.of()); }

    /**
     * Lifetimes where the values in {@code keep} also live to the end of the step and are never
     * overwritten in place (e.g. gradients a test harness reads after the step).
     */
    public static Liveness of(Graph g, java.util.Set<Value> keep) {
        List<Node> nodes = g.nodes();
        int n = nodes.size();
        Map<Value, Integer> lastUse = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) for (Value v : nodes.get(i).inputs()) if (v != null) lastUse.put(v, i);
        for (Value v : g.outputs()) lastUse.put(v, n);
        for (Value v : g.stateUpdates().values()) lastUse.put(v, n);
        for (Value v : keep) if (v != null) lastUse.put(v, n);
        // Union-find of values sharing storage, with the size of each group at its root.
        Map<Value, Value> parent = new IdentityHashMap<>();
        Map<Value, Integer> members = new IdentityHashMap<>();
        Map<Value, Integer> def = new IdentityHashMap<>();
        for (Value v : g.values()) {
            parent.put(v, v);
            members.put(v, 1);
            def.put(v, 0);
        }
        java.util.Set<Value> outside = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        outside.addAll(g.outputs());
        outside.addAll(g.stateUpdates().values());
        Map<Node, Integer> position = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) position.put(nodes.get(i), i);
        for (int i = 0; i < n; i++) {
            Node node = nodes.get(i);
            for (Value o : node.outputs()) def.put(o, i);
            Value in = node.input(0);
            Value out = node.outputs().get(0);
            if (in == null) continue;
            boolean sameSize = in.type().bytes() == out.type().bytes();
            if (node.op() instanceof Reshape && in.kind() == Value.Kind.NODE) {
                union(parent, members, out, in);
            } else if (node.op().canRunInPlace() && sameSize && in.kind() == Value.Kind.NODE
                    && lastUse.getOrDefault(in, -1) == i && !outside.contains(in) && !keep.contains(in) && !readsTwice(node, in) && find(parent, in) == in
                    && members.get(in) == 1) {
                // members == 1: no view shares in's bytes, so overwriting it clobbers nothing else.
                union(parent, members, out, in);
            }
        }
        // A state's next value overwrites the state when nothing reads the old value afterwards.
        g.stateUpdates().forEach((state, next) -> {
            Node upd = next.producer();
            int at = upd == null ? -1 : position.getOrDefault(upd, -1);
            if (upd != null && lastUse.getOrDefault(state, -1) <= at && find(parent, next) == next && next.kind() == Value.Kind.NODE) {
                union(parent, members, next, state);
            }
        });
        Map<Value, List<Value>> groups = new LinkedHashMap<>();
        for (Value v : g.values()) groups.computeIfAbsent(find(parent, v), k -> new ArrayList<>()).add(v);
        List<Buffer> buffers = new ArrayList<>();
        Map<Value, Buffer> bufferOf = new IdentityHashMap<>();
        for (Map.Entry<Value, List<Value>> e : groups.entrySet()) {
            List<Value> vs = e.getValue();
            boolean isStatic = vs.stream().anyMatch(v -> v.kind() == Value.Kind.CONSTANT || v.kind() == Value.Kind.STATE);
            int start = isStatic ? 0 : vs.stream().mapToInt(v -> def.getOrDefault(v, 0)).min().orElse(0);
            int end = isStatic ? n : vs.stream().mapToInt(v -> Math.max(lastUse.getOrDefault(v, def.getOrDefault(v, 0)), def.getOrDefault(v, 0))).max().orElse(0);
            long size = vs.stream().mapToLong(v -> v.type().bytes()).max().orElse(0);
            Buffer b = new Buffer(buffers.size(), vs, size, start, end, isStatic);
            buffers.add(b);
            for (Value v : vs) bufferOf.put(v, b);
        }
        return new Liveness(buffers, bufferOf, n);
    }

    private static boolean readsTwice(Node node, Value v) {
        int k = 0;
        for (Value x : node.inputs()) if (x == v) k++;
        return k > 1;
    }

    private static Value find(Map<Value, Value> parent, Value v) {
        Value root = v;
        while (parent.get(root) != root) root = parent.get(root);
        while (parent.get(v) != root) { // path compression
            Value next = parent.get(v);
            parent.put(v, root);
            v = next;
        }
        return root;
    }

    /** Make {@code child}'s group part of {@code root}'s group (root stays the representative). */
    private static void union(Map<Value, Value> parent, Map<Value, Integer> members, Value child, Value root) {
        Value c = find(parent, child);
        Value r = find(parent, root);
        if (c == r) return;
        parent.put(c, r);
        members.merge(r, members.get(c), Integer::sum);
    }
}
