package org.traindeeploy.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.onnx.proto.OnnxProto.GraphProto;
import org.traindeeploy.onnx.proto.OnnxProto.StringStringEntryProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorProto;

/**
 * External data is read only from inside the model's folder: absolute locations, {@code ..}
 * segments (either slash), NUL characters, and links whose target lies outside are refused with a
 * one-line error naming the model file and the tensor. Layout of each test:
 * <pre>
 *   root/secret.bin            (outside: must never be read)
 *   root/model/model.onnx
 *   root/model/w.bin           (the weights, 48 bytes = float[3,4])
 *   root/model/sub/w.bin
 * </pre>
 */
class ExternalDataTest {
    @TempDir Path root;
    Path modelDir;

    @BeforeEach
    void layout() throws IOException {
        modelDir = Files.createDirectories(root.resolve("model"));
        Files.createDirectories(modelDir.resolve("sub"));
        byte[] w = weights();
        Files.write(modelDir.resolve("w.bin"), w);
        Files.write(modelDir.resolve("sub/w.bin"), w);
        Files.write(root.resolve("secret.bin"), w);
    }

    private static byte[] weights() {
        ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 12; i++) b.putFloat(i);
        return b.array();
    }

    /** The linear model with W stored at {@code location}. */
    private Path modelWithWeightsAt(String location) {
        GraphProto.Builder g = Models.linear();
        g.setInitializer(0, Models.external("W", location, 3, 4));
        return Models.write(modelDir.resolve("model.onnx"), Models.model(g));
    }

    private static Graph importGraph(Path file) {
        return OnnxImporter.importFile(file, OnnxImporter.Options.defaults()).graph();
    }

    private CompileException refused(String location) {
        Path file = modelWithWeightsAt(location);
        CompileException e = assertThrows(CompileException.class, () -> importGraph(file));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(file + ": tensor 'W': "), msg);
        assertTrue(!msg.contains("\n"), msg);
        return e;
    }

    @Test
    void relativeLocationInsideTheFolderIsRead() {
        Graph g = importGraph(modelWithWeightsAt("w.bin"));
        assertEquals(11.0, g.value("W").data().getDouble(11));
        assertEquals(5.0, importGraph(modelWithWeightsAt("sub/w.bin")).value("W").data().getDouble(5));
        assertEquals(5.0, importGraph(modelWithWeightsAt("./w.bin")).value("W").data().getDouble(5));
    }

    @Test
    void absoluteLocationIsRefused() {
        String abs = root.resolve("secret.bin").toAbsolutePath().toString();
        assertTrue(refused(abs).getMessage().contains("is absolute"));
        assertTrue(refused("/etc/passwd").getMessage().contains("is absolute"));
        assertTrue(refused("C:\\Windows\\secret.bin").getMessage().contains("is absolute"));
        assertTrue(refused("\\\\server\\share\\w.bin").getMessage().contains("is absolute"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../secret.bin", "sub/../../secret.bin", "sub/../w.bin", "..\\secret.bin", "sub\\..\\..\\secret.bin", ".."})
    void dotDotIsRefused(String location) {
        assertTrue(refused(location).getMessage().contains("contains '..'"));
    }

    @Test
    void linkToAFileOutsideIsRefused() throws IOException {
        tryLink(modelDir.resolve("link.bin"), root.resolve("secret.bin"));
        assertTrue(refused("link.bin").getMessage().contains("outside the model's folder through a link"));
    }

    @Test
    void linkedFolderLeadingOutsideIsRefused() throws IOException {
        Path outside = Files.createDirectories(root.resolve("elsewhere"));
        Files.write(outside.resolve("w.bin"), weights());
        tryLink(modelDir.resolve("linked"), outside);
        assertTrue(refused("linked/w.bin").getMessage().contains("through a link"));
    }

    @Test
    void linkThatStaysInsideIsFollowed() throws IOException {
        tryLink(modelDir.resolve("alias.bin"), modelDir.resolve("sub/w.bin"));
        assertEquals(7.0, importGraph(modelWithWeightsAt("alias.bin")).value("W").data().getDouble(7));
    }

    @Test
    void modelReachedThroughALinkedFolderReadsBesideItsRealFile() throws IOException {
        // The model's own folder may be a link (e.g. a checkout mounted elsewhere): that is not "outside".
        modelWithWeightsAt("w.bin");
        tryLink(root.resolve("via"), modelDir);
        assertEquals(3.0, importGraph(root.resolve("via/model.onnx")).value("W").data().getDouble(3));
    }

    @Test
    void otherBadLocationsAreCleanErrors() {
        assertTrue(refused("missing.bin").getMessage().contains("does not exist"));
        assertTrue(refused("sub").getMessage().contains("not a regular file"));
        assertTrue(refused("w.bin\0.txt").getMessage().contains("NUL"));
        assertTrue(refused("").getMessage().contains("without a location"));
    }

    @Test
    void offsetAndLengthAreChecked() {
        GraphProto.Builder g = Models.linear();
        TensorProto.Builder t = Models.external("W", "w.bin", 3, 4).toBuilder()
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("8"));
        g.setInitializer(0, t);
        Path file = Models.write(modelDir.resolve("model.onnx"), Models.model(g));
        CompileException e = assertThrows(CompileException.class, () -> importGraph(file));
        assertTrue(e.getMessage().contains("too short"), e.getMessage());

        t = Models.external("W", "w.bin", 3, 4).toBuilder()
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(String.valueOf(Long.MAX_VALUE)));
        g.setInitializer(0, t);
        Path file2 = Models.write(modelDir.resolve("model.onnx"), Models.model(g));
        e = assertThrows(CompileException.class, () -> importGraph(file2));
        assertTrue(e.getMessage().startsWith(file2 + ": tensor 'W': "), e.getMessage());

        t = Models.external("W", "w.bin", 3, 4).toBuilder()
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("lots"));
        g.setInitializer(0, t);
        Path file3 = Models.write(modelDir.resolve("model.onnx"), Models.model(g));
        e = assertThrows(CompileException.class, () -> importGraph(file3));
        assertTrue(e.getMessage().contains("is not a number"), e.getMessage());
    }

    @Test
    void externalDataInAConstantNodeFollowsTheSameRules() {
        GraphProto.Builder g = Models.linear();
        g.addNode(0, Models.node("Constant", "c", new String[0], new String[] {"W2"},
                Models.tensorAttr("value", Models.external("W2", "../secret.bin", 3, 4))));
        g.setNode(1, g.getNode(1).toBuilder().setInput(1, "W2"));
        Path file = Models.write(modelDir.resolve("model.onnx"), Models.model(g));
        CompileException e = assertThrows(CompileException.class, () -> importGraph(file));
        assertTrue(e.getMessage().startsWith(file + ": node 'c' (Constant): tensor 'W2': "), e.getMessage());
        assertTrue(e.getMessage().contains("contains '..'"), e.getMessage());
    }

    @Test
    void tensorFilesOutsideAModelMayNotPointToExternalData() throws IOException {
        Path pb = modelDir.resolve("t.pb");
        Files.write(pb, Models.external("W", "w.bin", 3, 4).toByteArray());
        CompileException e = assertThrows(CompileException.class, () -> TensorIo.readFile(pb));
        assertTrue(e.getMessage().startsWith(pb + ": tensor 'W': external data is not allowed here"), e.getMessage());
    }

    private static void tryLink(Path link, Path target) throws IOException {
        try {
            Files.createSymbolicLink(link, target);
        } catch (UnsupportedOperationException | IOException e) {
            assumeTrue(false, "symbolic links are not available here: " + e);
        }
    }
}
