package org.traindeeploy.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.onnx.proto.OnnxProto.GraphProto;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.testing.T;

/**
 * Doc strings are dropped while the file is read (OnnxReader.withoutDocStrings): which message
 * types can hold one is a fixed table, so the measuring and the copying pass agree, also when
 * several threads read at once (a race in a lazily filled table made parallel sweeps fail with an
 * IndexOutOfBoundsException).
 */
class DocStringsTest {
    @TempDir Path dir;

    @Test
    void theTableKnowsWhichTypesCanHoldADocString() {
        Map<Descriptors.Descriptor, Boolean> t = OnnxReader.hasDocTable(ModelProto.getDescriptor());
        Map<String, Boolean> byName = new java.util.HashMap<>();
        t.forEach((d, v) -> byName.put(d.getName(), v));
        // Directly, and through the recursion GraphProto -> NodeProto -> AttributeProto -> GraphProto.
        for (String yes : List.of("ModelProto", "GraphProto", "NodeProto", "AttributeProto", "TensorProto", "ValueInfoProto", "FunctionProto")) {
            assertTrue(byName.get(yes), yes);
        }
        // Types with no doc_string anywhere below them are copied as they are.
        for (String no : List.of("TensorShapeProto", "Dimension", "OperatorSetIdProto", "StringStringEntryProto")) {
            assertFalse(byName.get(no), no);
        }
    }

    @Test
    void parallelReadsAgreeWithASingleOne() throws Exception {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(T.root().resolve("tests/conformance/cct2/model.onnx")));
        GraphProto.Builder g = m.getGraph().toBuilder().setDocString("graph doc");
        for (int i = 0; i < g.getNodeCount(); i++) g.setNode(i, g.getNode(i).toBuilder().setDocString("node " + i));
        ModelProto withDocs = m.toBuilder().setDocString("model doc").setGraph(g).build();
        Path file = Files.write(dir.resolve("m.onnx"), withDocs.toByteArray());
        byte[] once = OnnxReader.withoutDocStrings(file);
        ModelProto read = ModelProto.parseFrom(once);
        assertEquals("", read.getDocString());
        assertEquals("", read.getGraph().getNode(3).getDocString());
        assertEquals(withDocs.getGraph().getNodeCount(), read.getGraph().getNodeCount());

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<byte[]>> runs = new ArrayList<>();
            for (int i = 0; i < 32; i++) runs.add(pool.submit(() -> OnnxReader.withoutDocStrings(file)));
            for (Future<byte[]> r : runs) assertArrayEquals(once, r.get());
        } finally {
            pool.shutdownNow();
        }
    }
}
