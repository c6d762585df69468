package org.traindeeploy.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** One operation: an op (with its typed attributes), its input values and the values it defines. */
public final class Node {
    private final String name;
    private final Op op;
    private final List<Value> inputs;
    private final List<Value> inputsView; // one read-only view, not one per call (inputs() is on every pass's hot path)
    private final List<Value> outputs;
    private final int id;

    Node(String name, Op op, List<Value> inputs, List<Value> outputs, int id) {
        this.id = id;
        this.name = name;
        this.op = op;
        this.inputs = new ArrayList<>(inputs);
        this.inputsView = Collections.unmodifiableList(this.inputs);
        this.outputs = List.copyOf(outputs);
    }

    public String name() { return name; }

    /** Dense index within its graph, below {@link Graph#nodeIdBound()}: passes index arrays by it instead of hashing nodes. */
    public int id() { return id; }

    public Op op() { return op; }

    /** Inputs in op order; an absent optional input is null. */
    public List<Value> inputs() { return inputsView; }

    public Value input(int i) { return i < inputs.size() ? inputs.get(i) : null; }

    public List<Value> outputs() { return outputs; }

    public Value output(int i) { return outputs.get(i); }

    void replaceInput(Value from, Value to) {
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i) == from) inputs.set(i, to);
        }
    }

    @Override
    public String toString() { return name + ":" + op.opType(); }
}
