package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.conformance.Comparison;
import org.traindeeploy.ops.Concat;
import org.traindeeploy.ops.Reshape;

/**
 * The frame the kernel tests share: several parts (the nodes under test) of one graph, flattened and
 * concatenated into its one output "out", the C engine's result compared with the interpreter's part
 * by part so that a mismatch names the node.
 */
final class KernelParts {
    private KernelParts() {}

    /** Gaussian float data. */
    static Tensor random(Random r, int... shape) {
        double[] d = new double[(int) TensorType.elementCount(shape)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextGaussian();
        return Tensor.ofReal(DType.FLOAT, shape, d).roundToType();
    }

    /** Output "out": the parts flattened and concatenated (a single part only flattened). */
    static void output(Graph g, List<Value> parts) {
        List<Value> flat = new ArrayList<>();
        for (Value p : parts) flat.add(g.add(g.uniqueName("/flat_" + p.name()), new Reshape(new int[] {1, p.type().size()}), p));
        g.addOutput("out", flat.size() == 1 ? flat.get(0) : g.add("/all", new Concat(1), flat.toArray(new Value[0])));
    }

    /** Each part of {@code actual} against {@code expected} (both "out"): one line per part that does not match, "" when all do. */
    static String mismatches(List<Value> parts, Tensor actual, Tensor expected) {
        int offset = 0;
        StringBuilder bad = new StringBuilder();
        for (Value p : parts) {
            Comparison one = new Comparison();
            for (int i = 0; i < p.type().size(); i++) one.add(actual.getDouble(offset + i), expected.getDouble(offset + i));
            if (!one.passed()) bad.append(p.name()).append(" worst ").append(one.worstAbs()).append('\n');
            offset += p.type().size();
        }
        if (offset != expected.type().size()) bad.append("the parts cover ").append(offset).append(" of ").append(expected.type().size()).append(" elements\n");
        return bad.toString();
    }
}
