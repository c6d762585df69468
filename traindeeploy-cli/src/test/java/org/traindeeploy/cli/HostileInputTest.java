package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.traindeeploy.codegen.OutputFolder;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.onnx.TensorIo;
import org.traindeeploy.onnx.proto.OnnxProto.GraphProto;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.traindeeploy.onnx.proto.OnnxProto.StringStringEntryProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorShapeProto;
import org.traindeeploy.onnx.proto.OnnxProto.TypeProto;
import org.traindeeploy.onnx.proto.OnnxProto.ValueInfoProto;
import org.traindeeploy.testing.OnnxBuilder;

/**
 * The second round of hostile input (issue 15), one class per test: output folders that must never
 * be replaced, special files as inputs, loosely typed manifests and paths leaving the case folder,
 * flags checked before work, non-finite numbers, importer strictness, and what reaches the
 * terminal, the CSV and the report. Every failure is one {@code error:} line, exit code 2, and
 * nothing is lost.
 */
class HostileInputTest {
    @TempDir static Path root;
    static final String MLP = "tests/conformance/mlp/model.onnx";

    static BadInputTest.Run cli(String... args) { return BadInputTest.cli(args); }

    /** Exit 2, exactly one error line containing every {@code parts}, no trace, nothing on stdout when {@code quiet}. */
    static void fails(BadInputTest.Run r, boolean quiet, String... parts) {
        assertEquals(Main.BAD_INPUT, r.code(), r.out() + r.err());
        assertEquals(1, r.errLines().size(), r.err());
        String line = r.errLines().get(0);
        assertTrue(line.startsWith("error: "), line);
        assertFalse(line.contains("internal compiler error") || line.contains("Exception"), line);
        for (String p : parts) assertTrue(line.contains(p), line + "\n  does not contain: " + p);
        if (quiet) assertEquals("", r.out(), "nothing may be printed before the error");
    }

    /** A tensor file (a TensorProto, as the C harness writes them) for export's --weights. */
    static void writeTensor(Path file, String name, Tensor t) throws IOException {
        Files.write(file, TensorIo.toProto(name, t).toByteArray());
    }

    static Path write(String name, ModelProto m) throws IOException {
        Path dir = Files.createDirectories(root.resolve("models").resolve(name));
        return Files.write(dir.resolve("model.onnx"), m.toByteArray());
    }

    static boolean mkfifo(Path p) {
        try {
            return new ProcessBuilder("mkfifo", p.toString()).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** x[2,4] → Gemm(W[3,4], transB) → y[2,3], with W given. */
    static OnnxBuilder linear(Tensor w) {
        return new OnnxBuilder().input("x", 2, 4).init("W", w).node("Gemm", "fc", List.of("x", "W"), List.of("y"), "transB", 1L).output("y");
    }

    static Tensor w34() {
        double[] v = new double[12];
        for (int i = 0; i < 12; i++) v[i] = 0.1 * i - 0.5;
        return Tensor.floats(new int[] {3, 4}, v);
    }

    @BeforeAll
    static void setUp() throws IOException {
        Files.createDirectories(root.resolve("models"));
    }

    // ---- 1. one output-folder policy ----------------------------------------------------------

    static Stream<Arguments> protectedOutputs() {
        return Stream.of(
                Arguments.of("", "no folder or file name given"),
                Arguments.of(".", "is the working folder or contains it"),
                Arguments.of("..", "is the working folder or contains it"),
                Arguments.of("/", "root folder"),
                Arguments.of(System.getProperty("user.home"), "home folder"));
    }

    @ParameterizedTest(name = "-o \"{0}\"")
    @MethodSource("protectedOutputs")
    void theWorkingHomeAndRootFoldersAreNeverReplaced(String out, String reason) throws IOException {
        Path marker = Path.of("pom.xml");
        assertTrue(Files.exists(marker), "tests run in the project root");
        for (String cmd : new String[] {"compile", "sweep"}) {
            List<String> args = new ArrayList<>(List.of(cmd, MLP, "-o", out, "--force", "--batch", "2"));
            if (cmd.equals("compile")) args.addAll(List.of("--train", "all"));
            else args = new ArrayList<>(List.of(cmd, MLP, "-o", out, "--force", "--strategies", "a: --train all --batch 2"));
            fails(cli(args.toArray(new String[0])), true, "-o '" + out + "'", reason);
        }
        fails(cli("export", MLP, "--weights", root.toString(), "-o", out, "--force"), true, "-o '" + out + "'");
        assertTrue(Files.exists(marker), "nothing was deleted");
    }

    @Test
    void aFolderThatIsNotOursIsNeverReplacedEvenWithForce() throws IOException {
        Path theirs = Files.createDirectories(root.resolve("theirs"));
        Files.writeString(theirs.resolve("thesis.tex"), "years of work");
        fails(cli("compile", MLP, "-o", theirs.toString(), "--force", "--batch", "2"), true, "not an output of traindeeploy", OutputFolder.MARKER);
        fails(cli("sweep", MLP, "-o", theirs.toString(), "--force", "--strategies", "a: --train all --batch 2"), true, "not an output of traindeeploy");
        fails(cli("train", MLP, "--data", root.toString(), "--train", "all", "--keep", theirs.toString()), true, "--keep", "folder exists");
        assertEquals("years of work", Files.readString(theirs.resolve("thesis.tex")));

        // Our own output is replaced with --force (and only with it), and carries the marker.
        Path ours = root.resolve("ours");
        assertEquals(0, cli("compile", MLP, "-o", ours.toString(), "--batch", "2").code());
        assertTrue(Files.isRegularFile(ours.resolve(OutputFolder.MARKER)));
        fails(cli("compile", MLP, "-o", ours.toString(), "--batch", "2"), true, "exists (use --force");
        BadInputTest.Run again = cli("compile", MLP, "-o", ours.toString(), "--batch", "2", "--force");
        assertEquals(0, again.code(), again.err());
        // An empty folder holds nothing to lose.
        Path empty = Files.createDirectories(root.resolve("empty"));
        assertEquals(0, cli("compile", MLP, "-o", empty.toString(), "--batch", "2", "--force").code());
    }

    @Test
    void exportOverAFolderIsAClearError() throws IOException {
        Path dir = Files.createDirectories(root.resolve("export-dir"));
        Files.writeString(dir.resolve("keep.txt"), "x");
        fails(cli("export", MLP, "--weights", root.toString(), "-o", dir.toString(), "--force"), true, "is a folder");
        assertTrue(Files.exists(dir.resolve("keep.txt")));
    }

    /** Folders and files are created with the default modes (the umask decides), never forced to 0700/0600. */
    @Test
    void outputModesFollowTheUmask() throws IOException {
        Path probe = Files.createDirectory(root.resolve("mode-probe"));
        Path probeFile = Files.createFile(root.resolve("mode-probe.txt"));
        assumeTrue(probe.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path out = root.resolve("mode-out");
        assertEquals(0, cli("compile", MLP, "-o", out.toString(), "--batch", "2").code());
        assertEquals(Files.getPosixFilePermissions(probe), Files.getPosixFilePermissions(out));
        Set<PosixFilePermission> filePerms = Files.getPosixFilePermissions(probeFile);
        assertEquals(filePerms, Files.getPosixFilePermissions(out.resolve("Makefile")));
    }

    // ---- 2. every input is a regular file, read with a cap ------------------------------------

    @Test
    void specialFilesAreRefusedAtOnceNeverAHang() throws IOException {
        Path fifo = root.resolve("fifo.onnx");
        assumeTrue(mkfifo(fifo), "no mkfifo here");
        Path weights = Files.createDirectories(root.resolve("fifo-weights"));
        Files.createSymbolicLink(weights.resolve("W.pb"), fifo);
        Path strategies = root.resolve("fifo.onnx");
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            fails(cli("inspect", fifo.toString()), true, fifo.toString(), "not a regular file");
            fails(cli("compile", fifo.toString(), "-o", root.resolve("x").toString()), true, "not a regular file");
            fails(cli("export", MLP, "--weights", weights.toString(), "-o", root.resolve("x.onnx").toString()), true, "W.pb", "not a regular file");
            fails(cli("sweep", MLP, "--strategies-file", strategies.toString(), "-o", root.resolve("sw").toString()), true, "--strategies-file", "not a regular file");
            fails(cli("inspect", "/dev/zero"), true, "/dev/zero", "not a regular file");
            // A case whose data file is a pipe.
            Path kase = copyCase("fifo-case");
            Files.delete(kase.resolve("data/input_0.pb"));
            assumeTrue(mkfifo(kase.resolve("data/input_0.pb")));
            fails(cli("check", kase.toString(), "--engine", "reference"), false, "input_0.pb", "not a regular file");
        });
    }

    @Test
    void badStrategiesFilesAndDeeplyNestedJson() throws IOException {
        Path bin = Files.write(root.resolve("strategies.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0x80});
        fails(cli("sweep", MLP, "--strategies-file", bin.toString(), "-o", root.resolve("sw1").toString()), true, "--strategies-file", "not UTF-8 text");
        fails(cli("sweep", MLP, "--strategies-file", root.toString(), "-o", root.resolve("sw1").toString()), true, "--strategies-file", "is a folder");

        Path run = Files.createDirectories(root.resolve("nested-run/build"));
        Files.writeString(run.resolve("tensors.json"), "[".repeat(5000) + "]".repeat(5000));
        fails(cli("export", MLP, "--weights", run.getParent().toString(), "-o", root.resolve("n.onnx").toString()), true, "tensors.json", "nested deeper than");

        Path kase = Files.createDirectories(root.resolve("nested-case"));
        Files.writeString(kase.resolve("manifest.json"), "{\"a\":".repeat(3000) + "1" + "}".repeat(3000));
        fails(cli("check", kase.toString()), true, "manifest.json", "nested deeper than");
    }

    // ---- 3. one strict manifest reader, confined to the case folder ----------------------------

    static Path copyCase(String name) throws IOException {
        Path src = Path.of("tests/conformance/mlp");
        Path dst = root.resolve(name);
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
        return dst;
    }

    static Stream<Arguments> badManifests() {
        String ok = "\"strategies\": {\"s\": {\"trainable\": {}, \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1}}}";
        return Stream.of(
                Arguments.of("{}", "'strategies' must be an object"),
                Arguments.of("null", "a manifest must be a JSON object, got null"),
                Arguments.of("[1,2,3]", "a manifest must be a JSON object, got an array"),
                Arguments.of("{\"batch\": \"two\", " + ok + "}", "'batch' must be a whole number, got a string"),
                Arguments.of("{\"batch\": 1.5, " + ok + "}", "'batch' must be a whole number"),
                Arguments.of("{\"batch\": 1e30, " + ok + "}", "'batch' must be a whole number"),
                Arguments.of("{\"steps\": 9223372036854775807, " + ok + "}", "'steps' must lie in"),
                Arguments.of("{\"steps\": -1, " + ok + "}", "'steps' must lie in"),
                Arguments.of("{\"dynamic_batch\": 1, " + ok + "}", "'dynamic_batch' must be true or false"),
                Arguments.of("{\"model\": \"../../../../etc/passwd\", " + ok + "}", "'model' '../../../../etc/passwd' contains '..'"),
                Arguments.of("{\"model\": \"/proc/self/environ\", " + ok + "}", "is absolute"),
                Arguments.of("{\"strategies\": {\"s\": {\"trainable\": {\"W\": \"../../../etc/passwd\"}, \"optimizer\": {\"lr\": 0.1}}}}", "contains '..'"),
                Arguments.of("{\"strategies\": {\"s\": {\"trainable\": {\"W\": 3}, \"optimizer\": {\"lr\": 0.1}}}}", "must name a file"),
                Arguments.of("{\"strategies\": {\"s\": {\"trainable\": {}, \"optimizer\": {\"lr\": \"fast\"}}}}", "'lr' must be a finite number"),
                Arguments.of("{\"strategies\": {\"s\": {\"trainable\": {}, \"optimizer\": {\"lr\": 0.1}, \"losses\": [1, \"x\"]}}}", "'losses' must hold finite numbers"),
                Arguments.of("{\"strategies\": {\"s\": {\"trainable\": {}, \"optimizer\": {\"lr\": 0.1}, \"lora\": {\"rank\": 2.5, \"alpha\": 1, \"targets\": []}}}}",
                        "'rank' must be a whole number"),
                Arguments.of("{\"strategies\": {\"s\": {\"trainable\": {}, \"optimizer\": {\"lr\": 0.1}, \"lora\": {\"rank\": 2, \"alpha\": 1, \"targets\": "
                        + "[{\"node\": \"n\", \"A\": \"/etc/passwd\", \"B\": \"b.pb\"}]}}}}", "is absolute"),
                Arguments.of("{\"a\": 1, \"a\": 2, " + ok + "}", "invalid JSON"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badManifests")
    void manifestFieldsAreTypedAndConfined(String json, String reason) throws IOException {
        Path kase = Files.createDirectories(root.resolve("manifest-" + Integer.toHexString(json.hashCode())));
        Files.writeString(kase.resolve("manifest.json"), json);
        BadInputTest.Run r = cli("check", kase.toString());
        fails(r, true, kase.resolve("manifest.json").toString(), reason);
    }

    @Test
    void linksLeavingTheCaseFolderAreRefused() throws IOException {
        Path kase = copyCase("link-case");
        Files.delete(kase.resolve("model.onnx"));
        Files.createSymbolicLink(kase.resolve("model.onnx"), Path.of("/etc/passwd"));
        fails(cli("check", kase.toString()), true, "'model' 'model.onnx' leads outside the case folder through a link");

        Path data = copyCase("data-link-case");
        Files.delete(data.resolve("data/input_0.pb"));
        Files.createSymbolicLink(data.resolve("data/input_0.pb"), Path.of("/proc/self/environ"));
        fails(cli("check", data.toString()), false, "data/input_0.pb", "leads outside the case folder");
    }

    @Test
    void aMissingTrainableFileIsAnErrorNotFewerComparisons() throws IOException {
        Path kase = copyCase("missing-trainable");
        Path f;
        try (Stream<Path> s = Files.list(kase.resolve("full/step_0/grad"))) {
            f = s.sorted().findFirst().orElseThrow();
        }
        Files.delete(f);
        BadInputTest.Run r = cli("check", kase.toString(), "--engine", "reference");
        fails(r, false, "manifest.json", "strategy 'full'", f.getFileName().toString(), "does not exist");
    }

    // ---- 4. flags and paths before any work ---------------------------------------------------

    @Test
    void flagsAreCheckedBeforeAnyWork() throws IOException {
        Path theirs = Files.createDirectories(root.resolve("busy"));
        Files.writeString(theirs.resolve("f"), "x");
        fails(cli("compile", MLP, "-o", theirs.toString(), "--train", "all", "--batch", "2"), true, "-o", "exists");
        fails(cli("compile", MLP, "-o", root.resolve("c1").toString(), "--train", "all", "--batch", "2", "--cores", "0"), true, "--cores 0");
        fails(cli("train", MLP, "--data", root.toString(), "--train", "all", "--batch", "2", "--steps", "0"), true, "--steps 0");
        fails(cli("train", MLP, "--data", root.resolve("nope").toString(), "--train", "all", "--batch", "2"), true, "--data", "not a folder");
        fails(cli("train", MLP, "--data", root.toString(), "--train", "all", "--batch", "2", "--lr", "-1"), true, "--lr -1");
        fails(cli("sweep", MLP, "-o", root.resolve("s1").toString(), "--strategies", "a: --train all --batch 2; b: --train all --lr NaN"), true,
                "strategy 'b'", "--lr NaN");
        fails(cli("compile", MLP, "-o", root.resolve("c2").toString(), "--train", "all", "--batch", "2", "--target", "siracusa", "--l2",
                "99999999999999999999GiB"), true, "--l2");
        fails(cli("compile", MLP, "-o", root.resolve("c3").toString(), "--train", "all", "--batch", "2", "--target", "siracusa", "--l2", "9999999GiB"), true,
                "--l2", "too large");
        // check reads every case and strategy name before the first case runs; profile knows its target before compiling.
        fails(cli("check", "tests/conformance/mlp", "--engine", "reference", "--strategy", "nosuch"), true, "--strategy: ", "has no strategy 'nosuch'", "[full, last]");
        fails(cli("check", "tests/conformance/cnn", "tests/conformance/mlp", "--engine", "reference", "--strategy", "selective"), true, "has no strategy 'selective'",
                "tests/conformance/mlp");
        fails(cli("check", "tests/conformance/mlp", "--engine", "c", "--cores", "0"), true, "--cores 0");
        fails(cli("profile", MLP, "--train", "all", "--target", "host", "-o", root.resolve("p1").toString()), true, "profile needs a cluster target", "'host'");
        assertFalse(Files.exists(root.resolve("p1")));
    }

    @Test
    void badTargetFilesNameTheFieldWithoutJavaNames() throws IOException {
        String[][] cases = {
            {"[]", "expected an object"},
            {"{\"name\":\"t\",\"cores\":\"x\"}", "cores: expected an integer"},
            {"{\"name\":\"t\",\"cores\":1e300}", "cores: Numeric value (1e300) out of range"},
            {"{\"name\":\"t\",\"levels\":[{\"name\":\"L2\",\"sizeBytes\":0}]}", "levels[0]: memory level L2"},
            {"{\"name\":\"t\",\"nope\":1}", "missing field 'levels'"},
            {"{\"name\":\"t\",\"cores\":1,\"clockHz\":1,\"flopsPerCyclePerCore\":1,\"levels\":[{\"name\":\"L2\",\"sizeBytes\":9,\"alignment\":4}],\"nope\":1}",
                "unknown field 'nope'"},
            {"{\"name\":\"t\",\"cores\":1,\"clockHz\":0,\"flopsPerCyclePerCore\":1,\"levels\":[{\"name\":\"L2\",\"sizeBytes\":9,\"alignment\":4}]}",
                "clockHz must be a positive number"},
            {"{\"name\":\"t\",\"cores\":1,\"clockHz\":1,\"flopsPerCyclePerCore\":1,\"levels\":[{\"name\":\"L2\",\"sizeBytes\":9,\"alignment\":4}],"
                + "\"dma\":[{\"from\":\"L3\",\"to\":\"L2\",\"bytesPerCycle\":1}]}", "DMA link L3-L2 names a level"},
            {"{\"name\":\"t\",\"cores\":1,\"clockHz\":1,\"flopsPerCyclePerCore\":1,\"levels\":[{\"name\":\"L2\",\"sizeBytes\":9,\"alignment\":4}],"
                + "\"dma\":[{\"from\":\"L2\",\"to\":\"L2\",\"bytesPerCycle\":0}]}", "dma[0]: DMA link L2-L2: bytesPerCycle must be a positive number"},
            {"{\"name\":", "invalid target description"},
        };
        for (String[] c : cases) {
            Path t = Files.writeString(root.resolve("target-" + Integer.toHexString(c[0].hashCode()) + ".json"), c[0]);
            fails(cli("compile", MLP, "-o", root.resolve("tgt").toString(), "--train", "all", "--batch", "2", "--target", t.toString()), true,
                    "--target " + t, c[1]);
            BadInputTest.Run r = cli("inspect", MLP, "--target", t.toString());
            assertFalse(r.err().contains("org.traindeeploy") || r.err().contains("JsonToken"), r.err());
        }
        assertFalse(Files.exists(root.resolve("tgt")));
    }

    @Test
    void tinyMemoryBudgetsNameTheFlagAndTheModel() {
        fails(cli("compile", MLP, "-o", root.resolve("l1").toString(), "--train", "all", "--batch", "2", "--target", "siracusa", "--l1", "1B"), false,
                MLP + ": with --l1 1B: ");
        // 1 KiB of L2 is enough for mlp now that activations and weights move to L3; 16 B cannot hold its inputs, logits and loss.
        fails(cli("compile", MLP, "-o", root.resolve("l2").toString(), "--train", "all", "--batch", "2", "--target", "siracusa", "--l2", "16B"), false,
                MLP + ": with --l2 16B: ", "must stay in L2");
        assertFalse(Files.exists(root.resolve("l1")));
    }

    // ---- 5. finite values -----------------------------------------------------------------------

    @Test
    void nonFiniteWeightsNameTheFileAndTensor() throws IOException {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            Tensor w = w34();
            double[] v = w.reals().clone();
            v[5] = bad;
            Path m = write("nonfinite-" + bad, linear(Tensor.ofReal(DType.FLOAT, new int[] {3, 4}, v)).build());
            fails(cli("compile", m.toString(), "-o", root.resolve("nf").toString()), true, m.toString(), "initializer 'W'", "element 5", "finite");
        }
    }

    @Test
    void aNonFiniteLossNamesTheStep() throws IOException {
        Path f = Files.writeString(root.resolve("loss.txt"), "2.31\n1.5\nnan\n");
        CompileException e = org.junit.jupiter.api.Assertions.assertThrows(CompileException.class, () -> TrainCommand.losses(f));
        assertTrue(e.getMessage().contains("the loss of step 2 is nan"), e.getMessage());
        Files.writeString(f, "-inf\n");
        e = org.junit.jupiter.api.Assertions.assertThrows(CompileException.class, () -> TrainCommand.losses(f));
        assertTrue(e.getMessage().contains("step 0"), e.getMessage());
        Files.writeString(f, "0.5\n0.25\n");
        assertEquals(List.of(0.5, 0.25), TrainCommand.losses(f));
    }

    @Test
    void aZeroBatchIsAClearError() throws IOException {
        Path m = write("zero-batch", new OnnxBuilder().input("x", 0, 4).init("W", w34())
                .node("Gemm", "fc", List.of("x", "W"), List.of("y"), "transB", 1L).output("y").build());
        fails(cli("inspect", m.toString(), "--train", "all"), true, m.toString(), "graph input 'x'", "at least one sample");
    }

    @Test
    void exportRefusesANonPositiveOrNanAlpha() throws IOException {
        for (String a : new String[] {"NaN", "-4", "0", "Infinity"}) {
            fails(cli("export", MLP, "--weights", root.toString(), "--lora-alpha", a, "-o", root.resolve("a.onnx").toString()), true, "--lora-alpha " + a.replace("Infinity", "Infinity"));
        }
    }

    // ---- 6. importer strictness -----------------------------------------------------------------

    static ValueInfoProto info(String name, int elem, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elem).setShape(s))).build();
    }

    static ModelProto edit(ModelProto m, java.util.function.Consumer<GraphProto.Builder> f) {
        GraphProto.Builder g = m.getGraph().toBuilder();
        f.accept(g);
        return m.toBuilder().setGraph(g).build();
    }

    static Stream<Arguments> strictModels() {
        ModelProto base = linear(w34()).build();
        TensorProto w = base.getGraph().getInitializer(0);
        return Stream.of(
                Arguments.of("duplicate-input", edit(base, g -> g.addInput(info("x", 1, 2, 4))), "graph input 'x' is listed twice"),
                Arguments.of("init-vs-input", edit(base, g -> g.addInput(info("W", 1, 4, 3))), "graph input 'W' is declared float[4,3], but its initializer is float[3,4]"),
                Arguments.of("output-type", edit(base, g -> g.setOutput(0, info("y", 7, 2, 3))), "graph output 'y' is declared int64[2,3], but the graph computes float[2,3]"),
                Arguments.of("output-shape", edit(base, g -> g.setOutput(0, info("y", 1, 2, 5))), "graph output 'y' is declared float[2,5]"),
                Arguments.of("two-opsets", base.toBuilder().addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx").setVersion(13)).build(),
                        "imports the default-domain opset twice"),
                Arguments.of("raw-and-float", edit(base, g -> g.setInitializer(0, w.toBuilder().addFloatData(1f))), "tensor 'W' has typed data fields beside raw_data"),
                Arguments.of("external-negative-length", edit(base, g -> g.setInitializer(0, w.toBuilder().clearRawData()
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin"))
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("-1")))), "tensor 'W': external data offset 0 / length -1"),
                Arguments.of("zero-sized-weight", edit(base, g -> g.setInitializer(0, TensorIo.toProto("W", Tensor.zeros(DType.FLOAT, 3, 0)))), "float[3,0]"),
                Arguments.of("double-input", edit(base, g -> g.setInput(0, info("x", 11, 2, 4))), "graph input 'x' is double"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strictModels")
    void theImporterRefusesInconsistentModels(String name, ModelProto m, String reason) throws IOException {
        Path file = write(name, m);
        Files.write(file.resolveSibling("w.bin"), new byte[48]);
        for (String[] extra : new String[][] {{}, {"--train", "all"}}) {
            List<String> args = new ArrayList<>(List.of("inspect", file.toString()));
            args.addAll(Arrays.asList(extra));
            BadInputTest.Run r = cli(args.toArray(new String[0]));
            fails(r, true, file.toString(), reason);
        }
    }

    @Test
    void clipBoundsFromInitializersWork() throws IOException {
        Path m = write("clip-inits", new OnnxBuilder().input("x", 2, 4).init("W", w34()).init("lo", Tensor.scalar(DType.FLOAT, -0.5))
                .init("hi", Tensor.scalar(DType.FLOAT, 0.5)).node("Gemm", "fc", List.of("x", "W"), List.of("h"), "transB", 1L)
                .node("Clip", "clip", List.of("h", "lo", "hi"), List.of("y")).output("y").build());
        for (String train : new String[] {"all", "last", "fc"}) {
            BadInputTest.Run r = cli("inspect", m.toString(), "--train", train);
            assertEquals(0, r.code(), train + ": " + r.err());
        }
        assertEquals(0, cli("inspect", m.toString()).code());
    }

    @Test
    void twoNodesOfTheSameNameBothGetAdapters() throws IOException {
        Path m = write("same-name-lora", new OnnxBuilder().input("x", 2, 4).init("W1", Tensor.zeros(DType.FLOAT, 4, 4)).init("W2", Tensor.zeros(DType.FLOAT, 4, 3))
                .node("MatMul", "mm", List.of("x", "W1"), List.of("h")).node("MatMul", "mm", List.of("h", "W2"), List.of("y")).output("y").build());
        // Adapters are named after their node: two nodes of one name cannot both get one, and silently adapting only the first is wrong.
        fails(cli("inspect", m.toString(), "--lora", "mm", "--lora-rank", "2"), true, m.toString(), "matches two nodes named 'mm'");
        fails(cli("inspect", m.toString(), "--lora", "m*", "--lora-rank", "2"), true, "matches two nodes named 'mm'");
    }

    @Test
    void exportRefusesUnknownNamesWrongTypesAndTwoFilesForOneTensor() throws IOException {
        Path unknown = Files.createDirectories(root.resolve("w-unknown"));
        writeTensor(unknown.resolve("a.pb"), "no.such.tensor", Tensor.zeros(DType.FLOAT, 2));
        fails(cli("export", MLP, "--weights", unknown.toString(), "-o", root.resolve("e1.onnx").toString()), true, "'no.such.tensor' is not an initializer");

        Path ints = Files.createDirectories(root.resolve("w-int"));
        writeTensor(ints.resolve("a.pb"), "fc2.bias", Tensor.ofInt(DType.INT64, new int[] {2}, new long[] {1, 2}));
        fails(cli("export", MLP, "--weights", ints.toString(), "-o", root.resolve("e2.onnx").toString()), true, "'fc2.bias'", "types differ");

        Path twice = Files.createDirectories(root.resolve("w-twice"));
        writeTensor(twice.resolve("a.pb"), "fc2.bias", Tensor.zeros(DType.FLOAT, 2));
        writeTensor(twice.resolve("b.pb"), "fc2.bias", Tensor.zeros(DType.FLOAT, 2));
        fails(cli("export", MLP, "--weights", twice.toString(), "-o", root.resolve("e3.onnx").toString()), true, "a.pb and b.pb both hold tensor 'fc2.bias'");
        assertFalse(Files.exists(root.resolve("e3.onnx")));
    }

    @Test
    void aHugeDocStringIsNotKept() throws IOException {
        ModelProto m = linear(w34()).build();
        String doc = "d".repeat(8 << 20);
        m = m.toBuilder().setDocString(doc).setGraph(m.getGraph().toBuilder().setDocString(doc)
                .setNode(0, m.getGraph().getNode(0).toBuilder().setDocString(doc))).build();
        Path file = write("doc-string", m);
        ModelProto read = org.traindeeploy.onnx.OnnxReader.read(file);
        assertEquals("", read.getDocString());
        assertEquals("", read.getGraph().getDocString());
        assertEquals("", read.getGraph().getNode(0).getDocString());
        assertEquals(m.getGraph().getInitializer(0), read.getGraph().getInitializer(0));
        assertEquals(0, cli("inspect", file.toString(), "--train", "all").code());
    }

    // ---- 8. what reaches the CSV, the terminal and the report ----------------------------------

    @Test
    void csvCellsAreQuotedAndFormulasNeutralized() {
        assertEquals("plain", SweepCommand.csvText("plain"));
        assertEquals("\"a,b\"", SweepCommand.csvText("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", SweepCommand.csvText("say \"hi\""));
        assertEquals("\"two\nlines\"", SweepCommand.csvText("two\nlines"));
        assertEquals("'=cmd|' /C calc'!A0", SweepCommand.csvText("=cmd|' /C calc'!A0"));
        for (String f : new String[] {"+1", "-1", "@SUM(A1)"}) assertTrue(SweepCommand.csvText(f).startsWith("'"), f);
    }

    @Test
    void sweepNamesAreSafeInTheCsvAndOnTheTerminal() throws IOException {
        Path out = root.resolve("sweep-names");
        BadInputTest.Run r = cli("sweep", MLP, "-o", out.toString(), "--strategies", "=evil,\"x\"\u001b[31m: --train all --batch 2");
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().contains("\u001b"), "no raw escape on the terminal");
        assertTrue(r.out().contains("\\u001b"), r.out());
        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(2, csv.size());
        assertTrue(csv.get(1).startsWith("\"'=evil,\"\"x\"\"\u001b[31m\","), csv.get(1));
        assertEquals(csv.get(0).split(",").length, csv.get(1).substring(csv.get(1).lastIndexOf('"') + 1).split(",").length);
    }

    @Test
    void theReportDoesNotEmbedThePathAsTyped() throws IOException {
        Path dir = Files.createDirectories(root.resolve("<img src=x onerror=alert(1)>"));
        Path model = Files.copy(Path.of(MLP), dir.resolve("model.onnx"));
        Path out = root.resolve("report-path");
        assertEquals(0, cli("compile", model.toString(), "-o", out.toString(), "--train", "all", "--batch", "2").code());
        String html = Files.readString(out.resolve("report.html"));
        assertFalse(html.contains("<img"), "the folder name reached the HTML");
        assertFalse(html.contains(root.toString()), "the path as typed reached the HTML");
    }
}
