package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.onnx.OnnxImporter;

/**
 * Every command imports the ONNX model once (issue 11): --train last and all resolve their selection on
 * the one import, sweep's strategies and check's forward pass and strategies share it.
 */
class ImportOnceCommandsTest {
    @TempDir Path tmp;

    private static final String MLP = Path.of(CliTest.ROOT, "tests/conformance/mlp/model.onnx").toString();

    /** Runs the command, checks it succeeded, returns how many imports it made. */
    private static long imports(String... args) {
        long before = OnnxImporter.importCount();
        CliTest.Result r = CliTest.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
        return OnnxImporter.importCount() - before;
    }

    @Test
    void inspectAndCompileImportOnce() {
        assertEquals(1, imports("inspect", CliTest.CCT2, "--train", "last", "--print-ir-after", "import"));
        assertEquals(1, imports("inspect", CliTest.CCT2, "--train", "all"));
        assertEquals(1, imports("inspect", CliTest.CCT2));
        assertEquals(1, imports("compile", MLP, "--train", "last", "--target", "siracusa", "--l1", "64KiB", "-o", tmp.resolve("a").toString()));
        assertEquals(1, imports("compile", CliTest.CCT2, "--lora", "/blocks.*/*MatMul", "--lora-rank", "4", "--lora-alpha", "4",
                "--train", "/attention_pool/*,/fc/*", "--target", "host", "-o", tmp.resolve("b").toString()));
        assertEquals(1, imports("compile", MLP, "-o", tmp.resolve("c").toString()));
    }

    @Test
    void sweepAndCheckShareOneImport() {
        assertEquals(1, imports("sweep", CliTest.CCT2, "--target", "siracusa", "-o", tmp.resolve("s").toString(),
                "--strategies", "LP: --train last; ALL: --train all; LoRA: --lora '/blocks.1/*MatMul' --lora-rank 4 --lora-alpha 4 --train /fc/*"));
        // One per batch size: the strategies of another batch import the model for it.
        assertEquals(2, imports("sweep", MLP, "--target", "siracusa", "-o", tmp.resolve("t").toString(),
                "--strategies", "a: --train all; b: --train last; c: --train all --batch 2"));
        assertEquals(1, imports("check", Path.of(CliTest.ROOT, "tests/conformance/mlp").toString(), "--engine", "reference"));
    }

    @Test
    void trainAndProfileImportOnce() throws Exception {
        // train compiles the step, then reads the data set: an empty folder stops it there, after its one import.
        long before = OnnxImporter.importCount();
        CliTest.Result r = CliTest.run("train", CliTest.CCT2, "--train", "last", "--data", java.nio.file.Files.createDirectories(tmp.resolve("empty")).toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, OnnxImporter.importCount() - before);
        if (org.traindeeploy.codegen.Rv32.missing() == null) {
            assertEquals(1, imports("profile", MLP, "--train", "all", "--target", "siracusa", "--l1", "64KiB", "-o", tmp.resolve("p").toString()));
        }
    }
}
