package org.traindeeploy.onnx;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.Value;
import org.traindeeploy.onnx.proto.OnnxProto.AttributeProto;
import org.traindeeploy.onnx.proto.OnnxProto.NodeProto;
import org.traindeeploy.ir.Op;

/**
 * One ONNX node being imported: typed access to its attributes (each read is recorded, so that an
 * attribute nobody read is reported as unsupported), its inputs as IR values, and emission of IR
 * nodes under the ONNX node's name and output names.
 */
public final class NodeContext {
    private final NodeProto proto;
    private final int opset;
    private final ImportTape tape;
    private final Graph graph;
    private final List<Value> inputs;
    private final java.nio.file.Path baseDir;
    private final Set<String> read = new HashSet<>();

    /** A node imported onto the tape's graph: every change to the graph goes through {@link ImportTape#perform}, so a candidate import can replay it. */
    NodeContext(NodeProto proto, int opset, ImportTape tape, List<Value> inputs, java.nio.file.Path baseDir) {
        this.proto = proto;
        this.opset = opset;
        this.tape = tape;
        this.graph = tape.graph();
        this.inputs = inputs;
        this.baseDir = baseDir;
    }

    public String name() { return proto.getName(); }

    public String opType() { return proto.getOpType(); }

    public int opset() { return opset; }

    /** The graph being built, to read (names, types); change it only through this context's methods. */
    public Graph graph() { return graph; }

    public int inputCount() { return inputs.size(); }

    /** Input i, or null when absent (beyond the list or named ""). */
    public Value input(int i) { return i < inputs.size() ? inputs.get(i) : null; }

    public List<Value> inputs() { return inputs; }

    public Value requireInput(int i) {
        Value v = input(i);
        if (v == null) throw new CompileException("input " + i + " is required");
        return v;
    }

    /**
     * The compile-time value of input i, or null when absent. The value must be a constant (on a
     * candidate import also an undecided initializer, or a node computed from such alone: those
     * initializers are then read at compile time and cannot be trained).
     */
    public Tensor constInput(int i, String what) {
        Value v = input(i);
        if (v == null) return null;
        Set<Value> leaves = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Tensor t = tape.own().valueAtCompileTime(v, leaves);
        boolean known = t != null;
        tape.perform(r -> {
            readAtCompileTime(r, r.v(v), what, leaves, known);
            return List.of();
        });
        return t;
    }

    /** The check and record of a compile-time read of {@code v}, on the graph of {@code r}. */
    private static void readAtCompileTime(ImportTape.Run r, Value v, String what, Set<Value> leaves, boolean known) {
        if (v.kind() == Value.Kind.STATE && !r.undecided(v)) {
            throw new CompileException(what + " ('" + v.name() + "') must be known at compile time, but it is selected for training (leave it out of --train)");
        }
        if (r.candidates() && known && !v.isConstant()) { // undecided, or computed from undecided initializers alone: they stay frozen
            for (Value l : leaves) r.graph.markReadAtCompileTime(l.name());
            return;
        }
        if (!v.isConstant()) throw new CompileException(what + " ('" + v.name() + "') must be known at compile time");
        r.graph.markReadAtCompileTime(v.name());
    }

    public int outputCount() {
        int n = 0;
        for (String s : proto.getOutputList()) if (!s.isEmpty()) n++;
        return n;
    }

    /** Number of output slots, named or empty. */
    public int outputCountIncludingEmpty() { return proto.getOutputCount(); }

    /** Whether output i is present (named) in the model. */
    public boolean hasOutput(int i) { return i < proto.getOutputCount() && !proto.getOutput(i).isEmpty(); }

    AttributeProto attr(String name) {
        read.add(name);
        for (AttributeProto a : proto.getAttributeList()) if (a.getName().equals(name)) return a;
        return null;
    }

    public boolean hasAttr(String name) { return attr(name) != null; }

    public long attrInt(String name, long dflt) {
        AttributeProto a = attr(name);
        if (a == null) return dflt;
        if (a.getType() != AttributeProto.AttributeType.INT && a.getType() != AttributeProto.AttributeType.UNDEFINED) throw badType(name, "an int");
        return a.getI();
    }

    public double attrFloat(String name, double dflt) {
        AttributeProto a = attr(name);
        if (a == null) return dflt;
        if (a.getType() != AttributeProto.AttributeType.FLOAT && a.getType() != AttributeProto.AttributeType.UNDEFINED) throw badType(name, "a float");
        return a.getF();
    }

    public String attrString(String name, String dflt) {
        AttributeProto a = attr(name);
        if (a == null) return dflt;
        if (a.getType() != AttributeProto.AttributeType.STRING && a.getType() != AttributeProto.AttributeType.UNDEFINED) throw badType(name, "a string");
        return a.getS().toStringUtf8();
    }

    public long[] attrInts(String name, long[] dflt) {
        AttributeProto a = attr(name);
        if (a == null) return dflt;
        if (a.getType() != AttributeProto.AttributeType.INTS && a.getType() != AttributeProto.AttributeType.UNDEFINED) throw badType(name, "a list of ints");
        if (a.getIntsCount() > 1 << 16) throw new CompileException("attribute '" + name + "' has " + a.getIntsCount() + " entries");
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    public double[] attrFloats(String name) {
        AttributeProto a = attr(name);
        if (a == null) return null;
        if (a.getType() != AttributeProto.AttributeType.FLOATS && a.getType() != AttributeProto.AttributeType.UNDEFINED) throw badType(name, "a list of floats");
        return a.getFloatsList().stream().mapToDouble(Float::doubleValue).toArray();
    }

    public Tensor attrTensor(String name) {
        AttributeProto a = attr(name);
        if (a == null) return null;
        if (a.getType() != AttributeProto.AttributeType.TENSOR && a.getType() != AttributeProto.AttributeType.UNDEFINED) throw badType(name, "a tensor");
        return TensorIo.fromProto(a.getT(), baseDir);
    }

    /** An int attribute that must lie in [lo, hi]. */
    public int attrIntIn(String name, long dflt, long lo, long hi) {
        long v = attrInt(name, dflt);
        if (v < lo || v > hi) throw new CompileException("attribute " + name + "=" + v + " is not supported (expected " + lo + (lo == hi ? "" : " to " + hi) + ")");
        return (int) v;
    }

    private CompileException badType(String name, String want) {
        return new CompileException("attribute '" + name + "' must be " + want);
    }

    /** Attributes present in the model that the importer did not read. */
    List<String> unreadAttributes() {
        List<String> out = new ArrayList<>();
        for (AttributeProto a : proto.getAttributeList()) if (!read.contains(a.getName())) out.add(a.getName());
        return out;
    }

    /** Emit an IR node for this ONNX node; the last emission takes the ONNX output names. */
    public List<Value> emit(Op op, List<Value> in, boolean final_) {
        List<Value> recorded = new ArrayList<>(in);
        List<String> outNames = final_ ? List.copyOf(proto.getOutputList()) : null;
        String name = proto.getName();
        String type = proto.getOpType();
        return tape.perform(r -> emit(r, name, type, op, r.all(recorded), outNames));
    }

    /** The emission on the graph of {@code r}: names are made there, since what is taken depends on what folded. */
    private static List<Value> emit(ImportTape.Run r, String name, String type, Op op, List<Value> in, List<String> outNames) {
        String nodeName = name.isEmpty() ? r.graph.uniqueName(type) : name;
        if (r.emitted++ > 0) nodeName = r.graph.uniqueName(nodeName + "/" + op.opType());
        return r.graph.addNode(nodeName, op, in, outNames);
    }

    /** Emit the node that produces this ONNX node's outputs. */
    public List<Value> emit(Op op, Value... in) { return emit(op, java.util.Arrays.asList(in), true); }

    /** Emit a helper node before the final one; returns its single output. */
    public Value emitHelper(Op op, Value... in) { return emit(op, java.util.Arrays.asList(in), false).get(0); }

    /** A constant named after this node's output. */
    public Value constant(Tensor t) {
        String out = proto.getOutputCount() > 0 && !proto.getOutput(0).isEmpty() ? proto.getOutput(0) : null;
        String type = opType();
        return tape.perform(r -> List.of(r.graph.constant(out != null ? out : r.graph.uniqueName(type), t))).get(0);
    }

    /** A constant with a fresh name derived from {@code hint}. */
    public Value constant(String hint, Tensor t) {
        return tape.perform(r -> List.of(r.graph.constant(hint, t))).get(0);
    }

    /**
     * {@code fold} of {@code v}'s data as a constant named {@code v}'s name + {@code suffix} when {@code v}
     * is a constant, else a helper node {@code helper} computing it from {@code v} (trained: it must stay
     * in the graph). The choice is made on each graph the import runs on.
     */
    public Value constantOrHelper(Value v, String suffix, java.util.function.UnaryOperator<Tensor> fold, Op helper) {
        String name = proto.getName();
        String type = proto.getOpType();
        return tape.perform(r -> {
            Value x = r.v(v);
            if (x.isConstant()) return List.of(r.graph.constant(x.name() + suffix, fold.apply(x.data())));
            return List.of(emit(r, name, type, helper, List.of(x), null).get(0));
        }).get(0);
    }

    /**
     * A training-mode BatchNormalization's running statistic {@code stat} as state of the step (a copy
     * of the initializer's tensor); the initializer itself cannot be trained.
     */
    public Value runningState(Value stat) {
        return tape.perform(r -> {
            Value s = r.v(stat);
            boolean undecided = r.undecided(s);
            if (s.kind() == Value.Kind.STATE && !undecided) {
                throw new CompileException("the running statistic '" + s.name() + "' of a training-mode BatchNormalization cannot be trained");
            }
            if (!s.isConstant() && !undecided) throw new CompileException("the running statistic '" + s.name() + "' must be an initializer");
            return List.of(r.graph.addState(r.graph.uniqueName(s.name() + ".running"), s.data()));
        }).get(0);
    }

    /** At the end of the step, {@code state} takes the value {@code next}. */
    public void setStateUpdate(Value state, Value next) {
        tape.perform(r -> {
            r.graph.setStateUpdate(r.v(state), r.v(next));
            return List.of();
        });
    }
}
