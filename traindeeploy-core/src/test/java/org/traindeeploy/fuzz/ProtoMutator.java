package org.traindeeploy.fuzz;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.traindeeploy.onnx.OnnxOps;
import org.traindeeploy.onnx.proto.OnnxProto.AttributeProto;
import org.traindeeploy.onnx.proto.OnnxProto.GraphProto;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.onnx.proto.OnnxProto.NodeProto;
import org.traindeeploy.onnx.proto.OnnxProto.StringStringEntryProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorShapeProto;
import org.traindeeploy.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Structural damage to a model through the protobuf builders: a well-formed file whose graph is
 * wrong (dropped, duplicated or reordered nodes, cycles, dangling inputs, wrong dtypes, absurd
 * dimensions and attributes, hostile names, external data pointing anywhere). Deterministic in the
 * random source.
 *
 * <p>External-data mutations assume the model is written into a folder holding {@code weights.bin}
 * (4 KiB), a sub-folder {@code sub/}, and {@code link.bin}, a symbolic link to a file outside
 * the folder (see {@link ImporterFuzzTest}).
 */
final class ProtoMutator {
    private ProtoMutator() {}

    /** Integers an attacker or a broken exporter would pick. */
    private static final long[] ABSURD = {0, -1, -2, 1, 2, 3, 7, 1000, 65_536, 1 << 20, 1_000_000_000L,
        Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, -(long) Integer.MAX_VALUE - 1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, 46_341};

    private static final String[] HOSTILE_NAMES = {"", "../../etc/passwd", "/abs/name", "a\"b'c", "new\nline", "tab\tx",
        "ünïcødé", "名前", "x/../y", "..", ".", "con", "a b", "\0nul", "%s%n", "${x}", "<b>", "a\\b", "\u202Eevil"};

    private static final String[] ATTRS = {"kernel_shape", "strides", "pads", "dilations", "group", "axis", "axes", "perm",
        "keepdims", "transA", "transB", "alpha", "beta", "epsilon", "to", "allowzero", "split", "num_outputs", "ceil_mode",
        "auto_pad", "starts", "ends", "value", "value_ints", "value_float", "value_int", "approximate", "start", "end",
        "noop_with_empty_axes", "count_include_pad", "storage_order", "stash_type", "min", "max", "bogus"};

    private static final String[] LOCATIONS = {"weights.bin", "link.bin", "/etc/passwd", "../outside.bin", "sub/../weights.bin",
        "missing.bin", "", "sub", ".", "weights.bin\0.txt", "C:\\Windows\\x", "..\\outside.bin", "./weights.bin", "sub/../../outside.bin"};

    /** The attributes each op reads: most attribute mutations hit one the op really uses. */
    private static final java.util.Map<String, String[]> OP_ATTRS = java.util.Map.ofEntries(
            java.util.Map.entry("Conv", new String[] {"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"}),
            java.util.Map.entry("MaxPool", new String[] {"kernel_shape", "strides", "pads", "dilations", "ceil_mode", "auto_pad", "storage_order"}),
            java.util.Map.entry("AveragePool", new String[] {"kernel_shape", "strides", "pads", "ceil_mode", "auto_pad", "count_include_pad"}),
            java.util.Map.entry("Gemm", new String[] {"alpha", "beta", "transA", "transB"}),
            java.util.Map.entry("Softmax", new String[] {"axis"}),
            java.util.Map.entry("Concat", new String[] {"axis"}),
            java.util.Map.entry("Gather", new String[] {"axis"}),
            java.util.Map.entry("Flatten", new String[] {"axis"}),
            java.util.Map.entry("Split", new String[] {"axis", "split", "num_outputs"}),
            java.util.Map.entry("LayerNormalization", new String[] {"axis", "epsilon", "stash_type"}),
            java.util.Map.entry("Transpose", new String[] {"perm"}),
            java.util.Map.entry("Squeeze", new String[] {"axes"}),
            java.util.Map.entry("Unsqueeze", new String[] {"axes"}),
            java.util.Map.entry("ReduceMean", new String[] {"axes", "keepdims", "noop_with_empty_axes"}),
            java.util.Map.entry("ReduceSum", new String[] {"axes", "keepdims", "noop_with_empty_axes"}),
            java.util.Map.entry("Reshape", new String[] {"allowzero"}),
            java.util.Map.entry("Shape", new String[] {"start", "end"}),
            java.util.Map.entry("Cast", new String[] {"to"}),
            java.util.Map.entry("Gelu", new String[] {"approximate"}),
            java.util.Map.entry("Constant", new String[] {"value", "value_ints", "value_float", "value_int", "value_floats"}),
            java.util.Map.entry("ConstantOfShape", new String[] {"value"}));

    static long absurd(SplittableRandom r) {
        return r.nextInt(4) == 0 ? r.nextInt(-10, 11) : ABSURD[r.nextInt(ABSURD.length)];
    }

    /** Apply 1 to 3 structural mutations; {@code log} receives their descriptions. */
    static ModelProto mutate(ModelProto m, SplittableRandom r, StringBuilder log) {
        ModelProto.Builder b = m.toBuilder();
        int k = 1 + r.nextInt(3);
        for (int i = 0; i < k; i++) {
            if (i > 0) log.append("; ");
            mutateOnce(b, r, log);
        }
        return b.build();
    }

    private static void mutateOnce(ModelProto.Builder mb, SplittableRandom r, StringBuilder log) {
        GraphProto.Builder g = mb.getGraphBuilder();
        int nodes = g.getNodeCount();
        int which = r.nextInt(24);
        if (nodes == 0 && which < 16) which = 16 + r.nextInt(8);
        switch (which) {
            case 0 -> {
                int i = r.nextInt(nodes);
                log.append("drop node ").append(i);
                g.removeNode(i);
            }
            case 1 -> {
                int i = r.nextInt(nodes);
                log.append("duplicate node ").append(i);
                g.addNode(r.nextInt(nodes + 1), g.getNode(i));
            }
            case 2 -> {
                // duplicate with fresh outputs and rewire a later reader: a second branch of the graph
                int i = r.nextInt(nodes);
                NodeProto.Builder n = g.getNode(i).toBuilder();
                for (int o = 0; o < n.getOutputCount(); o++) n.setOutput(o, n.getOutput(o) + "_dup");
                n.setName(n.getName() + "_dup");
                g.addNode(i + 1, n.build());
                log.append("clone node ").append(i);
            }
            case 3 -> {
                List<NodeProto> l = new ArrayList<>(g.getNodeList());
                Collections.shuffle(l, new java.util.Random(r.nextLong()));
                g.clearNode().addAllNode(l);
                log.append("shuffle nodes");
            }
            case 4 -> {
                // rewire an input to any defined name (may create a cycle or a type clash)
                List<String> names = definedNames(g);
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                if (n.getInputCount() == 0 || names.isEmpty()) {
                    log.append("noop");
                    return;
                }
                int slot = r.nextInt(n.getInputCount());
                String to = names.get(r.nextInt(names.size()));
                log.append("rewire ").append(n.getName()).append(" input ").append(slot).append(" to ").append(to);
                n.setInput(slot, to);
            }
            case 5 -> {
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                if (n.getInputCount() == 0) n.addInput("dangling");
                else n.setInput(r.nextInt(n.getInputCount()), "dangling_" + r.nextInt(100));
                log.append("dangling input on ").append(n.getName());
            }
            case 6 -> {
                // a cycle: an early node reads the output of itself or of a later node
                int i = r.nextInt(nodes);
                int j = i + r.nextInt(nodes - i);
                NodeProto.Builder n = g.getNodeBuilder(i);
                if (n.getInputCount() == 0 || g.getNode(j).getOutputCount() == 0) {
                    log.append("noop");
                    return;
                }
                n.setInput(r.nextInt(n.getInputCount()), g.getNode(j).getOutput(0));
                log.append("cycle ").append(i).append("<-").append(j);
            }
            case 7 -> {
                if (g.getInitializerCount() == 0) return;
                TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
                int dt = r.nextInt(4) == 0 ? (int) absurd(r) : r.nextInt(17);
                log.append("dtype of ").append(t.getName()).append(" = ").append(dt);
                t.setDataType(dt);
            }
            case 8 -> {
                if (g.getInitializerCount() == 0) return;
                TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
                mutateDims(t, r, log);
            }
            case 9 -> {
                // new contents for a small integer initializer (shapes, axes) or random raw data
                if (g.getInitializerCount() == 0) return;
                TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
                mutateData(t, r, log);
            }
            case 10 -> mutateGraphInput(g, r, log);
            case 11, 12 -> mutateAttribute(g.getNodeBuilder(r.nextInt(nodes)), r, log);
            case 13 -> {
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                List<String> ops = new ArrayList<>(OnnxOps.supported());
                String op = r.nextInt(10) == 0 ? "NotAnOp" : ops.get(r.nextInt(ops.size()));
                log.append("op of ").append(n.getName()).append(" = ").append(op);
                n.setOpType(op);
            }
            case 14 -> {
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                String name = HOSTILE_NAMES[r.nextInt(HOSTILE_NAMES.length)];
                switch (r.nextInt(3)) {
                    case 0 -> n.setName(name);
                    case 1 -> {
                        // rename an output and every reader of it consistently
                        if (n.getOutputCount() == 0) return;
                        String old = n.getOutput(0);
                        renameValue(g, old, name);
                    }
                    default -> {
                        if (n.getInputCount() > 0) n.setInput(r.nextInt(n.getInputCount()), name);
                    }
                }
                log.append("hostile name ").append(escape(name));
            }
            case 15 -> {
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                switch (r.nextInt(4)) {
                    case 0 -> { if (n.getInputCount() > 0) { List<String> l = new ArrayList<>(n.getInputList()); l.remove(l.size() - 1); n.clearInput().addAllInput(l); } }
                    case 1 -> n.addInput(definedNames(g).isEmpty() ? "x" : definedNames(g).get(r.nextInt(definedNames(g).size())));
                    case 2 -> { if (n.getOutputCount() > 0) { List<String> l = new ArrayList<>(n.getOutputList()); l.remove(l.size() - 1); n.clearOutput().addAllOutput(l); } }
                    default -> n.addOutput(n.getName() + "_extra_out");
                }
                log.append("arity change on ").append(n.getName());
            }
            case 16 -> {
                long v = r.nextBoolean() ? absurd(r) : r.nextInt(5, 25);
                if (mb.getOpsetImportCount() > 0 && r.nextBoolean()) mb.getOpsetImportBuilder(0).setVersion(v);
                else mb.setIrVersion(v);
                log.append("version = ").append(v);
            }
            case 17 -> {
                switch (r.nextInt(5)) {
                    case 0 -> g.clearOutput();
                    case 1 -> g.addOutput(ValueInfoProto.newBuilder().setName("undefined_output"));
                    case 2 -> { if (g.getOutputCount() > 0) g.addOutput(g.getOutput(0)); }
                    case 3 -> {
                        List<String> names = definedNames(g);
                        if (g.getOutputCount() > 0 && !names.isEmpty()) g.getOutputBuilder(0).setName(names.get(r.nextInt(names.size())));
                    }
                    default -> g.clearInput();
                }
                log.append("graph outputs/inputs changed");
            }
            case 18 -> {
                if (g.getInitializerCount() == 0) return;
                TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
                t.clearRawData().clearFloatData().clearInt64Data().setDataLocation(TensorProto.DataLocation.EXTERNAL).clearExternalData();
                String loc = LOCATIONS[r.nextInt(LOCATIONS.length)];
                t.addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(loc));
                if (r.nextBoolean()) t.addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(String.valueOf(absurd(r))));
                if (r.nextBoolean()) t.addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(r.nextInt(8) == 0 ? "12abc" : String.valueOf(absurd(r))));
                log.append("external data of ").append(t.getName()).append(" at ").append(escape(loc));
            }
            case 19 -> {
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                String[] domains = {"com.microsoft", "ai.onnx", "bogus.domain", "ai.onnx.ml"};
                n.setDomain(domains[r.nextInt(domains.length)]);
                log.append("domain of ").append(n.getName()).append(" = ").append(n.getDomain());
            }
            case 20 -> {
                // add a node that reads anything with absurd attributes
                List<String> names = definedNames(g);
                List<String> ops = new ArrayList<>(OnnxOps.supported());
                NodeProto.Builder n = NodeProto.newBuilder().setName("fuzz").setOpType(ops.get(r.nextInt(ops.size())));
                int ins = r.nextInt(4);
                for (int i = 0; i < ins && !names.isEmpty(); i++) n.addInput(names.get(r.nextInt(names.size())));
                n.addOutput("fuzz_out");
                for (int i = r.nextInt(3); i > 0; i--) n.addAttribute(randomAttribute(r));
                g.addNode(r.nextInt(nodes + 1), n.build());
                if (g.getOutputCount() > 0) g.getOutputBuilder(0).setName("fuzz_out");
                log.append("new node ").append(n.getOpType()).append(" reading ").append(n.getInputList());
            }
            case 21 -> {
                // a Constant with absurd contents feeding a node (shapes, axes, pads as inputs)
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                if (n.getInputCount() == 0) return;
                TensorProto.Builder t = TensorProto.newBuilder().setDataType(7);
                int len = r.nextInt(6);
                t.addDims(len);
                for (int i = 0; i < len; i++) t.addInt64Data(absurd(r));
                g.addNode(0, NodeProto.newBuilder().setOpType("Constant").setName("fuzz_const").addOutput("fuzz_const_out")
                        .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(t)));
                n.setInput(r.nextInt(n.getInputCount()), "fuzz_const_out");
                log.append("constant ").append(t.getInt64DataList()).append(" into ").append(n.getName());
            }
            case 22 -> {
                if (g.getInitializerCount() == 0) return;
                int i = r.nextInt(g.getInitializerCount());
                if (r.nextBoolean()) {
                    log.append("remove initializer ").append(g.getInitializer(i).getName());
                    g.removeInitializer(i);
                } else {
                    log.append("duplicate initializer ").append(g.getInitializer(i).getName());
                    g.addInitializer(g.getInitializer(i));
                }
            }
            default -> {
                // every node of one op type gets the same absurd attribute (reaches shared code paths)
                AttributeProto a = randomAttribute(r);
                String op = g.getNode(r.nextInt(Math.max(nodes, 1))).getOpType();
                for (NodeProto.Builder n : g.getNodeBuilderList()) {
                    if (n.getOpType().equals(op)) {
                        removeAttribute(n, a.getName());
                        n.addAttribute(a);
                    }
                }
                log.append("all ").append(op).append(" get ").append(a.getName());
            }
        }
    }

    private static void mutateDims(TensorProto.Builder t, SplittableRandom r, StringBuilder log) {
        switch (r.nextInt(4)) {
            case 0 -> t.addDims(absurd(r));
            case 1 -> { if (t.getDimsCount() > 0) { List<Long> l = new ArrayList<>(t.getDimsList()); l.remove(l.size() - 1); t.clearDims().addAllDims(l); } }
            case 2 -> { if (t.getDimsCount() > 0) t.setDims(r.nextInt(t.getDimsCount()), absurd(r)); }
            default -> {
                t.clearDims();
                for (int i = r.nextInt(8); i > 0; i--) t.addDims(absurd(r));
            }
        }
        log.append("dims of ").append(t.getName()).append(" = ").append(t.getDimsList());
    }

    private static void mutateData(TensorProto.Builder t, SplittableRandom r, StringBuilder log) {
        if (t.getDataType() == 7 && r.nextInt(4) != 0) {
            int n = 1;
            for (long d : t.getDimsList()) n *= (int) Math.max(0, Math.min(d, 64));
            ByteBuffer bb = ByteBuffer.allocate(8 * Math.max(0, Math.min(n, 64))).order(ByteOrder.LITTLE_ENDIAN);
            while (bb.hasRemaining()) bb.putLong(absurd(r));
            t.clearInt64Data().setRawData(ByteString.copyFrom(bb.array()));
            log.append("int64 data of ").append(t.getName()).append(" randomized");
            return;
        }
        switch (r.nextInt(4)) {
            case 0 -> t.setRawData(t.getRawData().substring(0, r.nextInt(t.getRawData().size() + 1)));
            case 1 -> {
                byte[] junk = new byte[r.nextInt(64)];
                for (int i = 0; i < junk.length; i++) junk[i] = (byte) r.nextInt(256);
                t.setRawData(ByteString.copyFrom(junk));
            }
            case 2 -> t.clearRawData().addFloatData(Float.NaN).addInt64Data(-1);
            default -> {
                // NaN/Inf floats
                byte[] d = t.getRawData().toByteArray();
                ByteBuffer bb = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
                float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -0f, 1e-45f};
                for (int i = 0; i + 4 <= d.length; i += 4) if (r.nextInt(4) == 0) bb.putFloat(i, specials[r.nextInt(specials.length)]);
                t.setRawData(ByteString.copyFrom(d));
            }
        }
        log.append("data of ").append(t.getName()).append(" damaged");
    }

    private static void mutateGraphInput(GraphProto.Builder g, SplittableRandom r, StringBuilder log) {
        if (g.getInputCount() == 0) return;
        ValueInfoProto.Builder vi = g.getInputBuilder(r.nextInt(g.getInputCount()));
        var tt = vi.getTypeBuilder().getTensorTypeBuilder();
        TensorShapeProto.Builder s = tt.getShapeBuilder();
        switch (r.nextInt(6)) {
            case 0 -> tt.setElemType(r.nextInt(4) == 0 ? (int) absurd(r) : r.nextInt(17));
            case 1 -> { if (s.getDimCount() > 0) s.getDimBuilder(r.nextInt(s.getDimCount())).setDimValue(absurd(r)); }
            case 2 -> { if (s.getDimCount() > 0) s.getDimBuilder(r.nextInt(s.getDimCount())).setDimParam("N"); }
            case 3 -> s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(absurd(r)));
            case 4 -> { if (s.getDimCount() > 0) s.removeDim(s.getDimCount() - 1); }
            default -> vi.clearType();
        }
        log.append("graph input ").append(vi.getName()).append(" type changed");
    }

    private static void mutateAttribute(NodeProto.Builder n, SplittableRandom r, StringBuilder log) {
        String[] own = OP_ATTRS.get(n.getOpType());
        if (n.getOpType().equals("Constant") && n.getAttributeCount() > 0 && n.getAttribute(0).hasT() && r.nextBoolean()) {
            // new contents for a Constant (where exporters keep Reshape shapes, Slice bounds, axes)
            TensorProto.Builder t = n.getAttributeBuilder(0).getTBuilder();
            if (t.getDataType() == 7) {
                long count = 1;
                for (long d : t.getDimsList()) count *= Math.max(0, Math.min(d, 64));
                ByteBuffer bb = ByteBuffer.allocate(8 * (int) Math.min(count, 64)).order(ByteOrder.LITTLE_ENDIAN);
                while (bb.hasRemaining()) bb.putLong(absurd(r));
                t.clearInt64Data().setRawData(ByteString.copyFrom(bb.array()));
            } else {
                mutateData(t, r, log);
            }
            log.append("constant ").append(n.getName()).append(" gets new contents");
            return;
        }
        if (own != null && r.nextInt(4) != 0) {
            // a type-correct but absurd value of an attribute the op reads
            String name = own[r.nextInt(own.length)];
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
            AttributeProto old = null;
            for (AttributeProto x : n.getAttributeList()) if (x.getName().equals(name)) old = x;
            boolean list = old != null ? old.getType() == AttributeProto.AttributeType.INTS
                    : java.util.Set.of("kernel_shape", "strides", "pads", "dilations", "perm", "axes", "split", "value_ints").contains(name);
            if (name.equals("epsilon") || name.equals("alpha") || name.equals("beta") || name.equals("value_float")) {
                a.setType(AttributeProto.AttributeType.FLOAT).setF(new float[] {Float.NaN, Float.NEGATIVE_INFINITY, -1f, 0f, 1e38f}[r.nextInt(5)]);
            } else if (name.equals("auto_pad") || name.equals("approximate")) {
                a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(new String[] {"SAME_UPPER", "SAME_LOWER", "VALID", "tanh", "x"}[r.nextInt(5)]));
            } else if (name.equals("value")) {
                a.setType(AttributeProto.AttributeType.TENSOR).setT(randomAttribute(r).toBuilder().getT().toBuilder().setDataType(r.nextBoolean() ? 1 : 7));
            } else if (list) {
                a.setType(AttributeProto.AttributeType.INTS);
                int len = old != null && r.nextBoolean() ? old.getIntsCount() : r.nextInt(7);
                for (int i = 0; i < len; i++) a.addInts(old != null && i < old.getIntsCount() && r.nextBoolean() ? old.getInts(i) : absurd(r));
            } else {
                a.setType(AttributeProto.AttributeType.INT).setI(absurd(r));
            }
            removeAttribute(n, name);
            n.addAttribute(a);
            log.append("attribute ").append(name).append(" of ").append(n.getName()).append(" = ").append(a.getType() == AttributeProto.AttributeType.INTS ? a.getIntsList().toString() : a.getType() == AttributeProto.AttributeType.INT ? String.valueOf(a.getI()) : a.getType().toString());
            return;
        }
        if (n.getAttributeCount() == 0 || r.nextInt(3) == 0) {
            AttributeProto a = randomAttribute(r);
            removeAttribute(n, a.getName());
            n.addAttribute(a);
            log.append("attribute ").append(a.getName()).append(" on ").append(n.getName());
            return;
        }
        AttributeProto.Builder a = n.getAttributeBuilder(r.nextInt(n.getAttributeCount()));
        switch (r.nextInt(6)) {
            case 0 -> a.setI(absurd(r));
            case 1 -> {
                if (a.getIntsCount() > 0) a.setInts(r.nextInt(a.getIntsCount()), absurd(r));
                else a.addInts(absurd(r));
            }
            case 2 -> a.setType(AttributeProto.AttributeType.forNumber(r.nextInt(1, 15)) == null ? AttributeProto.AttributeType.INT : AttributeProto.AttributeType.forNumber(r.nextInt(1, 15)));
            case 3 -> a.setF(new float[] {Float.NaN, Float.POSITIVE_INFINITY, -1f, 0f, 1e30f}[r.nextInt(5)]);
            case 4 -> {
                a.clearInts();
                for (int i = r.nextInt(7); i > 0; i--) a.addInts(absurd(r));
            }
            default -> {
                if (a.hasT()) mutateDims(a.getTBuilder(), r, log);
                else a.setS(ByteString.copyFromUtf8(HOSTILE_NAMES[r.nextInt(HOSTILE_NAMES.length)]));
            }
        }
        log.append("attribute ").append(a.getName()).append(" of ").append(n.getName()).append(" mutated");
    }

    static AttributeProto randomAttribute(SplittableRandom r) {
        String name = ATTRS[r.nextInt(ATTRS.length)];
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        switch (r.nextInt(5)) {
            case 0 -> a.setType(AttributeProto.AttributeType.INT).setI(absurd(r));
            case 1 -> {
                a.setType(AttributeProto.AttributeType.INTS);
                int len = r.nextInt(7);
                for (int i = 0; i < len; i++) a.addInts(absurd(r));
            }
            case 2 -> a.setType(AttributeProto.AttributeType.FLOAT).setF(new float[] {Float.NaN, -1f, 0f, 1e9f, 1e-9f}[r.nextInt(5)]);
            case 3 -> a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(
                    new String[] {"SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET", "tanh", "none", "bogus", ""}[r.nextInt(8)]));
            default -> {
                TensorProto.Builder t = TensorProto.newBuilder().setDataType(r.nextBoolean() ? 7 : 1);
                for (int i = r.nextInt(3); i > 0; i--) t.addDims(absurd(r));
                a.setType(AttributeProto.AttributeType.TENSOR).setT(t);
            }
        }
        return a.build();
    }

    private static void removeAttribute(NodeProto.Builder n, String name) {
        for (int i = n.getAttributeCount() - 1; i >= 0; i--) if (n.getAttribute(i).getName().equals(name)) n.removeAttribute(i);
    }

    private static void renameValue(GraphProto.Builder g, String old, String name) {
        for (NodeProto.Builder n : g.getNodeBuilderList()) {
            for (int i = 0; i < n.getInputCount(); i++) if (n.getInput(i).equals(old)) n.setInput(i, name);
            for (int i = 0; i < n.getOutputCount(); i++) if (n.getOutput(i).equals(old)) n.setOutput(i, name);
        }
        for (ValueInfoProto.Builder o : g.getOutputBuilderList()) if (o.getName().equals(old)) o.setName(name);
    }

    /** Names a node input may refer to: initializers, graph inputs, node outputs. */
    private static List<String> definedNames(GraphProto.Builder g) {
        List<String> l = new ArrayList<>();
        for (TensorProto t : g.getInitializerList()) l.add(t.getName());
        for (ValueInfoProto v : g.getInputList()) l.add(v.getName());
        for (NodeProto n : g.getNodeList()) l.addAll(n.getOutputList());
        return l;
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder("'");
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.append('\'').toString();
    }
}
