package org.traindeeploy.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.traindeeploy.onnx.proto.OnnxProto.AttributeProto;
import org.traindeeploy.onnx.proto.OnnxProto.GraphProto;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.onnx.proto.OnnxProto.NodeProto;
import org.traindeeploy.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.traindeeploy.onnx.proto.OnnxProto.StringStringEntryProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorShapeProto;
import org.traindeeploy.onnx.proto.OnnxProto.TypeProto;
import org.traindeeploy.onnx.proto.OnnxProto.ValueInfoProto;

/** Small hand-built ONNX models for importer tests (opset 17, IR 8). */
final class Models {
    private Models() {}

    static ValueInfoProto floatInput(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    static ValueInfoProto output(String name) { return ValueInfoProto.newBuilder().setName(name).build(); }

    static TensorProto floats(String name, long... dims) {
        long n = 1;
        for (long d : dims) n *= d;
        ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) b.putFloat(0.01f * (i % 7));
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    static TensorProto int64s(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(7).addDims(values.length);
        for (long v : values) t.addInt64Data(v);
        return t.build();
    }

    /** A float tensor whose data lives in an external file. */
    static TensorProto external(String name, String location, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    static NodeProto node(String op, String name, String[] inputs, String[] outputs, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name);
        for (String i : inputs) n.addInput(i);
        for (String o : outputs) n.addOutput(o);
        for (AttributeProto a : attrs) n.addAttribute(a);
        return n.build();
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto tensorAttr(String name, TensorProto t) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(t).build();
    }

    static ModelProto model(GraphProto.Builder g) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("traindeeploy-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(g.setName("g")).build();
    }

    /** x[2,4] → Gemm(W[3,4]ᵀ, b[3]) → y[2,3]: the smallest valid, trainable model. */
    static GraphProto.Builder linear() {
        return GraphProto.newBuilder()
                .addInput(floatInput("x", 2, 4))
                .addInitializer(floats("W", 3, 4))
                .addInitializer(floats("b", 3))
                .addNode(node("Gemm", "fc", new String[] {"x", "W", "b"}, new String[] {"y"}, intAttr("transB", 1)))
                .addOutput(output("y"));
    }

    static Path write(Path file, ModelProto m) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, m.toByteArray());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
