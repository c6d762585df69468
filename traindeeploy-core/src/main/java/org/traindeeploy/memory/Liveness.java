package org.traindeeploy.memory;

import java.util.ArrayList;
import java.util.List;
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
 * <li>an op that {@link org.traindeeploy.ir.Op#canRunInPlace()} writes its output over its first
 *     input when that input (a computed value of the same size) is read for the last time there;</li>
 * <li>a state's next value is written over the state when the update node is the state's last reader;
 *     otherwise it gets its own buffer and is copied back at the end of the step.</li>
 * </ul>
 */
public final class Liveness {
    private final List<Buffer> buffers;
    private final Buffer[] bufferById; // by Value.id()
    private final Value[] valueById;   // which value each id is (a value of another graph may share the id)
    private final int steps;

    private Liveness(List<Buffer> buffers, Buffer[] bufferById, Value[] valueById, int steps) {
        this.buffers = buffers;
        this.bufferById = bufferById;
        this.valueById = valueById;
        this.steps = steps;
    }

    public List<Buffer> buffers() { return buffers; }

    /** The buffer holding {@code v}, or null when {@code v} is not a value of the graph these lifetimes are of. */
    public Buffer bufferOf(Value v) {
        int id = v.id();
        return id < valueById.length && valueById[id] == v ? bufferById[id] : null;
    }

    /** Number of scheduled nodes; static buffers live over [0, steps]. */
    public int steps() { return steps; }

    public static Liveness of(Graph g) { return of(g, java.util.Set.of()); }

    /**
     * Lifetimes where the values in {@code keep} also live to the end of the step and are never
     * overwritten in place (e.g. gradients a test harness reads after the step).
     */
    public static Liveness of(Graph g, java.util.Set<Value> keep) {
        Groups gr = groups(g, g.nodes(), keep);
        int n = gr.steps;
        Value[] vals = gr.vals;
        int m = vals.length;
        // The values of each group side by side (a stable counting sort: each group in the order of vals).
        int[] first = new int[gr.count + 1];
        for (int k = 0; k < m; k++) first[gr.group[k] + 1]++;
        for (int gi = 0; gi < gr.count; gi++) first[gi + 1] += first[gi];
        Value[] byGroup = new Value[m];
        int[] fill = java.util.Arrays.copyOf(first, gr.count);
        for (int k = 0; k < m; k++) byGroup[fill[gr.group[k]]++] = vals[k];
        List<Value> all = java.util.Arrays.asList(byGroup);
        List<Buffer> buffers = new ArrayList<>(gr.count);
        Buffer[] bufferById = new Buffer[g.valueIdBound()];
        Value[] valueById = new Value[g.valueIdBound()];
        for (int gi = 0; gi < gr.count; gi++) {
            int a = first[gi];
            int b = first[gi + 1];
            // Immutable lists, so that the buffer keeps them without a copy.
            List<Value> vs = b - a == 1 ? List.of(byGroup[a]) : b - a == 2 ? List.of(byGroup[a], byGroup[a + 1]) : all.subList(a, b);
            boolean isStatic = gr.isStatic[gi];
            int start = isStatic ? 0 : gr.start[gi];
            int end = isStatic ? n : gr.end[gi];
            Buffer buf = new Buffer(buffers.size(), vs, gr.size[gi], start, end, isStatic);
            buffers.add(buf);
            for (int k = a; k < b; k++) {
                bufferById[byGroup[k].id()] = buf;
                valueById[byGroup[k].id()] = byGroup[k];
            }
        }
        return new Liveness(buffers, bufferById, valueById, n);
    }

    /**
     * The buffers of {@link #of(Graph)} as arrays, without building them: per buffer (indexed as
     * {@link Buffer#id()}) whether it is static, its size, its lifetime and how many values it holds;
     * per value id its buffer (−1 for none). For passes that follow lifetimes through local rewrites.
     */
    public record Lifetimes(int steps, int count, int[] bufferOfValueId, boolean[] isStatic, long[] size, int[] start, int[] end, int[] members) {}

    /** {@link #of(Graph)} as {@link Lifetimes}. */
    public static Lifetimes lifetimes(Graph g) {
        Groups gr = groups(g, g.nodes(), java.util.Set.of());
        int[] byId = new int[g.valueIdBound()];
        java.util.Arrays.fill(byId, -1);
        int[] members = new int[gr.count];
        int[] start = java.util.Arrays.copyOf(gr.start, gr.count);
        int[] end = java.util.Arrays.copyOf(gr.end, gr.count);
        for (int k = 0; k < gr.vals.length; k++) {
            byId[gr.vals[k].id()] = gr.group[k];
            members[gr.group[k]]++;
        }
        for (int gi = 0; gi < gr.count; gi++) {
            if (gr.isStatic[gi]) {
                start[gi] = 0;
                end[gi] = gr.steps;
            }
        }
        return new Lifetimes(gr.steps, gr.count, byId, java.util.Arrays.copyOf(gr.isStatic, gr.count), java.util.Arrays.copyOf(gr.size, gr.count), start, end, members);
    }

    /**
     * The largest total size (each rounded up to {@code align}) of the non-empty dynamic buffers
     * alive at one step: {@link MemoryPlanner}'s lower bound of {@code of(g)}, without building the
     * buffers (passes ask it once per judgement of the whole step).
     */
    public static long dynamicLowerBound(Graph g, int align) { return dynamicLowerBound(g, g.nodes(), align); }

    /** As {@link #dynamicLowerBound(Graph, int)} for the graph's nodes run in {@code order} (a permutation of them), without reordering the graph. */
    public static long dynamicLowerBound(Graph g, List<Node> order, int align) {
        Groups gr = groups(g, order, java.util.Set.of());
        long[] delta = new long[gr.steps + 2];
        for (int gi = 0; gi < gr.count; gi++) {
            if (gr.isStatic[gi] || gr.size[gi] == 0) continue;
            long bytes = MemoryPlanner.roundUp(gr.size[gi], align);
            delta[gr.start[gi]] += bytes;
            delta[gr.end[gi] + 1] -= bytes;
        }
        return MemoryPlanner.peakOfDeltas(delta);
    }

    /** Values grouped by shared storage: per value its group, per group (in order of first value) kind, size and lifetime. */
    private record Groups(int steps, Value[] vals, int[] group, int count, boolean[] isStatic, long[] size, int[] start, int[] end) {}

    private static Groups groups(Graph g, List<Node> nodes, java.util.Set<Value> keep) {
        int n = nodes.size();
        // Dense ids for the values (in the graph's order): the union-find and the lifetimes are arrays.
        java.util.Collection<Value> all = g.values();
        int m = all.size();
        Value[] vals = all.toArray(new Value[0]);
        int[] index = new int[g.valueIdBound()]; // by Value.id(): the value's place in vals, -1 for none
        java.util.Arrays.fill(index, -1);
        for (int k = 0; k < m; k++) index[vals[k].id()] = k;
        java.util.function.ToIntFunction<Value> id = v -> index[v.id()];
        int[] lastUse = new int[m];
        java.util.Arrays.fill(lastUse, -1);
        int[] def = new int[m];
        int[][] inputIds = new int[n][];
        for (int i = 0; i < n; i++) {
            Node node = nodes.get(i);
            List<Value> ins = node.inputs();
            int[] ids = new int[ins.size()];
            for (int k = 0; k < ids.length; k++) {
                Value v = ins.get(k);
                ids[k] = v == null ? -1 : id.applyAsInt(v);
                if (v != null) lastUse[ids[k]] = i;
            }
            inputIds[i] = ids;
            for (Value o : node.outputs()) def[id.applyAsInt(o)] = i;
        }
        for (Value v : g.outputs()) lastUse[id.applyAsInt(v)] = n;
        for (Value v : g.stateUpdates().values()) lastUse[id.applyAsInt(v)] = n;
        for (Value v : keep) {
            if (v != null && v.id() < index.length && index[v.id()] >= 0 && vals[index[v.id()]] == v) lastUse[index[v.id()]] = n;
        }
        // Union-find of values sharing storage, with the size of each group at its root.
        int[] parent = new int[m];
        int[] members = new int[m];
        for (int k = 0; k < m; k++) {
            parent[k] = k;
            members[k] = 1;
        }
        boolean[] outside = new boolean[m]; // graph outputs and next-state values, by dense id
        for (Value v : g.outputs()) outside[id.applyAsInt(v)] = true;
        for (Value v : g.stateUpdates().values()) outside[id.applyAsInt(v)] = true;
        for (int i = 0; i < n; i++) {
            Node node = nodes.get(i);
            Value in = node.input(0);
            Value out = node.outputs().get(0);
            if (in == null) continue;
            int inId = inputIds[i][0];
            int outId = id.applyAsInt(out);
            boolean sameSize = in.type().bytes() == out.type().bytes();
            if (node.op() instanceof Reshape && in.kind() == Value.Kind.NODE) {
                union(parent, members, outId, inId);
            } else if (node.op().canRunInPlace() && sameSize && in.kind() == Value.Kind.NODE
                    && lastUse[inId] == i && !outside[inId] && !keep.contains(in) && !readsTwice(node, in) && find(parent, inId) == inId
                    && members[inId] == 1) {
                // members == 1: no view shares in's bytes, so overwriting it clobbers nothing else.
                union(parent, members, outId, inId);
            }
        }
        // A state's next value overwrites the state when nothing reads the old value afterwards.
        int[] position = new int[g.nodeIdBound()];
        java.util.Arrays.fill(position, -1);
        for (int i = 0; i < n; i++) position[nodes.get(i).id()] = i;
        g.stateUpdates().forEach((state, next) -> {
            Node upd = next.producer();
            int at = upd == null ? -1 : position[upd.id()];
            int s = id.applyAsInt(state);
            int x = id.applyAsInt(next);
            if (upd != null && lastUse[s] <= at && find(parent, x) == x && next.kind() == Value.Kind.NODE) {
                union(parent, members, x, s);
            }
        });
        // Groups in the order of their first value; a buffer's lifetime spans its values'.
        int[] groupOf = new int[m];
        java.util.Arrays.fill(groupOf, -1);
        int[] group = new int[m];
        int count = 0;
        boolean[] isStatic = new boolean[m];
        long[] size = new long[m];
        int[] start = new int[m];
        int[] end = new int[m];
        for (int k = 0; k < m; k++) {
            int r = find(parent, k);
            int gi = groupOf[r];
            if (gi < 0) {
                gi = count++;
                groupOf[r] = gi;
                size[gi] = Long.MIN_VALUE;
                start[gi] = Integer.MAX_VALUE;
                end[gi] = Integer.MIN_VALUE;
            }
            group[k] = gi;
            Value v = vals[k];
            if (v.kind() == Value.Kind.CONSTANT || v.kind() == Value.Kind.STATE) isStatic[gi] = true;
            start[gi] = Math.min(start[gi], def[k]);
            end[gi] = Math.max(end[gi], Math.max(lastUse[k] >= 0 ? lastUse[k] : def[k], def[k]));
            size[gi] = Math.max(size[gi], v.type().bytes());
        }
        return new Groups(n, vals, group, count, isStatic, size, start, end);
    }

    private static boolean readsTwice(Node node, Value v) {
        int k = 0;
        for (Value x : node.inputs()) if (x == v) k++;
        return k > 1;
    }

    private static int find(int[] parent, int v) {
        int root = v;
        while (parent[root] != root) root = parent[root];
        while (parent[v] != root) { // path compression
            int next = parent[v];
            parent[v] = root;
            v = next;
        }
        return root;
    }

    /** Make {@code child}'s group part of {@code root}'s group (root stays the representative). */
    private static void union(int[] parent, int[] members, int child, int root) {
        int c = find(parent, child);
        int r = find(parent, root);
        if (c == r) return;
        parent[c] = r;
        members[r] += members[c];
    }
}
