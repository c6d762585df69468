package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodegenCommandsTest {
    @TempDir Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpTeachesWithWorkedExamples() {
        for (String cmd : List.of("compile", "train")) {
            Run r = run(cmd, "--help");
            assertEquals(0, r.code());
            assertTrue(r.out().contains("Examples:") && r.out().contains("traindeeploy " + cmd + " models/cct2/model.onnx"), r.out());
        }
        assertTrue(run("check", "--help").out().contains("--engine c"));
    }

    @Test
    void compileWritesABuildableFolderAndRefusesToOverwriteWithoutForce() throws Exception {
        Path out = tmp.resolve("mlp");
        Run r = run("compile", "tests/conformance/mlp/model.onnx", "-o", out.toString(), "--target", "host", "--train", "last");
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("Makefile", "main.c", "network.h", "network.c", "network_data.S", "network_data.bin", "tensors.json", "runtime/td_runtime_host.c")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertTrue(Files.readString(out.resolve("Makefile")).contains("-std=c99 -O2 -Wall -Wextra -Werror"));
        assertTrue(Files.readString(out.resolve("tensors.json")).contains("\"key\" : \"fc2.weight\""));

        Run again = run("compile", "tests/conformance/mlp/model.onnx", "-o", out.toString(), "--train", "all");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--force"), again.err());
        assertFalse(Files.readString(out.resolve("network.c")).contains("fc1_weight_sgd"), "the folder was modified");

        Run forced = run("compile", "tests/conformance/mlp/model.onnx", "-o", out.toString(), "--train", "all", "--force");
        assertEquals(0, forced.code(), forced.err());
        assertTrue(Files.readString(out.resolve("network.c")).contains("fc1_weight_sgd"));
        assertEquals(1, count(tmp), "leftover temporary folders");
    }

    @Test
    void aFailedCompileLeavesNothing() throws Exception {
        Path out = tmp.resolve("x");
        Run r = run("compile", "tests/conformance/mlp/model.onnx", "-o", out.toString(), "--train", "all", "--cores", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: --cores 0"), r.err());
        Run bad = run("compile", "tests/conformance/mlp/model.onnx", "-o", out.toString(), "--train", "no_such_tensor*");
        assertEquals(2, bad.code());
        assertFalse(Files.exists(out));
        assertEquals(0, count(tmp));
    }

    /** The README's main command (with fewer steps): compile, build, train, and the loss falls. */
    @Test
    void trainRunsTheWholeChainAndTheLossFalls() {
        Run r = run("train", "models/cct2/model.onnx", "--data", "models/cct2/data", "--lora", "/blocks.*/*MatMul", "--lora-rank", "4",
                "--lora-alpha", "4", "--train", "/attention_pool/*,/fc/*", "--steps", "24", "--cores", "2");
        assertEquals(0, r.code(), r.err() + r.out());
        List<Double> losses = new ArrayList<>();
        Matcher m = Pattern.compile("step +\\d+ +loss ([0-9.]+)").matcher(r.out());
        while (m.find()) losses.add(Double.parseDouble(m.group(1)));
        assertEquals(24, losses.size(), r.out());
        double first = losses.subList(0, 8).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = losses.subList(16, 24).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(last < first - 0.2, "loss did not fall: " + first + " -> " + last + "\n" + r.out());
    }

    private static long count(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
