package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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

/**
 * Hand-made bad models and bad command lines, run through {@link Main#run} as a CI script would:
 * each must exit with code 2 and print exactly one line, {@code error: <file>: <reason>}, naming
 * the node or tensor where there is one; {@code --verbose} adds the stack trace after that line.
 *
 * <p>The models are built here with the protobuf builders (no binary fixtures): a truncated
 * file, random bytes, an empty file, a node reading an undefined value (missing initializer), a
 * cycle, an unsupported op, and external data that is absolute, uses {@code ..}, or goes through a
 * link to a file outside the model's folder.
 */
class BadInputTest {
    @TempDir static Path root;
    static Path models;

    record Run(int code, String out, String err) {
        List<String> errLines() { return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n", -1)).subList(0, err.split("\n", -1).length - (err.endsWith("\n") ? 1 : 0)); }
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString().replace("\r\n", "\n"));
    }

    // ---- the hand-made models --------------------------------------------------------------

    static ValueInfoProto input(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    static TensorProto floats(String name, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) b.putFloat(0.1f * i);
        return TensorProto.newBuilder().setName(name).setDataType(1).addDims(rows).addDims(cols).setRawData(ByteString.copyFrom(b.array())).build();
    }

    static NodeProto node(String op, String name, String[] in, String out) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(out);
        for (String i : in) n.addInput(i);
        if (op.equals("Gemm")) n.addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1));
        return n.build();
    }

    /** x[2,4] → Gemm(W[3,4]) → y[2,3]. */
    static GraphProto.Builder linear() {
        return GraphProto.newBuilder().setName("g").addInput(input("x", 2, 4)).addInitializer(floats("W", 3, 4))
                .addNode(node("Gemm", "fc", new String[] {"x", "W"}, "y")).addOutput(ValueInfoProto.newBuilder().setName("y"));
    }

    static Path write(String folder, GraphProto.Builder g) throws IOException {
        Path dir = Files.createDirectories(models.resolve(folder));
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(g).build();
        return Files.write(dir.resolve("model.onnx"), m.toByteArray());
    }

    static TensorProto externalW(String location) {
        return TensorProto.newBuilder().setName("W").setDataType(1).addDims(3).addDims(4).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location)).build();
    }

    @BeforeAll
    static void makeModels() throws IOException {
        models = Files.createDirectories(root.resolve("bad-models"));
        Files.write(root.resolve("secret.bin"), new byte[48]);
        byte[] mlp = Files.readAllBytes(Path.of("tests/conformance/mlp/model.onnx"));
        Files.write(models.resolve("truncated.onnx"), Arrays.copyOf(mlp, mlp.length / 2));
        byte[] noise = new byte[4096];
        new SplittableRandom(6).nextBytes(noise);
        Files.write(models.resolve("random.onnx"), noise);
        Files.write(models.resolve("empty.onnx"), new byte[0]);
        write("missing-initializer", linear().clearInitializer());
        write("cycle", linear().clearNode()
                .addNode(node("Relu", "first", new String[] {"t2"}, "t1"))
                .addNode(node("Relu", "second", new String[] {"t1"}, "t2"))
                .addNode(node("Add", "join", new String[] {"x", "t2"}, "s"))
                .addNode(node("Gemm", "fc", new String[] {"s", "W"}, "y")));
        write("unsupported-op", linear().addNode(node("Einsum", "mix", new String[] {"y"}, "z")).clearOutput()
                .addOutput(ValueInfoProto.newBuilder().setName("z")));
        write("external-absolute", linear().setInitializer(0, externalW(root.resolve("secret.bin").toAbsolutePath().toString())));
        write("external-dotdot", linear().setInitializer(0, externalW("../../secret.bin")));
        Path link = write("external-link", linear().setInitializer(0, externalW("weights.bin"))).resolveSibling("weights.bin");
        try {
            Files.createSymbolicLink(link, root.resolve("secret.bin"));
        } catch (UnsupportedOperationException | IOException e) {
            // no links on this file system: externalLink() is skipped
        }
    }

    /** Model, what the one line must contain after "error: <file>: ". */
    static Stream<Arguments> badModels() {
        return Stream.of(
                Arguments.of("truncated.onnx", "not a valid ONNX file (the file is truncated)"),
                Arguments.of("random.onnx", "not a valid ONNX file"),
                Arguments.of("empty.onnx", "not an ONNX model (no graph or IR version)"),
                Arguments.of("missing-initializer/model.onnx", "node 'fc' reads 'W', which no node, input or initializer defines"),
                Arguments.of("cycle/model.onnx", "the graph has a cycle through node "),
                Arguments.of("unsupported-op/model.onnx", "node 'mix' (Einsum): unsupported op 'Einsum'"),
                Arguments.of("external-absolute/model.onnx", "tensor 'W': external data location '"),
                Arguments.of("external-dotdot/model.onnx", "tensor 'W': external data location '../../secret.bin' contains '..'"),
                Arguments.of("external-link/model.onnx", "tensor 'W': external data location 'weights.bin' leads outside the model's folder through a link"),
                Arguments.of("no-such-file.onnx", "no such file"),
                Arguments.of("cycle", "is a folder, not a file"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badModels")
    void badModelGivesOneLineAndExitTwo(String name, String reason) {
        Path file = models.resolve(name);
        if (name.equals("external-link/model.onnx")) assumeTrue(Files.isSymbolicLink(file.resolveSibling("weights.bin")), "no symbolic links here");
        for (String[] extra : new String[][] {{}, {"--train", "all"}, {"--print-ir"}}) {
            List<String> args = new ArrayList<>(List.of("inspect", file.toString()));
            args.addAll(List.of(extra));
            Run r = cli(args.toArray(new String[0]));
            assertEquals(Main.BAD_INPUT, r.code(), args + ": " + r.err());
            assertEquals(1, r.errLines().size(), args + " printed:\n" + r.err());
            String line = r.errLines().get(0);
            assertTrue(line.startsWith("error: " + file + ": "), line);
            assertTrue(line.contains(reason), line + "\n  does not contain: " + reason);
            assertFalse(line.contains("internal compiler error") || line.contains("java."), line);
            assertEquals("", r.out(), "nothing on stdout before the error");
        }
    }

    @Test
    void verboseAddsTheStackTraceAfterTheSameLine() {
        Path file = models.resolve("unsupported-op/model.onnx");
        Run quiet = cli("inspect", file.toString());
        Run loud = cli("inspect", file.toString(), "--verbose");
        assertEquals(Main.BAD_INPUT, loud.code());
        assertEquals(quiet.errLines().get(0), loud.errLines().get(0));
        assertTrue(loud.errLines().size() > 2, loud.err());
        assertTrue(loud.err().contains("\tat org.traindeeploy."), loud.err());
    }

    // ---- bad flags and case folders ---------------------------------------------------------

    /** Command line, text the one "error:" line must contain. Flag errors name the flag, file errors the file. */
    static Stream<Arguments> badCommandLines() {
        String mlp = "tests/conformance/mlp/model.onnx";
        return Stream.of(
                Arguments.of(new String[] {"inspect", mlp, "--batch", "0"}, "--batch 0 must be at least 1"),
                Arguments.of(new String[] {"inspect", mlp, "--lora", "*", "--lora-rank", "0"}, "--lora-rank 0 must be at least 1"),
                Arguments.of(new String[] {"inspect", mlp, "--lora", "*", "--lora-alpha", "NaN"}, "--lora-alpha NaN must be positive"),
                Arguments.of(new String[] {"inspect", mlp, "--print-ir-after", "bogus"}, "--print-ir-after: unknown pass 'bogus'"),
                Arguments.of(new String[] {"inspect", mlp, "--train", "all", "--lr", "NaN"}, "--lr NaN must be a positive number"),
                Arguments.of(new String[] {"inspect", mlp, "--train", "all", "--momentum", "Infinity"}, "--momentum Infinity must be"),
                Arguments.of(new String[] {"inspect", mlp, "--train", "all", "--optimizer", "adam", "--betas", "1,0.9"}, "--betas 1.0,0.9 must both lie in [0, 1)"),
                Arguments.of(new String[] {"inspect", mlp, "--train", "all", "--accumulate", "0"}, "--accumulate 0 must be at least 1"),
                Arguments.of(new String[] {"inspect", mlp, "--train", "all", "--loss", "hinge"}, "unknown loss 'hinge'"),
                Arguments.of(new String[] {"inspect", mlp, "--train", "nothing-matches*"}, mlp + ": --train pattern 'nothing-matches*' matches no initializer"),
                Arguments.of(new String[] {"inspect", mlp, "--train", "all", "--output", "nope"}, mlp + ": the model has no output named 'nope'"),
                Arguments.of(new String[] {"check", "tests/no-such-case"}, "tests/no-such-case: not a conformance case (no manifest.json)"),
                Arguments.of(new String[] {"check", "tests/conformance/mlp", "--engine", "gpu"}, "--engine 'gpu' is not known"));
    }

    @ParameterizedTest
    @MethodSource("badCommandLines")
    void badCommandLineGivesOneErrorLineAndExitTwo(String[] args, String reason) {
        Run r = cli(args);
        assertEquals(Main.BAD_INPUT, r.code(), String.join(" ", args) + ": " + r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).startsWith("error: ") && r.errLines().get(0).contains(reason), r.err() + "  does not contain: " + reason);
    }

    @Test
    void badManifestNamesTheManifest() throws IOException {
        Path invalid = Files.createDirectories(root.resolve("case-invalid-json"));
        Files.writeString(invalid.resolve("manifest.json"), "{not json");
        Run r = cli("check", invalid.toString());
        assertEquals(Main.BAD_INPUT, r.code());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).startsWith("error: " + invalid.resolve("manifest.json") + ": invalid JSON"), r.err());

        Path betas = Files.createDirectories(root.resolve("case-bad-betas"));
        Files.writeString(betas.resolve("manifest.json"), "{\"strategies\": {\"s\": {\"optimizer\": {\"type\": \"adam\", \"lr\": 0.1, \"betas\": [0.9]}}}}");
        r = cli("check", betas.toString());
        assertEquals(Main.BAD_INPUT, r.code());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).startsWith("error: " + betas.resolve("manifest.json") + ": strategy 's': optimizer betas"), r.err());
    }

    /** Usage errors from the option parser are one line too, ending with a pointer to the command's --help. */
    @Test
    void usageErrorIsOneLine() {
        Run r = cli("inspect", "tests/conformance/mlp/model.onnx", "--batch", "many");
        assertEquals(Main.BAD_INPUT, r.code());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).startsWith("error: Invalid value for option '--batch'"), r.err());
        assertTrue(r.errLines().get(0).endsWith("(see 'traindeeploy inspect --help')"), r.err());
    }

    /** A small seeded byte-level fuzz through the real CLI entry point (the thorough one is in core). */
    @Test
    void damagedFilesThroughTheCli() throws IOException {
        byte[] mlp = Files.readAllBytes(Path.of("tests/conformance/mlp/model.onnx"));
        Path file = models.resolve("damaged.onnx");
        SplittableRandom r = new SplittableRandom(2024);
        int errors = 0;
        for (int i = 0; i < 300; i++) {
            byte[] b = mlp.clone();
            for (int k = 1 + r.nextInt(6); k > 0; k--) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            if (r.nextInt(4) == 0) b = Arrays.copyOf(b, r.nextInt(b.length));
            Files.write(file, b);
            Run run = cli("inspect", file.toString(), "--train", "all");
            if (run.code() == Main.OK) continue;
            errors++;
            assertEquals(Main.BAD_INPUT, run.code(), "case " + i + ": " + run.err());
            assertEquals(1, run.errLines().size(), "case " + i + ":\n" + run.err());
            String line = run.errLines().get(0);
            assertTrue(line.startsWith("error: " + file + ": ") && !line.contains("internal compiler error"), "case " + i + ": " + line);
        }
        assertTrue(errors > 0);
    }
}
