package org.traindeeploy.ir;

/**
 * An SSA value: defined once, by a graph input, a constant, a persistent state tensor or a node
 * output. Its type is static.
 */
public final class Value {
    /** Where a value comes from. */
    public enum Kind {
        /** Fed at run time by the caller (images, labels). */
        INPUT,
        /** Known at compile time and never changes (frozen weights, folded subgraphs). */
        CONSTANT,
        /** Persistent across steps, read at the start of a step and possibly updated (trainable parameters, optimizer state). */
        STATE,
        /** Computed by a node. */
        NODE
    }

    private final String name;
    private final TensorType type;
    private final Kind kind;
    private Tensor data;
    private Node producer;
    private final int id;

    Value(String name, TensorType type, Kind kind, Tensor data, int id) {
        this.id = id;
        this.name = name;
        this.type = type;
        this.kind = kind;
        this.data = data;
    }

    public String name() { return name; }

    /** Dense index within its graph, below {@link Graph#valueIdBound()}: passes index arrays by it instead of hashing values. */
    public int id() { return id; }

    public TensorType type() { return type; }

    public Kind kind() { return kind; }

    /** The compile-time tensor of a constant, or the initial tensor of a state value; null otherwise. */
    public Tensor data() { return data; }

    public Node producer() { return producer; }

    void setProducer(Node n) { this.producer = n; }

    public boolean isConstant() { return kind == Kind.CONSTANT; }

    /** A weight-like value: a constant or a state tensor, i.e. one that comes from an initializer. */
    public boolean isParameterLike() { return kind == Kind.CONSTANT || kind == Kind.STATE; }

    @Override
    public String toString() { return "%" + name; }
}
