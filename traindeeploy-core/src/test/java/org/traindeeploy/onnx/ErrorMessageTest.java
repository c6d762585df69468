package org.traindeeploy.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.onnx.proto.OnnxProto.GraphProto;

/** Error messages are one printable line naming the file and the node or tensor, whatever the names hold. */
class ErrorMessageTest {
    @TempDir Path dir;

    private CompileException importError(GraphProto.Builder g) {
        Path file = Models.write(dir.resolve("m.onnx"), Models.model(g));
        CompileException e = assertThrows(CompileException.class, () -> OnnxImporter.importFile(file, OnnxImporter.Options.defaults()));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        return e;
    }

    @Test
    void controlCharactersInNamesAreEscaped() {
        GraphProto.Builder g = Models.linear();
        g.setNode(0, g.getNode(0).toBuilder().setName("evil\n\u001b[2Jname\r\u202Etxt").setOpType("Frobnicate"));
        String msg = importError(g).getMessage();
        assertFalse(msg.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == 0x202e), msg);
        assertTrue(msg.contains("node 'evil\\n\\u001b[2Jname\\r\\u202etxt' (Frobnicate): unsupported op 'Frobnicate'"), msg);
    }

    @Test
    void hugeNamesAreShortenedKeepingBothEnds() {
        GraphProto.Builder g = Models.linear();
        g.setNode(0, g.getNode(0).toBuilder().setName("n".repeat(100_000)).setOpType("Frobnicate"));
        String msg = importError(g).getMessage();
        assertTrue(msg.length() <= 1000, "length " + msg.length());
        assertTrue(msg.endsWith("(Frobnicate): unsupported op 'Frobnicate'"), msg);
    }

    @Test
    void nonAsciiNamesArePrintedAsTheyAre() {
        GraphProto.Builder g = Models.linear();
        g.setNode(0, g.getNode(0).toBuilder().setName("schicht_ä_層").setOpType("Frobnicate"));
        assertTrue(importError(g).getMessage().contains("node 'schicht_ä_層' (Frobnicate)"));
    }

    @Test
    void messageWithoutTextStillSaysSomething() {
        assertEquals("unknown error", new CompileException(null).getMessage());
    }

    @Test
    void undefinedInputNamesNodeAndValue() {
        GraphProto.Builder g = Models.linear();
        g.setNode(0, g.getNode(0).toBuilder().setInput(2, "bias_that_is_not_there"));
        String msg = importError(g).getMessage();
        assertTrue(msg.endsWith("node 'fc' reads 'bias_that_is_not_there', which no node, input or initializer defines"), msg);
    }

    @Test
    void cycleNamesANode() {
        GraphProto.Builder g = Models.linear();
        g.clearNode()
                .addNode(Models.node("Relu", "a", new String[] {"z"}, new String[] {"u"}))
                .addNode(Models.node("Relu", "b", new String[] {"u"}, new String[] {"z"}))
                .addNode(Models.node("Gemm", "fc", new String[] {"x", "W", "b"}, new String[] {"y"}, Models.intAttr("transB", 1)));
        assertTrue(importError(g).getMessage().contains("the graph has a cycle through node 'a'"));
    }
}
