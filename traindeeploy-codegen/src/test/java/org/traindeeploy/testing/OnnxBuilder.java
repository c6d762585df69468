package org.traindeeploy.testing;

import java.util.List;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.onnx.TensorIo;
import org.traindeeploy.onnx.proto.OnnxProto.AttributeProto;
import org.traindeeploy.onnx.proto.OnnxProto.GraphProto;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.onnx.proto.OnnxProto.NodeProto;
import org.traindeeploy.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorShapeProto;
import org.traindeeploy.onnx.proto.OnnxProto.TypeProto;
import org.traindeeploy.onnx.proto.OnnxProto.ValueInfoProto;

/** Builds small ONNX models in tests, the way exporters write them (a copy of traindeeploy-core's test helper). */
public final class OnnxBuilder {
    private final GraphProto.Builder g = GraphProto.newBuilder().setName("test");
    private int opset = 17;
    private long irVersion = 8;

    public OnnxBuilder opset(int v) {
        opset = v;
        return this;
    }

    public OnnxBuilder irVersion(long v) {
        irVersion = v;
        return this;
    }

    /** A float input; a dimension given as a String is symbolic. */
    public OnnxBuilder input(String name, Object... dims) {
        g.addInput(info(name, 1, dims));
        return this;
    }

    public OnnxBuilder output(String name) {
        g.addOutput(ValueInfoProto.newBuilder().setName(name));
        return this;
    }

    public OnnxBuilder init(String name, Tensor t) {
        g.addInitializer(TensorIo.toProto(name, t));
        return this;
    }

    /** A node; attributes as alternating name, value (Long, Double, long[], double[], String, Tensor). */
    public OnnxBuilder node(String op, String name, List<String> in, List<String> out, Object... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addAllOutput(out);
        for (int i = 0; i < attrs.length; i += 2) n.addAttribute(attr((String) attrs[i], attrs[i + 1]));
        g.addNode(n);
        return this;
    }

    public OnnxBuilder domainNode(String domain, String op, String name, List<String> in, List<String> out) {
        g.addNode(NodeProto.newBuilder().setOpType(op).setDomain(domain).setName(name).addAllInput(in).addAllOutput(out));
        return this;
    }

    public ModelProto build() {
        return ModelProto.newBuilder().setIrVersion(irVersion).setProducerName("test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1))
                .setGraph(g).build();
    }

    static ValueInfoProto info(String name, int elem, Object... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String p) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(p));
            else s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elem).setShape(s))).build();
    }

    static AttributeProto attr(String name, Object v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (v instanceof Long l) a.setType(AttributeProto.AttributeType.INT).setI(l);
        else if (v instanceof Integer l) a.setType(AttributeProto.AttributeType.INT).setI(l);
        else if (v instanceof Double d) a.setType(AttributeProto.AttributeType.FLOAT).setF(d.floatValue());
        else if (v instanceof long[] ls) {
            a.setType(AttributeProto.AttributeType.INTS);
            for (long l : ls) a.addInts(l);
        } else if (v instanceof String s) a.setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8(s));
        else if (v instanceof Tensor t) a.setType(AttributeProto.AttributeType.TENSOR).setT(TensorIo.toProto("", t));
        else throw new IllegalArgumentException("attribute type " + v.getClass());
        return a.build();
    }
}
