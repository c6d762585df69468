package org.traindeeploy.schedule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.IntHeap;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.passes.Pass;

/**
 * Orders the training step to lower its memory peak: a list scheduler over the dependency graph
 * that runs first any ready node that frees at least as much memory as it allocates (an optimizer
 * update frees its gradient at once; a backward node frees the activations it last reads), and
 * otherwise keeps the program order. A state's update is ordered after every other reader of the
 * state, so that the update can be written in place. Runs in O(E log N): a ready node's priority
 * is refreshed only when a value it reads loses a reader; nodes and values are indexed densely once,
 * so the loop works on arrays (fuse-residual and recompute schedule the whole step per judgement).
 * <p>The scheduler is idempotent: from its own order it picks the same node at every step (each pick
 * is the ready node placed first in that order), so a graph it left unchanged since
 * ({@link Graph#modCount()}) is not scheduled again.
 */
public record MemoryAwareScheduler() implements Pass {
    /** Graphs in the order this scheduler left them, with their modification count then. */
    private static final Map<Graph, Long> SETTLED = Collections.synchronizedMap(new java.util.WeakHashMap<>());

    @Override public String name() { return "schedule"; }

    @Override public String summary() { return "order nodes to lower the memory peak (updates right after their gradients)"; }

    @Override
    public boolean run(Graph g) {
        Long settled = SETTLED.get(g);
        if (settled != null && settled == g.modCount()) return false;
        boolean changed = schedule(g);
        SETTLED.put(g, g.modCount());
        return changed;
    }

    /** Schedules {@code g} from its current order (whether or not it is already the scheduler's); returns whether the order changed. */
    static boolean schedule(Graph g) {
        List<Node> nodes = g.nodes();
        int n = nodes.size();
        // Dense indexes: nodes by position, values by first appearance; every map lookup happens once here.
        // By the graph's ids: position of each node (-1: not in the graph), dense index of each value read.
        int[] pos = new int[g.nodeIdBound()];
        java.util.Arrays.fill(pos, -1);
        for (int i = 0; i < n; i++) pos[nodes.get(i).id()] = i;
        int[] vid = new int[g.valueIdBound()];
        java.util.Arrays.fill(vid, -1);
        List<Value> vals = new ArrayList<>();
        int[][] in = new int[n][];
        long[] alloc = new long[n];
        for (int i = 0; i < n; i++) {
            Node node = nodes.get(i);
            List<Value> ins = node.inputs();
            int[] ids = new int[ins.size()];
            int distinct = 0; // each value once, in the order first read
            for (int k = 0; k < ids.length; k++) {
                Value v = ins.get(k);
                if (v == null) continue;
                int id = vid[v.id()];
                if (id < 0) {
                    id = vals.size();
                    vid[v.id()] = id;
                    vals.add(v);
                }
                boolean seen = false;
                for (int j = 0; j < distinct && !seen; j++) seen = ids[j] == id;
                if (!seen) ids[distinct++] = id;
            }
            in[i] = distinct == ids.length ? ids : java.util.Arrays.copyOf(ids, distinct);
            for (Value o : node.outputs()) alloc[i] += o.type().bytes();
        }
        int m = vals.size();
        int[] producer = new int[m];
        long[] freeable = new long[m]; // bytes a last read frees: node-produced values that are not pinned
        int[] remainingReads = new int[m];
        Set<Value> pinned = Collections.newSetFromMap(new IdentityHashMap<>());
        pinned.addAll(g.outputs());
        pinned.addAll(g.stateUpdates().values());
        int[][] readers = new int[m][];
        for (int k = 0; k < m; k++) {
            Value v = vals.get(k);
            producer[k] = v.producer() == null ? -1 : pos[v.producer().id()];
            freeable[k] = v.kind() == Value.Kind.NODE && !pinned.contains(v) ? v.type().bytes() : -1;
            List<Node> rs = g.readers(v);
            readers[k] = new int[rs.size()];
            for (int r = 0; r < rs.size(); r++) readers[k][r] = pos[rs.get(r).id()];
            remainingReads[k] = rs.size();
        }
        IntLists succ = new IntLists(n);
        int[] pending = new int[n];
        for (int i = 0; i < n; i++) {
            for (int v : in[i]) {
                if (producer[v] >= 0) {
                    succ.add(producer[v], i);
                    pending[i]++;
                }
            }
        }
        // Readers of a state come before the node that computes its next value (unless they depend on it).
        int[] seen = new int[n];
        int[] stamp = {0};
        g.stateUpdates().forEach((state, next) -> {
            Node updNode = next.producer();
            if (updNode == null) return;
            int upd = pos[updNode.id()];
            if (upd < 0) return;
            for (Node readerNode : g.readers(state)) {
                int reader = pos[readerNode.id()];
                if (reader != upd && !dependsOn(reader, upd, in, producer, seen, ++stamp[0])) {
                    succ.add(reader, upd);
                    pending[upd]++;
                }
            }
        });
        // Ready nodes by (frees memory first, then program position): key = (frees ? 0 : n) + position.
        // A node whose priority changes is pushed again; the stale entry is skipped when polled.
        int[] key = new int[n];
        boolean[] ready = new boolean[n];
        IntHeap heap = new IntHeap(n);
        for (int i = 0; i < n; i++) {
            if (pending[i] == 0) {
                key[i] = (net(i, in, alloc, freeable, remainingReads) <= 0 ? 0 : n) + i;
                heap.push(key[i]);
                ready[i] = true;
            }
        }
        List<Node> order = new ArrayList<>(n);
        while (!heap.isEmpty()) {
            int k = heap.pop();
            int i = k % n;
            if (!ready[i] || key[i] != k) continue;
            ready[i] = false;
            order.add(nodes.get(i));
            for (int v : in[i]) {
                // Readers still waiting may now free v: refresh those that are ready. A reader's priority
                // depends on v only through "v has one read left", so only the step down to 1 can change it.
                if (--remainingReads[v] != 1) continue;
                for (int r : readers[v]) {
                    if (r != i && ready[r]) {
                        int nk = (net(r, in, alloc, freeable, remainingReads) <= 0 ? 0 : n) + r;
                        if (nk != key[r]) {
                            key[r] = nk;
                            heap.push(nk);
                        }
                    }
                }
            }
            for (int e = succ.head[i]; e >= 0; e = succ.next[e]) {
                int s = succ.to[e];
                if (--pending[s] == 0) {
                    key[s] = (net(s, in, alloc, freeable, remainingReads) <= 0 ? 0 : n) + s;
                    heap.push(key[s]);
                    ready[s] = true;
                }
            }
        }
        if (order.size() != n) throw new IllegalStateException("scheduling constraints form a cycle");
        boolean changed = !order.equals(nodes);
        if (changed) g.reorder(order);
        return changed;
    }

    /** Whether node a (transitively) reads b's outputs; only nodes after b in program order can. */
    private static boolean dependsOn(int a, int b, int[][] in, int[] producer, int[] seen, int stamp) {
        if (a < b) return false;
        java.util.ArrayDeque<Integer> todo = new java.util.ArrayDeque<>();
        todo.push(a);
        while (!todo.isEmpty()) {
            int x = todo.pop();
            if (seen[x] == stamp) continue;
            seen[x] = stamp;
            for (int v : in[x]) {
                int p = producer[v];
                if (p < 0) continue;
                if (p == b) return true;
                if (p > b) todo.push(p);
            }
        }
        return false;
    }

    /** Bytes node i allocates minus the bytes of node-produced, unpinned inputs it reads for the last time. */
    private static long net(int i, int[][] in, long[] alloc, long[] freeable, int[] remainingReads) {
        long freed = 0;
        for (int v : in[i]) if (freeable[v] >= 0 && remainingReads[v] == 1) freed += freeable[v];
        return alloc[i] - freed;
    }

    /** Adjacency lists as arrays: edges of a node in insertion order. */
    private static final class IntLists {
        final int[] head;
        final int[] tail;
        int[] to = new int[16];
        int[] next = new int[16];
        int size;

        IntLists(int n) {
            head = new int[n];
            tail = new int[n];
            java.util.Arrays.fill(head, -1);
            java.util.Arrays.fill(tail, -1);
        }

        void add(int from, int t) {
            if (size == to.length) {
                to = java.util.Arrays.copyOf(to, 2 * size);
                next = java.util.Arrays.copyOf(next, 2 * size);
            }
            to[size] = t;
            next[size] = -1;
            if (tail[from] < 0) head[from] = size;
            else next[tail[from]] = size;
            tail[from] = size++;
        }
    }

}
