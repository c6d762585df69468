package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.codegen.HostBuild;
import org.traindeeploy.ir.DType;
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

/**
 * Tensor and node names with slashes, '..', quotes, comment markers and non-ASCII characters never
 * reach a file path and become valid C: the output folder holds exactly the generated files and
 * builds warnings-as-errors.
 */
class HostileNamesTest {
    static final String IN = "../../in\"put'é";
    static final String W = "../w/*evil*/";
    static final String B = "b\"; system(\"rm -rf /\"); //";
    static final String NODE = "/../../etc/\"passwd\"/ü??/";
    static final String OUT = "y/../../z\\n";

    static ModelProto model() {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(2)).addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(3));
        GraphProto g = GraphProto.newBuilder().setName("hostile")
                .addInput(ValueInfoProto.newBuilder().setName(IN).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))))
                .addInitializer(TensorIo.toProto(W, Tensor.floats(new int[] {4, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)))
                .addInitializer(TensorIo.toProto(B, Tensor.floats(new int[] {4}, 0.1, 0.2, 0.3, 0.4)))
                .addNode(NodeProto.newBuilder().setOpType("Gemm").setName(NODE).addInput(IN).addInput(W).addInput(B).addOutput(OUT)
                        .addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1)))
                .addOutput(ValueInfoProto.newBuilder().setName(OUT))
                .build();
        return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(g).build();
    }

    @Test
    void hostileNamesStayInsideTheOutputFolderAndCompile(@TempDir Path tmp) throws IOException {
        Path work = Files.createDirectories(tmp.resolve("a/b/c"));
        Path onnx = work.resolve("model.onnx");
        Files.write(onnx, model().toByteArray());
        Path out = work.resolve("out");
        CliTest.Result r = CliTest.run("compile", onnx.toString(), "-o", out.toString(), "--train", "all");
        assertEquals(0, r.code(), r.err());
        Set<String> files = new TreeSet<>();
        try (Stream<Path> s = Files.walk(tmp)) {
            s.filter(Files::isRegularFile).forEach(f -> files.add(tmp.relativize(f).toString()));
        }
        for (String f : files) assertTrue(f.equals("a/b/c/model.onnx") || f.startsWith("a/b/c/out/"), "unexpected file " + f);
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(Set.of(".traindeeploy-output", "Makefile", "kernels", "main.c", "network.c", "network.h", "network_data.S", "network_data.bin", "network_data.h", "report.html", "report.json",
                    "runtime", "td_plan.h", "td_target.h", "tensors.json"), new TreeSet<>(s.map(p -> p.getFileName().toString()).toList()));
        }
        HostBuild.make(out, null);
        assertTrue(Files.isExecutable(out.resolve("harness")));
        String c = Files.readString(out.resolve("network.c")) + Files.readString(out.resolve("network_data.S")) + Files.readString(out.resolve("network_data.h"));
        for (String line : c.split("\n")) {
            int at = line.indexOf("system(");
            if (at < 0) continue;
            int open = line.lastIndexOf("/*", at);
            assertTrue(open >= 0 && line.indexOf("*/", at) > at && line.indexOf("*/", open + 2) > at, "a name reached code outside a comment: " + line);
        }
        List<String> json = Files.readAllLines(out.resolve("tensors.json"));
        assertTrue(String.join("\n", json).contains("\\\"; system("), "tensors.json keeps the original key, escaped as JSON");
    }
}
