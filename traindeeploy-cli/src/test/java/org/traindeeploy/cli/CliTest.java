package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The command line end to end: output, exit codes, one-line errors. */
class CliTest {
    static final String ROOT = System.getProperty("traindeeploy.root", ".");
    static final String CCT2 = Path.of(ROOT, "models/cct2/model.onnx").toString();

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void inspectShowsTheNormalizedModel() {
        Result r = run("inspect", CCT2);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("input  input                float[1,3,32,32]"), r.out());
        assertTrue(r.out().contains("parameters: 284,491 elements in 41 tensors"), r.out());
        assertTrue(r.out().contains("Linear                       14"), r.out());
        assertTrue(r.out().contains("Gelu                         2"), r.out());
    }

    @Test
    void inspectWithTrainingFlagsShowsTrainableAndFrozenCounts() {
        Result r = run("inspect", CCT2, "--lora", "/blocks.*/*MatMul", "--lora-rank", "4", "--lora-alpha", "4", "--train", "/attention_pool/*,/fc/*");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("trainable: 13,707 elements in 28 tensors"), r.out());
        assertTrue(r.out().contains("frozen:    283,072 elements in 37 tensors"), r.out());
        // fuse-residual judges each fusion on the fixed schedule (ResidualJudge): 14 more residual Adds fuse into their Linear than before.
        // fuse-lora then folds each of the 12 adapters' three Linears into one LoraLinear: 24 forward nodes fewer (87 -> 63).
        assertTrue(r.out().contains("nodes: forward+loss 63, backward 116, optimizer 28"), r.out());
    }

    @Test
    void printIrAfterAPass() {
        Result r = run("inspect", CCT2, "--train", "last", "--print-ir-after", "autodiff");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("// ----- IR after autodiff -----"), r.out());
        assertTrue(r.out().contains("LinearGradWeight[transW=true, alpha=1]"), r.out());
        Result bad = run("inspect", CCT2, "--print-ir-after", "nosuchpass");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("error: --print-ir-after: unknown pass 'nosuchpass'"), bad.err());
    }

    @Test
    void checkPassesAConformanceCase() {
        Result r = run("check", Path.of(ROOT, "tests/conformance/mlp").toString(), "--engine", "reference");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("full       loss   loss"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("check: \\d+ passed, 0 failed")), r.out());
    }

    @Test
    void checkForwardOnly() {
        Result r = run("check", Path.of(ROOT, "tests/conformance/cnn").toString(), "--forward-only", "--engine", "reference");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("check: 1 passed, 0 failed"), r.out());
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        Result missing = run("check", "/nonexistent/case");
        assertEquals(2, missing.code());
        assertEquals("error: /nonexistent/case: not a conformance case (no manifest.json)", missing.err().strip());
        Result notOnnx = run("inspect", Path.of(ROOT, "README.md").toString());
        assertEquals(2, notOnnx.code());
        assertEquals(1, notOnnx.err().strip().lines().count(), notOnnx.err());
        assertTrue(notOnnx.err().startsWith("error: "), notOnnx.err());
        Result badStrategy = run("check", Path.of(ROOT, "tests/conformance/mlp").toString(), "--strategy", "nope");
        assertEquals(2, badStrategy.code());
        assertTrue(badStrategy.err().contains("has no strategy 'nope'"), badStrategy.err());
        Result badFlag = run("inspect", CCT2, "--lora-rank", "x");
        assertEquals(2, badFlag.code());
        assertTrue(badFlag.err().startsWith("error: Invalid value for option '--lora-rank'"), badFlag.err());
        Result badRank = run("inspect", CCT2, "--lora", "/fc/*", "--lora-rank", "0");
        assertEquals(2, badRank.code());
        assertEquals("error: --lora-rank 0 must be at least 1", badRank.err().strip());
    }

    @Test
    void everyCommandsHelpShowsAWorkedExample() {
        for (String c : new String[] {"inspect", "compile", "train", "check", "sweep", "export"}) {
            Result r = run(c, "--help");
            assertEquals(0, r.code(), c);
            assertTrue(r.out().contains("Example") && r.out().contains("traindeeploy " + c + " "), c + " --help:\n" + r.out());
        }
    }

    @Test
    void helpTeachesWithExamples() {
        Result r = run("inspect", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Examples:"), r.out());
        assertTrue(r.out().contains("--train"), r.out());
        Result top = run("--help");
        assertTrue(top.out().contains("check") && top.out().contains("inspect"), top.out());
    }
}
