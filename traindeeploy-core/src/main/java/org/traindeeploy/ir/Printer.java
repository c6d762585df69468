package org.traindeeploy.ir;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The stable text form of a graph, for tests and {@code --print-ir}:
 * <pre>
 * input %x: float[2,4]
 * const %w: float[4,3]
 * state %b: float[3]
 * %y: float[2,3] = Linear[transW=false, alpha=1](%x, %w, %b)
 * output logits = %y
 * update %b &lt;- %b.next
 * </pre>
 * Constants print their type only (and their values when {@code withValues} and they are small).
 */
public final class Printer {
    private Printer() {}

    public static String print(Graph g) { return print(g, false); }

    public static String print(Graph g, boolean withValues) {
        StringBuilder sb = new StringBuilder();
        for (Value v : g.inputs()) sb.append("input %").append(v.name()).append(": ").append(v.type()).append('\n');
        java.util.Set<Value> used = new java.util.HashSet<>();
        for (Node n : g.nodes()) used.addAll(n.inputs());
        used.addAll(g.outputs());
        used.addAll(g.stateUpdates().values());
        for (Value v : g.values()) {
            if (v.kind() == Value.Kind.CONSTANT && used.contains(v)) {
                sb.append("const %").append(v.name()).append(": ").append(v.type());
                if (withValues && v.type().size() <= 8) sb.append(" = ").append(values(v.data()));
                sb.append('\n');
            }
        }
        for (Value v : g.states()) sb.append("state %").append(v.name()).append(": ").append(v.type()).append('\n');
        for (Node n : g.nodes()) sb.append(node(n)).append('\n');
        for (int i = 0; i < g.outputs().size(); i++) {
            sb.append("output ").append(g.outputNames().get(i)).append(" = %").append(g.outputs().get(i).name()).append('\n');
        }
        g.stateUpdates().forEach((s, v) -> sb.append("update %").append(s.name()).append(" <- %").append(v.name()).append('\n'));
        return sb.toString();
    }

    public static String node(Node n) {
        String outs = n.outputs().stream().map(v -> "%" + v.name() + ": " + v.type()).collect(Collectors.joining(", "));
        String ins = n.inputs().stream().map(v -> v == null ? "_" : "%" + v.name()).collect(Collectors.joining(", "));
        return outs + " = " + op(n.op()) + "(" + ins + ")";
    }

    /** {@code Name[attr=value, ...]}, or just the name for an op without attributes. */
    public static String op(Op op) {
        StringBuilder sb = new StringBuilder(op.opType());
        RecordComponent[] rc = op.getClass().getRecordComponents();
        if (rc == null || rc.length == 0) return sb.toString();
        sb.append('[');
        for (int i = 0; i < rc.length; i++) {
            if (i > 0) sb.append(", ");
            try {
                sb.append(rc[i].getName()).append('=').append(attr(rc[i].getAccessor().invoke(op)));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return sb.append(']').toString();
    }

    static String attr(Object v) {
        if (v instanceof int[] a) return Arrays.toString(a).replace(" ", "");
        if (v instanceof long[] a) return Arrays.toString(a).replace(" ", "");
        if (v instanceof double[] a) return Arrays.toString(a).replace(" ", "");
        if (v instanceof Double d) return Tensor.formatReal(d);
        if (v instanceof Op o) return op(o);
        if (v instanceof Record r) {
            RecordComponent[] rc = r.getClass().getRecordComponents();
            StringBuilder sb = new StringBuilder("{");
            for (int i = 0; i < rc.length; i++) {
                if (i > 0) sb.append(",");
                try {
                    sb.append(rc[i].getName()).append('=').append(attr(rc[i].getAccessor().invoke(r)));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return sb.append('}').toString();
        }
        return String.valueOf(v);
    }

    static String values(Tensor t) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < t.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append(t.isReal() ? Tensor.formatReal(t.getDouble(i)) : Long.toString(t.getLong(i)));
        }
        return sb.append(']').toString();
    }

    /** Histogram of op types, sorted by name. */
    public static java.util.SortedMap<String, Integer> histogram(List<Node> nodes) {
        java.util.SortedMap<String, Integer> h = new java.util.TreeMap<>();
        for (Node n : nodes) h.merge(n.op().opType(), 1, Integer::sum);
        return h;
    }
}
