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
    private final Graph graph;
    private final List<Value> inputs;
    private final java.nio.file.Path baseDir;
    private final Set<String> read = new HashSet<>();
    private int emitted;

    NodeContext(NodeProto proto, int opset, Graph graph, List<Value> inputs, java.nio.file.Path baseDir) {
        this.proto = proto;
        this.opset = opset;
        this.graph = graph;
        this.inputs = inputs;
        this.baseDir = baseDir;
    }

    public String name() { return proto.getName(); }

    public String opType() { return proto.getOpType(); }

    public int opset() { return opset; }

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

    /** The compile-time value of input i, or null when absent. */
    public Tensor constInput(int i, String what) {
        Value v = input(i);
        if (v == null) return null;
        if (v.kind() == Value.Kind.STATE) {
            throw new CompileException(what + " ('" + v.name() + "') must be known at compile time, but it is selected for training (leave it out of --train)");
        }
        if (!v.isConstant()) throw new CompileException(what + " ('" + v.name() + "') must be known at compile time");
        graph.markReadAtCompileTime(v.name());
        return v.data();
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
        String nodeName = proto.getName().isEmpty() ? graph.uniqueName(proto.getOpType()) : proto.getName();
        if (emitted++ > 0) nodeName = graph.uniqueName(nodeName + "/" + op.opType());
        List<String> outNames = final_ ? proto.getOutputList() : null;
        return graph.addNode(nodeName, op, in, outNames);
    }

    /** Emit the node that produces this ONNX node's outputs. */
    public List<Value> emit(Op op, Value... in) { return emit(op, java.util.Arrays.asList(in), true); }

    /** Emit a helper node before the final one; returns its single output. */
    public Value emitHelper(Op op, Value... in) { return emit(op, java.util.Arrays.asList(in), false).get(0); }

    /** A constant named after this node's output. */
    public Value constant(Tensor t) {
        String base = proto.getOutputCount() > 0 && !proto.getOutput(0).isEmpty() ? proto.getOutput(0) : graph.uniqueName(opType());
        return graph.constant(base, t);
    }
}
