package org.traindeeploy.onnx;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.onnx.proto.OnnxProto.GraphProto;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.onnx.proto.OnnxProto.NodeProto;
import org.traindeeploy.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorShapeProto;
import org.traindeeploy.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * ONNX → IR. Initializers become constants, graph inputs get static types (a symbolic leading
 * dimension is bound to the batch size), nodes are imported in dependency order through
 * {@link OnnxOps}. Nodes whose inputs are all known are folded while importing, so the
 * Shape→Slice→Concat→Reshape chains of exporters vanish. Errors name the file and node.
 */
public final class OnnxImporter {
    /** Supported default-domain opsets. */
    public static final int MIN_OPSET = 11;
    public static final int MAX_OPSET = 21;

    /**
     * Options of an import: the batch size bound to a symbolic leading input dimension (null: none
     * given), and the initializers that become trainable state instead of constants.
     */
    public record Options(Integer batch, java.util.Set<String> trainable) {
        public Options {
            trainable = java.util.Set.copyOf(trainable);
            if (batch != null && batch < 1) throw new CompileException("--batch " + batch + " must be at least 1");
        }

        public Options(Integer batch) { this(batch, java.util.Set.of()); }

        public static Options defaults() { return new Options(null); }
    }

    /** The imported graph and facts about the file. */
    public record Imported(Graph graph, Path file, int opset, long irVersion, ModelProto proto) {}

    private OnnxImporter() {}

    public static Imported importFile(Path file, Options options) {
        ModelProto m = OnnxReader.read(file);
        try {
            return importModel(m, file, options);
        } catch (CompileException e) {
            throw e.within(file.toString());
        }
    }

    /** Imports so far (every {@link #importModel} and {@link #importCandidates}), for tests that a command imports once. */
    private static final java.util.concurrent.atomic.AtomicLong IMPORTS = new java.util.concurrent.atomic.AtomicLong();

    /** How many imports this process has run. */
    public static long importCount() { return IMPORTS.get(); }

    public static Imported importModel(ModelProto m, Path file, Options options) {
        return build(m, file, options, false).imported();
    }

    /**
     * Import once with every floating initializer undecided (frozen or trained): the result gives the
     * compile-time reads and, per trainable set, the graph a direct import with that set gives
     * ({@link CandidateImport#freeze}).
     */
    public static CandidateImport importCandidates(ModelProto m, Path file, Integer batch) {
        Built b = build(m, file, new Options(batch), true);
        return new CandidateImport(b.imported().graph(), b.tape(), batch);
    }

    private record Built(Imported imported, ImportTape tape) {}

    private static Built build(ModelProto m, Path file, Options options, boolean candidates) {
        IMPORTS.incrementAndGet();
        int opset = -1;
        for (OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                int v = (int) Math.max(0, Math.min(Integer.MAX_VALUE, o.getVersion()));
                if (opset >= 0) throw new CompileException("the model imports the default-domain opset twice (versions " + opset + " and " + v + ")");
                opset = v;
            }
        }
        if (opset < 0) throw new CompileException("the model imports no default-domain opset");
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new CompileException("opset " + opset + " is not supported (supported: " + MIN_OPSET + " to " + MAX_OPSET + ")");
        }
        Path base = file == null ? null : file.toAbsolutePath().getParent();
        Graph g = new Graph();
        ImportTape tape = new ImportTape(g, options.trainable(), candidates);
        Map<String, Value> env = new HashMap<>();
        GraphProto gp = m.getGraph();
        for (TensorProto t : gp.getInitializerList()) {
            if (t.getName().isEmpty()) throw new CompileException("an initializer has no name");
            if (env.containsKey(t.getName())) throw new CompileException("initializer '" + t.getName() + "' is defined twice");
            Tensor data = TensorIo.fromProto(t, base);
            requireFinite(data, "initializer '" + t.getName() + "'");
            String name = t.getName();
            boolean floating = data.dtype().isFloat();
            Value v = tape.perform(r -> {
                r.graph.markInitializer(name);
                return List.of(r.isState(name, floating) ? r.graph.addState(name, data) : r.graph.addConstant(name, data));
            }).get(0);
            if (candidates && floating) tape.undecided(v);
            env.put(name, v);
        }
        Set<String> inputNames = new HashSet<>();
        for (ValueInfoProto vi : gp.getInputList()) {
            if (!inputNames.add(vi.getName())) throw new CompileException("graph input '" + vi.getName() + "' is listed twice");
            if (env.containsKey(vi.getName())) { // an initializer listed as input (old exporters): the declaration must agree with it
                checkDeclared(vi, env.get(vi.getName()).type(), "graph input '" + vi.getName() + "' is declared ", ", but its initializer is ");
                continue;
            }
            if (vi.getName().isEmpty()) throw new CompileException("a graph input has no name");
            String name = vi.getName();
            TensorType type = inputType(vi, options);
            env.put(name, tape.perform(r -> List.of(r.graph.addInput(name, type))).get(0));
        }
        for (NodeProto n : topologicalOrder(gp)) importNode(n, opset, tape, env, base);
        if (gp.getOutputCount() == 0) throw new CompileException("the graph has no outputs");
        for (ValueInfoProto vi : gp.getOutputList()) {
            Value v = env.get(vi.getName());
            if (v == null) throw new CompileException("graph output '" + vi.getName() + "' is not produced by any node");
            checkDeclared(vi, v.type(), "graph output '" + vi.getName() + "' is declared ", ", but the graph computes ");
            String name = vi.getName();
            tape.perform(r -> {
                r.graph.addOutput(name, r.v(v));
                return List.of();
            });
        }
        tape.perform(r -> {
            r.graph.removeDeadCode();
            return List.of();
        });
        return new Built(new Imported(g, file, opset, m.getIrVersion(), m), tape);
    }

    /** Initializers hold finite numbers: a NaN or infinite weight is an error naming the tensor and element. */
    static void requireFinite(Tensor t, String what) {
        if (!t.dtype().isFloat()) return;
        double[] d = t.reals();
        // Zero times every element is 0 unless one is NaN or infinite: one multiply-add per element in the
        // common case (this runs over all of a model's weights, mostly before the JIT has compiled it).
        double probe = 0;
        for (double v : d) probe += 0 * v;
        if (probe == 0) return;
        for (int i = 0; i < d.length; i++) {
            if (!Double.isFinite(d[i])) throw new CompileException(what + " holds " + d[i] + " at element " + i + " (weights must be finite numbers)");
        }
    }

    /**
     * A declared type (of an initializer listed as input, or of a graph output) must agree with the
     * actual one where it says anything: its element type, its rank, and each fixed dimension.
     */
    private static void checkDeclared(ValueInfoProto vi, TensorType actual, String declared, String but) {
        if (!vi.hasType() || !vi.getType().hasTensorType()) return;
        var tt = vi.getType().getTensorType();
        StringBuilder said = new StringBuilder();
        boolean differs = false;
        if (tt.getElemType() != 0) {
            DType d = DType.fromOnnx(tt.getElemType());
            said.append(d == null ? "element type " + tt.getElemType() : d.toString().toLowerCase(java.util.Locale.ROOT));
            differs |= d != actual.dtype();
        } else {
            said.append('?');
        }
        if (tt.hasShape()) {
            int rank = tt.getShape().getDimCount();
            said.append('[');
            for (int i = 0; i < rank; i++) {
                TensorShapeProto.Dimension dim = tt.getShape().getDim(i);
                if (i > 0) said.append(',');
                said.append(dim.hasDimValue() ? Long.toString(dim.getDimValue()) : dim.hasDimParam() ? dim.getDimParam() : "?");
                if (rank == actual.rank() && dim.hasDimValue() && dim.getDimValue() != actual.dim(i)) differs = true;
            }
            said.append(']');
            differs |= rank != actual.rank();
        }
        if (differs) throw new CompileException(declared + said + but + actual);
    }

    private static TensorType inputType(ValueInfoProto vi, Options options) {
        String what = "graph input '" + vi.getName() + "'";
        if (!vi.hasType() || !vi.getType().hasTensorType()) throw new CompileException(what + " is not a tensor");
        var tt = vi.getType().getTensorType();
        DType d = DType.fromOnnx(tt.getElemType());
        if (d == null) throw new CompileException(what + " has unsupported element type " + tt.getElemType());
        if (d == DType.DOUBLE) throw new CompileException(what + " is double; inputs must be float32 (or integer) tensors");
        if (!tt.hasShape()) throw new CompileException(what + " has no shape");
        int[] shape = new int[tt.getShape().getDimCount()];
        for (int i = 0; i < shape.length; i++) {
            TensorShapeProto.Dimension dim = tt.getShape().getDim(i);
            if (dim.hasDimValue()) {
                long v = dim.getDimValue();
                if (v < 0 || v > Integer.MAX_VALUE) throw new CompileException(what + " has invalid dimension " + v);
                shape[i] = (int) v;
                if (i == 0 && options.batch() != null && v != options.batch()) {
                    throw new CompileException(what + " has a fixed batch of " + v + ", but batch " + options.batch() + " was requested");
                }
            } else if (i == 0 && options.batch() != null) {
                shape[i] = options.batch();
            } else {
                String sym = dim.hasDimParam() ? "'" + dim.getDimParam() + "'" : "unknown";
                throw new CompileException(what + " dimension " + i + " is symbolic (" + sym + ")"
                        + (i == 0 ? "; give the batch size with --batch" : "; only the leading batch dimension may be symbolic"));
            }
        }
        try {
            return TensorType.of(d, shape);
        } catch (CompileException e) {
            throw new CompileException(what + ": " + e.getMessage());
        }
    }

    /** The nodes in dependency order (exporters write them so, but the format does not promise it). */
    static List<NodeProto> topologicalOrder(GraphProto gp) {
        Map<String, Integer> producer = new HashMap<>();
        Set<String> defined = new HashSet<>();
        for (TensorProto t : gp.getInitializerList()) defined.add(t.getName());
        for (ValueInfoProto vi : gp.getInputList()) defined.add(vi.getName());
        List<NodeProto> nodes = gp.getNodeList();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).getOutputList()) {
                if (o.isEmpty()) continue;
                if (defined.contains(o) || producer.containsKey(o)) {
                    throw new CompileException("node '" + label(nodes.get(i), i) + "': value '" + o + "' is defined twice");
                }
                producer.put(o, i);
            }
        }
        int[] state = new int[nodes.size()];
        List<NodeProto> order = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (state[i] != 0) continue;
            Deque<int[]> stack = new ArrayDeque<>();
            stack.push(new int[] {i, 0});
            state[i] = 1;
            while (!stack.isEmpty()) {
                int[] top = stack.peek();
                NodeProto n = nodes.get(top[0]);
                if (top[1] < n.getInputCount()) {
                    String in = n.getInput(top[1]++);
                    if (in.isEmpty() || defined.contains(in)) continue;
                    Integer p = producer.get(in);
                    if (p == null) throw new CompileException("node '" + label(n, top[0]) + "' reads '" + in + "', which no node, input or initializer defines");
                    if (state[p] == 1) throw new CompileException("the graph has a cycle through node '" + label(nodes.get(p), p) + "'");
                    if (state[p] == 0) {
                        state[p] = 1;
                        stack.push(new int[] {p, 0});
                    }
                } else {
                    stack.pop();
                    state[top[0]] = 2;
                    order.add(n);
                }
            }
        }
        return order;
    }

    private static String label(NodeProto n, int index) {
        return n.getName().isEmpty() ? n.getOpType() + "#" + index : n.getName();
    }

    private static void importNode(NodeProto n, int opset, ImportTape tape, Map<String, Value> env, Path base) {
        String label = n.getName().isEmpty() ? n.getOpType() : n.getName();
        String where = "node '" + label + "' (" + n.getOpType() + ")";
        OnnxOps.Importer imp = OnnxOps.lookup(n.getDomain(), n.getOpType());
        if (imp == null) {
            String dom = n.getDomain().isEmpty() ? "" : " in domain '" + n.getDomain() + "'";
            throw new CompileException(where + ": unsupported op '" + n.getOpType() + "'" + dom);
        }
        List<Value> inputs = new ArrayList<>();
        for (String in : n.getInputList()) {
            if (in.isEmpty()) {
                inputs.add(null);
                continue;
            }
            Value v = env.get(in);
            if (v == null) throw new CompileException(where + ": input '" + in + "' comes from an output this compiler does not support");
            inputs.add(v);
        }
        while (!inputs.isEmpty() && inputs.get(inputs.size() - 1) == null) inputs.remove(inputs.size() - 1);
        NodeContext c = new NodeContext(n, opset, tape, inputs, base);
        List<Value> outs;
        tape.beginNode(where);
        try {
            outs = imp.importNode(c);
            List<String> unread = c.unreadAttributes();
            if (!unread.isEmpty()) throw new CompileException("attribute '" + unread.get(0) + "' is not supported");
        } catch (CompileException e) {
            String msg = e.getMessage();
            throw new CompileException(msg.startsWith("node '") ? msg : where + ": " + msg, e);
        } catch (RuntimeException e) {
            // A bug of this compiler, not of the model: report it as one (the CLI says "internal
            // compiler error" and asks for a report) instead of disguising it as bad input.
            throw new IllegalStateException("while importing " + where + ": " + e, e);
        } finally {
            tape.endNode();
        }
        for (int i = 0; i < n.getOutputCount(); i++) {
            String name = n.getOutput(i);
            if (name.isEmpty()) continue;
            Value v = i < outs.size() ? outs.get(i) : null;
            if (v != null) env.put(name, v);
        }
    }

}
