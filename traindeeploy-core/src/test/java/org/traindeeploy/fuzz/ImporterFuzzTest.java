package org.traindeeploy.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;

/**
 * Seeded mutation fuzzing of the importer and the training pipeline on the shipped models.
 * Every mutated model must end in success or a clean one-line error naming the file — never an
 * uncaught exception, a wrapped Java exception, a hang or a runaway allocation (see {@link Harness}).
 *
 * <p>Cases are deterministic: case {@code i} of a batch uses seed {@code batchSeed + i}. A failure
 * is reported with its batch, index and the mutations applied; rerun one case with
 * {@code -Dtraindeeploy.fuzz.only=<model>:<mode>:<index>}. {@code -Dtraindeeploy.fuzz.scale=10}
 * runs ten times as many cases (new seeds beyond the usual ones) for a longer soak, and
 * {@code -Dtraindeeploy.fuzz.dump=FILE} appends every case's outcome and message to FILE.
 */
class ImporterFuzzTest {
    enum Mode { BYTES, PROTO, PROTO_THEN_BYTES }

    private static final double SCALE = Double.parseDouble(System.getProperty("traindeeploy.fuzz.scale", "1"));
    private static final String ONLY = System.getProperty("traindeeploy.fuzz.only", "");
    /** A file to append every case's outcome to (for reviewing messages and comparing runs). */
    private static final String DUMP = System.getProperty("traindeeploy.fuzz.dump", "");

    @TempDir static Path root;
    private static Path caseDir;
    private static Harness harness;

    @BeforeAll
    static void fixture() throws IOException {
        // The model folder holds a 4 KiB external-data file, a sub-folder, and a link to a file outside.
        caseDir = Files.createDirectories(root.resolve("case"));
        Files.createDirectories(caseDir.resolve("sub"));
        byte[] w = new byte[4096];
        new SplittableRandom(1).nextBytes(w);
        Files.write(caseDir.resolve("weights.bin"), w);
        Files.write(root.resolve("outside.bin"), w);
        try {
            Files.createSymbolicLink(caseDir.resolve("link.bin"), root.resolve("outside.bin"));
        } catch (UnsupportedOperationException | IOException e) {
            Files.write(caseDir.resolve("link.bin"), w); // no links here: a plain file keeps the case meaningful
        }
        harness = new Harness();
    }

    @AfterAll
    static void stop() { harness.close(); }

    /** Model, mutation mode, number of cases, whether to also run the training compile. Small models get most cases. */
    static Stream<Arguments> batches() {
        return Stream.of(
                Arguments.of("tests/conformance/mlp/model.onnx", Mode.PROTO, 3000, true),
                Arguments.of("tests/conformance/mlp/model.onnx", Mode.BYTES, 1600, true),
                Arguments.of("tests/conformance/cnn/model.onnx", Mode.PROTO, 3000, true),
                Arguments.of("tests/conformance/cnn/model.onnx", Mode.BYTES, 1600, true),
                Arguments.of("tests/conformance/cnn/model.onnx", Mode.PROTO_THEN_BYTES, 600, true),
                Arguments.of("tests/conformance/cct/model.onnx", Mode.PROTO, 1000, true),
                Arguments.of("tests/conformance/cct/model.onnx", Mode.BYTES, 400, true),
                Arguments.of("tests/conformance/cct2/model.onnx", Mode.PROTO, 120, false),
                Arguments.of("models/cct2/model.onnx", Mode.BYTES, 80, false));
    }

    @ParameterizedTest(name = "{0} {1} x{2}")
    @MethodSource("batches")
    void mutatedModelsFailCleanly(String model, Mode mode, int count, boolean train) throws IOException {
        Path src = Path.of(model);
        byte[] original = Files.readAllBytes(src);
        ModelProto proto = ModelProto.parseFrom(original);
        String id = src.getParent().getFileName() + ":" + mode;
        long batchSeed = (long) id.hashCode() << 20;
        int n = (int) Math.ceil(count * SCALE);
        Path file = caseDir.resolve("model.onnx");
        List<String> failures = new ArrayList<>();
        int[] kinds = new int[3];
        for (int i = 0; i < n; i++) {
            if (!ONLY.isEmpty() && !ONLY.equals(id + ":" + i)) continue;
            SplittableRandom r = new SplittableRandom(batchSeed + i);
            StringBuilder log = new StringBuilder();
            byte[] bytes = switch (mode) {
                case BYTES -> ByteMutator.mutate(original, r, log);
                case PROTO -> ProtoMutator.mutate(proto, r, log).toByteArray();
                case PROTO_THEN_BYTES -> {
                    byte[] b = ProtoMutator.mutate(proto, r, log).toByteArray();
                    log.append("; ");
                    yield b.length == 0 ? b : ByteMutator.mutate(b, r, log);
                }
            };
            Integer batch = r.nextInt(32) == 0 ? 1 + r.nextInt(3) : null;
            Files.write(file, bytes);
            Harness.Outcome o = harness.run(file, batch, train);
            kinds[o.kind().ordinal()]++;
            if (!DUMP.isEmpty()) {
                Files.writeString(Path.of(DUMP), id + ":" + i + "\t" + o.kind() + "\t" + o.detail().replace(file.toString(), "MODEL") + "\t[" + log + "]\n",
                        java.nio.charset.StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
            if (o.kind() == Harness.Kind.UNCLEAN) {
                String where = id + ":" + i + " [" + log + "]" + (batch == null ? "" : " --batch " + batch);
                failures.add(where + "\n    " + o.detail() + (o.cause() == null ? "" : "\n    at " + firstFrames(o.cause())));
            }
        }
        System.out.printf("fuzz %-24s %5d cases: %d ok, %d clean errors, %d unclean%n", id, n, kinds[0], kinds[1], kinds[2]);
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + n + " cases failed uncleanly:\n" + String.join("\n", failures.subList(0, Math.min(25, failures.size()))));
        }
        if (ONLY.isEmpty()) assertTrue(kinds[1] > 0, "no case was rejected: the mutations do not bite");
    }

    private static String firstFrames(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        StringBuilder sb = new StringBuilder(root.toString().replace('\n', ' '));
        StackTraceElement[] st = root.getStackTrace();
        for (int i = 0; i < Math.min(4, st.length); i++) sb.append("\n      ").append(st[i]);
        return sb.toString();
    }

    /** The unmutated models pass the same harness (a sanity check of the harness itself). */
    @ParameterizedTest
    @MethodSource("models")
    void shippedModelsImport(String model) {
        Harness.Outcome o = harness.run(Path.of(model), null, !model.contains("cct2"));
        assertEquals(Harness.Kind.OK, o.kind(), o.detail());
    }

    static Stream<String> models() {
        return Stream.of("tests/conformance/mlp/model.onnx", "tests/conformance/cnn/model.onnx", "tests/conformance/cct/model.onnx",
                "tests/conformance/cct2/model.onnx");
    }
}
