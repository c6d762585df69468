package org.traindeeploy.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph owns its values and nodes. Nodes are kept in a topological order (the verifier checks
 * it); passes that insert nodes out of order call {@link #sortTopologically()}. Value names are
 * unique within the graph.
 *
 * <p>Besides inputs, constants and node outputs, a training graph has state: persistent tensors
 * (parameters, optimizer moments) read at the start of a step, and {@link #stateUpdates()} saying
 * which value each state takes at the end of the step.
 */
public final class Graph {
    private final Map<String, Value> values = new LinkedHashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Value> inputs = new ArrayList<>();
    private final List<Value> outputs = new ArrayList<>();
    private final List<String> outputNames = new ArrayList<>();
    private final Map<Value, Value> stateUpdates = new LinkedHashMap<>();
    private final Map<String, Integer> nameCounters = new HashMap<>();
    /** How many nodes carry each name (names may repeat), so {@link #uniqueName} need not scan the nodes. */
    private final Map<String, Integer> nodeNames = new HashMap<>();
    private boolean foldConstants = true;
    private final java.util.Set<String> initializers = new java.util.HashSet<>();
    /**
     * The indexes that keep every query and rewrite proportional to what it touches, not to the
     * graph: the nodes reading each value (each node once), the nodes in the graph, and how often
     * each value is a graph output or a state's next value. {@link #nodes} may hold removed nodes
     * ("tombstones", not in {@link #nodeSet}) until the next {@link #nodes()} compacts it.
     */
    private final Map<Value, List<Node>> readers = new IdentityHashMap<>();
    private final java.util.Set<Node> nodeSet = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Value, Integer> outsideUses = new IdentityHashMap<>();
    private int tombstones;
    /** Ids handed out so far: every node and value of this graph has a distinct id below these. */
    private int nodeIds;
    private int valueIds;
    private final java.util.Set<String> readAtCompileTime = new java.util.HashSet<>();
    /** Changes so far to the values, nodes, their edges, the outputs, the state updates or the order ({@link #modCount()}). */
    private long modCount;
    /** The {@link #modCount} at which the order was last found or made topological (the pass manager sorts after every rewriting pass). */
    private long sortedAt = -1;

    public Graph() {}

    /**
     * Whether {@link #addNode} evaluates a node whose inputs are all constants at once instead of
     * adding it (on by default). Pass tests turn it off to build unfolded graphs.
     */
    public void setFoldConstants(boolean fold) { this.foldConstants = fold; }

    // ---- building ------------------------------------------------------------------------

    public Value addInput(String name, TensorType type) {
        Value v = define(name, type, Value.Kind.INPUT, null);
        inputs.add(v);
        return v;
    }

    public Value addConstant(String name, Tensor data) {
        return define(name, data.type(), Value.Kind.CONSTANT, data);
    }

    /** A constant with a fresh name derived from {@code hint}. */
    public Value constant(String hint, Tensor data) { return addConstant(uniqueName(hint), data); }

    public Value addState(String name, Tensor initial) {
        return define(name, initial.type(), Value.Kind.STATE, initial);
    }

    /**
     * Add a node applying {@code op} to {@code inputs}; its output types come from the op's shape
     * inference. When constant folding is on and every input is a constant, the op is evaluated
     * now and constants are returned instead of a node.
     *
     * @param outputNames names for the outputs (made unique), or null to derive them from the node name
     */
    public List<Value> addNode(String name, Op op, List<Value> inputs, List<String> outputNames) {
        List<TensorType> types;
        try {
            types = op.inferTypes(inputs);
        } catch (CompileException e) {
            throw new CompileException("node '" + name + "' (" + op.opType() + "): " + e.getMessage());
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            String want = outputNames != null && i < outputNames.size() && !outputNames.get(i).isEmpty()
                    ? outputNames.get(i) : name + (types.size() == 1 ? "" : ":" + i);
            names.add(values.containsKey(want) ? uniqueName(want) : want);
        }
        if (foldConstants && op.isFoldable() && inputs.stream().allMatch(v -> v == null || v.isConstant()) && withinFoldingBudget(op, inputs, types)) {
            List<Tensor> in = new ArrayList<>();
            for (Value v : inputs) in.add(v == null ? null : v.data());
            List<Tensor> out;
            try {
                out = op.evaluate(in);
            } catch (CompileException e) {
                throw new CompileException("node '" + name + "' (" + op.opType() + "): " + e.getMessage());
            }
            List<Value> res = new ArrayList<>();
            for (int i = 0; i < types.size(); i++) {
                Tensor t = out.get(i).roundToType();
                if (!t.type().equals(types.get(i))) {
                    throw new IllegalStateException(op.opType() + " evaluated to " + t.type() + " but inferred " + types.get(i));
                }
                res.add(addConstant(names.get(i), t));
            }
            return res;
        }
        List<Value> outs = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) outs.add(define(names.get(i), types.get(i), Value.Kind.NODE, null));
        String nodeName = name == null || name.isEmpty() ? uniqueName(op.opType()) : name;
        Node node = new Node(nodeName, op, inputs, outs, nodeIds++);
        for (Value v : outs) v.setProducer(node);
        nodes.add(node);
        nodeSet.add(node);
        index(node);
        modCount++;
        nodeNames.merge(nodeName, 1, Integer::sum);
        return outs;
    }

    /** Most elements a folded node may produce: 4 Mi elements are 32 MiB of doubles. */
    public static final long MAX_FOLD_ELEMENTS = 1L << 22;

    /** Most work (multiply-adds plus other operations) a fold may take: well under a second. */
    public static final long MAX_FOLD_WORK = 1L << 27;

    /**
     * Whether evaluating {@code op} at compile time is cheap enough. Folding exists for the small
     * shape computations exporters leave behind; a tiny file can otherwise ask for a 2 GB
     * ConstantOfShape or a MatMul of billions of multiply-adds. A node over budget stays in the
     * graph with its inferred type, and runs on the device like any other node.
     */
    public static boolean withinFoldingBudget(Op op, List<Value> inputs, List<TensorType> outTypes) {
        long elements = 0;
        for (TensorType t : outTypes) elements += t.size();
        if (elements > MAX_FOLD_ELEMENTS) return false;
        List<TensorType> in = new ArrayList<>();
        for (Value v : inputs) in.add(v == null ? null : v.type());
        long work = op.macs(in, outTypes) + op.flops(in, outTypes);
        return work >= 0 && work <= MAX_FOLD_WORK;
    }

    /** Add a single-output node with a derived output name. */
    public Value add(String name, Op op, Value... inputs) {
        List<Value> out = addNode(name, op, java.util.Arrays.asList(inputs), null);
        if (out.size() != 1) throw new IllegalStateException(op.opType() + " has " + out.size() + " outputs");
        return out.get(0);
    }

    public void addOutput(Value v) { addOutput(v.name(), v); }

    /** Expose {@code v} as a graph output under {@code name} (the model's output name). */
    public void addOutput(String name, Value v) {
        outputs.add(v);
        outsideUses.merge(v, 1, Integer::sum);
        outputNames.add(name);
        modCount++;
    }

    /** The names under which the outputs are exposed, parallel to {@link #outputs()}. */
    public List<String> outputNames() { return Collections.unmodifiableList(outputNames); }

    /** The output exposed under {@code name}, or null. */
    public Value output(String name) {
        int i = outputNames.indexOf(name);
        return i < 0 ? null : outputs.get(i);
    }

    /** At the end of the step, {@code state} takes the value {@code next}. */
    public void setStateUpdate(Value state, Value next) {
        if (state.kind() != Value.Kind.STATE) throw new IllegalArgumentException(state + " is not state");
        if (!state.type().equals(next.type())) throw new IllegalArgumentException("update of " + state + " has type " + next.type());
        Value old = stateUpdates.put(state, next);
        modCount++;
        if (old != null) unuseOutside(old);
        outsideUses.merge(next, 1, Integer::sum);
    }

    private void unuseOutside(Value v) { outsideUses.computeIfPresent(v, (k, c) -> c == 1 ? null : c - 1); }

    /** Add {@code n} to the readers of each value it reads (once per value). */
    private void index(Node n) {
        List<Value> in = n.inputs();
        for (int i = 0; i < in.size(); i++) {
            Value v = in.get(i);
            if (v == null || in.subList(0, i).contains(v)) continue;
            readers.computeIfAbsent(v, k -> new ArrayList<>(2)).add(n);
        }
    }

    private void unindex(Node n, Value v) {
        List<Node> l = readers.get(v);
        if (l == null) return;
        for (int i = 0; i < l.size(); i++) {
            if (l.get(i) == n) {
                l.remove(i);
                break;
            }
        }
        if (l.isEmpty()) readers.remove(v);
    }

    private void unindex(Node n) {
        for (Value v : n.inputs()) if (v != null) unindex(n, v);
    }

    /** Drop removed nodes from the order (amortized: once per batch of removals). */
    private void compact() {
        if (tombstones == 0) return;
        // Keep each live node once, at its last place (a restored node is appended after its tombstone).
        java.util.Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Node> kept = new ArrayList<>(nodeSet.size());
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (nodeSet.contains(n) && seen.add(n)) kept.add(n);
        }
        Collections.reverse(kept);
        nodes.clear();
        nodes.addAll(kept);
        tombstones = 0;
    }

    private Value define(String name, TensorType type, Value.Kind kind, Tensor data) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("value without a name");
        if (values.containsKey(name)) throw new CompileException("value '" + name + "' is defined twice");
        Value v = new Value(name, type, kind, data, valueIds++);
        values.put(name, v);
        modCount++;
        return v;
    }

    /** A name not used yet in this graph, derived from {@code base}. */
    public String uniqueName(String base) {
        if (!values.containsKey(base) && !nodeNames.containsKey(base)) {
            nameCounters.putIfAbsent(base, 0);
            return base;
        }
        int k = nameCounters.getOrDefault(base, 0);
        String candidate;
        do {
            k++;
            candidate = base + "_" + k;
        } while (values.containsKey(candidate));
        nameCounters.put(base, k);
        return candidate;
    }

    /** Record that the value named {@code name} came from a model initializer (a parameter of the model). */
    public void markInitializer(String name) { initializers.add(name); }

    /** Record that an op's import read the constant {@code name} as a compile-time value (a Clip bound, a shape). */
    public void markReadAtCompileTime(String name) { readAtCompileTime.add(name); }

    /** The constants imports read as compile-time values: they cannot be trained. */
    public java.util.Set<String> readAtCompileTime() { return Collections.unmodifiableSet(readAtCompileTime); }

    /** Whether {@code v} holds one of the model's initializers, frozen or trained (not a folded or derived constant). */
    public boolean isInitializer(Value v) { return v.isParameterLike() && initializers.contains(v.name()); }

    // ---- queries --------------------------------------------------------------------------

    /** Exclusive bound of the ids of this graph's nodes ({@link Node#id()}). */
    public int nodeIdBound() { return nodeIds; }

    /** Exclusive bound of the ids of this graph's values ({@link Value#id()}). */
    public int valueIdBound() { return valueIds; }

    public List<Node> nodes() {
        compact();
        return Collections.unmodifiableList(nodes);
    }

    /** Whether {@code n} is a node of this graph (constant time). */
    public boolean contains(Node n) { return nodeSet.contains(n); }

    /** The nodes that read {@code v} (each once; empty when none), from the index: constant time. */
    public List<Node> readers(Value v) {
        List<Node> l = readers.get(v);
        return l == null ? List.of() : Collections.unmodifiableList(l);
    }

    public List<Value> inputs() { return Collections.unmodifiableList(inputs); }

    public List<Value> outputs() { return Collections.unmodifiableList(outputs); }

    public Map<Value, Value> stateUpdates() { return Collections.unmodifiableMap(stateUpdates); }

    public Value value(String name) { return values.get(name); }

    public java.util.Collection<Value> values() { return Collections.unmodifiableCollection(values.values()); }

    public List<Value> constants() { return values.values().stream().filter(Value::isConstant).toList(); }

    public List<Value> states() { return values.values().stream().filter(v -> v.kind() == Value.Kind.STATE).toList(); }

    public Node node(String name) {
        compact();
        for (Node n : nodes) if (n.name().equals(name)) return n;
        return null;
    }

    /**
     * Nodes that read each value (each node once; a value nothing reads has no entry). This is the
     * graph's own index, a live read-only view kept up to date by every rewrite: no scan of the graph.
     */
    public Map<Value, List<Node>> users() { return Collections.unmodifiableMap(readers); }

    /** Whether {@code v} is a graph output or a state's next value (constant time). */
    public boolean isUsedOutsideNodes(Value v) { return outsideUses.containsKey(v); }

    // ---- rewriting ------------------------------------------------------------------------

    /** Every reader of {@code from} (nodes, graph outputs, state updates) reads {@code to} instead. */
    public void replaceAllUses(Value from, Value to) { replaceAllUsesExcept(from, to, null); }

    /** As {@link #replaceAllUses}, but node {@code except} keeps reading {@code from}. */
    public void replaceAllUsesExcept(Value from, Value to, Node except) {
        if (from == to) return;
        modCount++;
        List<Node> rs = readers.get(from);
        if (rs != null) for (Node n : new ArrayList<>(rs)) if (n != except) replaceUses(n, from, to);
        if (outsideUses.containsKey(from)) {
            for (int i = 0; i < outputs.size(); i++) {
                if (outputs.get(i) == from) {
                    outputs.set(i, to);
                    unuseOutside(from);
                    outsideUses.merge(to, 1, Integer::sum);
                }
            }
            for (Map.Entry<Value, Value> e : stateUpdates.entrySet()) {
                if (e.getValue() == from) {
                    e.setValue(to);
                    unuseOutside(from);
                    outsideUses.merge(to, 1, Integer::sum);
                }
            }
        }
    }

    /** Node {@code reader} reads {@code to} wherever it read {@code from}. */
    public void replaceUses(Node reader, Value from, Value to) {
        if (from == to || !reader.inputs().contains(from)) return;
        reader.replaceInput(from, to);
        modCount++;
        if (!nodeSet.contains(reader)) return;
        unindex(reader, from);
        List<Node> l = readers.computeIfAbsent(to, k -> new ArrayList<>(2));
        if (!l.contains(reader)) l.add(reader);
    }

    /** Put back a node removed by {@link #removeNode} (with its own output values), at the end of the order. */
    public void restore(Node n) {
        for (Value v : n.outputs()) {
            if (values.containsKey(v.name())) throw new IllegalStateException("cannot restore " + n + ": %" + v.name() + " is taken");
        }
        for (Value v : n.outputs()) values.put(v.name(), v);
        modCount++;
        nodes.add(n);
        tombstones++; // n may still be in the order as a tombstone: the next compaction keeps its new place
        nodeSet.add(n);
        index(n);
        nodeNames.merge(n.name(), 1, Integer::sum);
    }

    public void removeNode(Node n) {
        modCount++;
        if (nodeSet.remove(n)) {
            tombstones++;
            unindex(n);
            nodeNames.computeIfPresent(n.name(), (k, c) -> c == 1 ? null : c - 1);
        }
        for (Value v : n.outputs()) values.remove(v.name(), v);
    }

    /** Remove nodes whose outputs nobody reads, and values nothing refers to. Returns the count of nodes removed. */
    public int removeDeadCode() {
        // A worklist from the graph's end: a node is dead when nothing reads its outputs; removing it
        // may make its inputs' producers dead. Linear in the graph's size.
        compact();
        java.util.ArrayDeque<Node> work = new java.util.ArrayDeque<>();
        for (int i = nodes.size() - 1; i >= 0; i--) if (isDead(nodes.get(i))) work.add(nodes.get(i));
        int removed = 0;
        while (!work.isEmpty()) {
            Node n = work.poll();
            if (!nodeSet.contains(n) || !isDead(n)) continue;
            removeNode(n);
            removed++;
            for (Value v : n.inputs()) {
                Node p = v == null ? null : v.producer();
                if (p != null && nodeSet.contains(p) && isDead(p)) work.add(p);
            }
        }
        if (values.values().removeIf(v -> (v.kind() == Value.Kind.CONSTANT) && !readers.containsKey(v) && !isUsedOutsideNodes(v))) modCount++;
        return removed;
    }

    private boolean isDead(Node n) {
        for (Value v : n.outputs()) if (readers.containsKey(v) || isUsedOutsideNodes(v)) return false;
        return true;
    }

    /**
     * Reorder nodes topologically, keeping the current relative order wherever dependencies allow
     * (Kahn's algorithm, lowest current position first). Throws on a cycle.
     */
    public void sortTopologically() {
        if (sortedAt == modCount) return; // nothing changed since the last sort
        compact();
        int n = nodes.size();
        // Positions by Node.id() (dense ids): no hashing on this path, which runs after every rewriting pass.
        int[] pos = new int[nodeIds];
        java.util.Arrays.fill(pos, -1);
        for (int i = 0; i < n; i++) pos[nodes.get(i).id()] = i;
        // Successor lists as arrays (an edge per input read, as many as the node reads the producer).
        int[] pending = new int[n];
        int[] count = new int[n + 1];
        int[] from = new int[Math.max(16, n)];
        int[] to = new int[from.length];
        int edges = 0;
        boolean sorted = true;
        for (int i = 0; i < n; i++) {
            List<Value> ins = nodes.get(i).inputs();
            for (int k = 0, size = ins.size(); k < size; k++) {
                Value v = ins.get(k);
                Node prod = v == null ? null : v.producer();
                int p = prod == null || prod.id() >= pos.length ? -1 : pos[prod.id()];
                if (p >= 0 && nodes.get(p) == prod) {
                    pending[i]++;
                    count[p + 1]++;
                    if (edges == from.length) {
                        from = java.util.Arrays.copyOf(from, 2 * edges);
                        to = java.util.Arrays.copyOf(to, 2 * edges);
                    }
                    from[edges] = p;
                    to[edges++] = i;
                    if (p >= i) sorted = false;
                }
            }
        }
        if (sorted) { // already topological: Kahn's order by lowest position is the current one
            sortedAt = modCount;
            return;
        }
        for (int i = 0; i < n; i++) count[i + 1] += count[i];
        int[] succ = new int[edges];
        int[] fill = java.util.Arrays.copyOf(count, n);
        for (int e = 0; e < edges; e++) succ[fill[from[e]]++] = to[e];
        IntHeap ready = new IntHeap(n);
        for (int i = 0; i < n; i++) if (pending[i] == 0) ready.push(i);
        List<Node> order = new ArrayList<>(n);
        boolean[] placed = new boolean[n];
        while (!ready.isEmpty()) {
            int i = ready.pop();
            order.add(nodes.get(i));
            placed[i] = true;
            for (int e = count[i]; e < count[i + 1]; e++) if (--pending[succ[e]] == 0) ready.push(succ[e]);
        }
        if (order.size() != n) {
            int stuck = 0;
            while (placed[stuck]) stuck++;
            throw new CompileException("the graph has a cycle through node '" + nodes.get(stuck).name() + "'");
        }
        nodes.clear();
        nodes.addAll(order);
        modCount++;
        sortedAt = modCount;
    }

    /** Replace the node order wholesale (a scheduler's choice); must be a permutation of the current nodes. */
    public void reorder(List<Node> order) {
        compact();
        // A permutation: as many nodes, each one of ours (by its dense id) and none twice; no hashing.
        boolean permutation = order.size() == nodes.size();
        Node[] byId = new Node[permutation ? nodeIds : 0];
        if (permutation) for (Node n : nodes) byId[n.id()] = n;
        for (int i = 0; permutation && i < order.size(); i++) {
            Node n = order.get(i);
            permutation = n != null && n.id() < byId.length && byId[n.id()] == n;
            if (permutation) byId[n.id()] = null; // seen: a second occurrence fails
        }
        if (!permutation) throw new IllegalArgumentException("not a permutation of the graph's nodes");
        nodes.clear();
        nodes.addAll(order);
        modCount++;
    }

    /**
     * How many changes the graph has seen (values or nodes added or removed, inputs rewired, outputs or
     * state updates set, the order changed): equal counts mean the same graph in the same order, so a
     * pass may keep a result it computed at that count.
     */
    public long modCount() { return modCount; }
}
