package org.traindeeploy.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.onnx.proto.OnnxProto.AttributeProto;
import org.traindeeploy.onnx.proto.OnnxProto.GraphProto;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.onnx.proto.OnnxProto.NodeProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorProto;

/**
 * Writes a tuned model back to ONNX: the original model with its trained initializers replaced,
 * and LoRA adapters either merged into their base weights or kept as extra nodes:
 * <pre>
 * merged:  W′ = W + (α/r)·(B·A)ᵀ  (MatMul weight [in, out])   or  W + (α/r)·B·A  (Gemm transB=1, [out, in])
 * kept:    y = base(x) + (α/r)·(x·Aᵀ)·Bᵀ   as MatMul, MatMul, Mul, Add nodes after the base node
 * </pre>
 * Everything else of the model (other nodes, metadata, opsets) is kept as it was.
 */
public final class OnnxExporter {
    private OnnxExporter() {}

    /** One adapter to export: the node it adapts, its weight initializer, A [r, in], B [out, r] and the scale α/r. */
    public record Adapter(String node, String weight, Tensor a, Tensor b, double scale) {}

    public static ModelProto export(ModelProto model, Map<String, Tensor> trained, List<Adapter> adapters, boolean mergeLora) {
        GraphProto g = model.getGraph();
        Map<String, TensorProto> inits = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) inits.put(t.getName(), t);
        Map<String, Tensor> values = new HashMap<>();
        for (Map.Entry<String, Tensor> e : trained.entrySet()) {
            TensorProto orig = inits.get(e.getKey());
            if (orig == null) {
                if (e.getKey().endsWith(".lora_A") || e.getKey().endsWith(".lora_B")) continue; // an adapter, exported below
                throw new CompileException("trained tensor '" + e.getKey() + "' is not an initializer of the model");
            }
            Tensor t = e.getValue();
            Tensor o = TensorIo.fromProto(orig, null);
            if (t.dtype() != o.dtype()) {
                throw new CompileException("trained tensor '" + e.getKey() + "' is " + t.type() + ", the model's initializer is " + o.type() + " (types differ)");
            }
            if (o.size() != t.size()) throw new CompileException("trained tensor '" + e.getKey() + "' is " + t.type() + ", the model's initializer is " + o.type());
            requireFinite(t, "trained tensor '" + e.getKey() + "'");
            values.put(e.getKey(), t.reshape(o.shape()).cast(o.dtype()));
        }
        Map<String, NodeProto> nodeByName = new HashMap<>();
        Set<String> twice = new HashSet<>();
        for (NodeProto n : g.getNodeList()) if (nodeByName.put(n.getName(), n) != null) twice.add(n.getName());
        List<NodeProto> extra = new ArrayList<>();
        Map<String, String> renamedOutput = new HashMap<>();
        List<TensorProto> newInits = new ArrayList<>();
        Set<String> used = new HashSet<>(inits.keySet());
        for (NodeProto n : g.getNodeList()) used.addAll(n.getOutputList());
        for (Adapter ad : adapters) {
            NodeProto n = nodeByName.get(ad.node());
            if (n == null) throw new CompileException("LoRA adapter for node '" + ad.node() + "', which the model does not have");
            if (twice.contains(ad.node())) throw new CompileException("LoRA adapter for node '" + ad.node() + "': the model has several nodes of that name");
            if (!(ad.scale() > 0) || !Double.isFinite(ad.scale())) throw new CompileException("LoRA adapter for node '" + ad.node() + "': scale " + ad.scale() + " must be a positive number");
            checkAdapter(n, ad, inits, values);
            boolean gemmTransB = n.getOpType().equals("Gemm") && transB(n);
            if (mergeLora) {
                Tensor w = values.containsKey(ad.weight()) ? values.get(ad.weight()) : TensorIo.fromProto(requireInit(inits, ad.weight()), null);
                double alpha = n.getOpType().equals("Gemm") ? floatAttr(n, "alpha", 1.0) : 1.0;
                values.put(ad.weight(), merge(w, ad, gemmTransB, 1.0 / alpha));
            } else {
                if (!n.getOpType().equals("MatMul") && !n.getOpType().equals("Gemm")) {
                    throw new CompileException("LoRA adapter on node '" + ad.node() + "' (" + n.getOpType() + ") can only be kept on a MatMul or Gemm");
                }
                String base = ad.node();
                String y = n.getOutput(0);
                String yBase = fresh(used, y + "/base");
                renamedOutput.put(base, yBase);
                String aT = fresh(used, base + ".lora_A.T");
                String bT = fresh(used, base + ".lora_B.T");
                String scale = fresh(used, base + ".lora_scale");
                newInits.add(TensorIo.toProto(aT, transpose(ad.a())));
                newInits.add(TensorIo.toProto(bT, transpose(ad.b())));
                newInits.add(TensorIo.toProto(scale, Tensor.scalar(DType.FLOAT, ad.scale()).roundToType()));
                String t1 = fresh(used, base + "/lora_A_output");
                String t2 = fresh(used, base + "/lora_B_output");
                String t3 = fresh(used, base + "/lora_scaled");
                String x = n.getInput(0);
                if (n.getOpType().equals("Gemm") && transA(n)) throw new CompileException("keeping an adapter on Gemm '" + base + "' with transA=1 is not supported; use --merge-lora");
                extra.add(node("MatMul", base + "/lora_A", List.of(x, aT), t1));
                extra.add(node("MatMul", base + "/lora_B", List.of(t1, bT), t2));
                extra.add(node("Mul", base + "/lora_scale", List.of(t2, scale), t3));
                extra.add(node("Add", base + "/lora_add", List.of(yBase, t3), y));
            }
        }
        GraphProto.Builder gb = g.toBuilder().clearInitializer().clearNode();
        for (TensorProto t : g.getInitializerList()) {
            gb.addInitializer(values.containsKey(t.getName()) ? TensorIo.toProto(t.getName(), values.get(t.getName())) : t);
        }
        gb.addAllInitializer(newInits);
        for (NodeProto n : g.getNodeList()) {
            String yBase = renamedOutput.get(n.getName());
            if (yBase != null) {
                gb.addNode(n.toBuilder().setOutput(0, yBase));
                for (NodeProto e : extra) if (e.getName().startsWith(n.getName() + "/lora_")) gb.addNode(e);
            } else {
                gb.addNode(n);
            }
        }
        return model.toBuilder().setGraph(gb).build();
    }

    /** A and B are [r, in] and [out, r] with finite values, and match the node's weight. */
    private static void checkAdapter(NodeProto n, Adapter ad, Map<String, TensorProto> inits, Map<String, Tensor> values) {
        String what = "LoRA adapter for node '" + ad.node() + "'";
        int[] a = ad.a().shape();
        int[] b = ad.b().shape();
        if (a.length != 2 || b.length != 2 || a[0] != b[1] || a[0] < 1) {
            throw new CompileException(what + ": lora_A " + ad.a().type() + " and lora_B " + ad.b().type() + " must be [r, in] and [out, r]");
        }
        if (!ad.a().dtype().isFloat() || !ad.b().dtype().isFloat()) throw new CompileException(what + ": lora_A and lora_B must be floating point");
        requireFinite(ad.a(), what + ": lora_A");
        requireFinite(ad.b(), what + ": lora_B");
        Tensor w = values.containsKey(ad.weight()) ? values.get(ad.weight()) : TensorIo.fromProto(requireInit(inits, ad.weight()), null);
        int[] ws = w.shape();
        boolean transposed = n.getOpType().equals("Gemm") && transB(n);
        boolean fits = ws.length == 2 && (transposed ? ws[0] == b[0] && ws[1] == a[1] : ws[0] == a[1] && ws[1] == b[0]);
        if (!fits) {
            throw new CompileException(what + ": lora_A " + ad.a().type() + " and lora_B " + ad.b().type() + " do not fit its weight '" + ad.weight() + "' " + w.type());
        }
    }

    private static void requireFinite(Tensor t, String what) {
        if (!t.dtype().isFloat()) return;
        for (int i = 0; i < t.size(); i++) {
            double v = t.getDouble(i);
            if (!Double.isFinite(v)) throw new CompileException(what + " holds " + v + " at element " + i + " (values must be finite)");
        }
    }

    private static TensorProto requireInit(Map<String, TensorProto> inits, String name) {
        TensorProto t = inits.get(name);
        if (t == null) throw new CompileException("the model has no initializer '" + name + "'");
        return t;
    }

    /**
     * W + k·scale·(B·A)ᵀ for W [in, out], or W + k·scale·B·A for a transposed weight [out, in]; k undoes
     * a Gemm's alpha, which multiplies the base product but not the adapter.
     */
    static Tensor merge(Tensor w, Adapter ad, boolean transposed, double alphaInverse) {
        int r = ad.a().shape()[0];
        int in = ad.a().shape()[1];
        int out = ad.b().shape()[0];
        double[] a = ad.a().reals();
        double[] b = ad.b().reals();
        double[] wv = w.reals().clone();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double s = 0;
                for (int k = 0; k < r; k++) s += b[o * r + k] * a[k * in + i];
                int idx = transposed ? o * in + i : i * out + o;
                wv[idx] += alphaInverse * ad.scale() * s;
            }
        }
        return Tensor.ofReal(w.dtype(), w.shape(), wv).roundToType();
    }

    static Tensor transpose(Tensor t) {
        int[] s = t.shape();
        double[] v = t.reals();
        double[] o = new double[v.length];
        for (int i = 0; i < s[0]; i++) for (int j = 0; j < s[1]; j++) o[j * s[0] + i] = v[i * s[1] + j];
        return Tensor.ofReal(t.dtype(), new int[] {s[1], s[0]}, o);
    }

    private static boolean transB(NodeProto n) { return intAttr(n, "transB") == 1; }

    private static boolean transA(NodeProto n) { return intAttr(n, "transA") == 1; }

    private static long intAttr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getI();
        return 0;
    }

    private static double floatAttr(NodeProto n, String name, double dflt) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getF();
        return dflt;
    }

    private static NodeProto node(String op, String name, List<String> in, String out) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out).build();
    }

    private static String fresh(Set<String> used, String base) {
        String s = base;
        for (int k = 1; used.contains(s); k++) s = base + "_" + k;
        used.add(s);
        return s;
    }
}
