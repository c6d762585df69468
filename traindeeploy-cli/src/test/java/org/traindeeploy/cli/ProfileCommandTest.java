package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.codegen.Rv32;

/**
 * {@code traindeeploy profile} through the command line: profile.json holds every field the
 * profile promises, its per-node and per-hart counts add up to the total, and the output folder
 * follows the output-folder policy (checked before any work). Needs the rv32 toolchain: skipped
 * without it on a developer's machine, a failure in CI.
 */
class ProfileCommandTest {
    @BeforeAll
    static void toolchain() {
        String missing = Rv32.missing();
        if (missing == null) return;
        if (System.getenv("CI") != null) throw new AssertionError("CI must run the rv32 tests, but " + missing + " is missing (.ci/run installs it)");
        Assumptions.abort("no rv32 toolchain: " + missing);
    }

    @Test
    void writesEveryFieldAndTheCountsAddUp(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("prof");
        CliTest.Result r = CliTest.run("profile", "tests/conformance/mlp/model.onnx", "--train", "all", "--target", "siracusa", "--l1", "64KiB",
                "--cores", "4", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("instructions per MAC"), r.out());
        JsonNode p = new ObjectMapper().readTree(Files.readString(out.resolve("profile.json")));
        for (String f : new String[] {"instructions", "criticalPathInstructions", "macs", "instructionsPerMac", "harts", "nodes", "image", "cycles"}) {
            assertTrue(p.has(f), "profile.json lacks " + f + ": " + p);
        }
        long total = p.get("instructions").asLong();
        assertTrue(total > 0);
        assertEquals(4, p.get("harts").size());
        long harts = 0;
        for (JsonNode h : p.get("harts")) harts += h.asLong();
        assertEquals(total, harts);
        long nodes = 0;
        long macs = 0;
        for (JsonNode n : p.get("nodes")) {
            for (String f : new String[] {"name", "op", "kernel", "phase", "macs", "instructions", "criticalPathInstructions"}) {
                assertTrue(n.has(f), "node lacks " + f + ": " + n);
            }
            assertTrue(n.get("phase").asText().matches("forward|backward|update"), n.toString());
            nodes += n.get("instructions").asLong();
            macs += n.get("macs").asLong();
        }
        // The step's fixed part outside any node (about 3,300 instructions) is within 1% of a real step, not of this tiny one.
        assertTrue(nodes <= total && total - nodes <= Math.max(total / 100, 5_000), "nodes " + nodes + " vs total " + total);
        assertEquals(p.get("macs").asLong(), macs);
        assertTrue(p.get("criticalPathInstructions").asLong() * 4 >= total, p.toString());
        JsonNode im = p.get("image");
        assertEquals(im.get("total").asLong(), im.get("text").asLong() + im.get("rodata").asLong() + im.get("data").asLong() + im.get("bss").asLong()
                + im.get("stack").asLong());
        assertTrue(im.get("total").asLong() <= im.get("levelSize").asLong(), im.toString());
        assertTrue(p.get("cycles").get("estimate").asLong() > 0, p.get("cycles").toString());
        assertTrue(Files.exists(out.resolve(".traindeeploy-output")));

        // A second run refuses the existing folder without --force, before profiling anything.
        CliTest.Result again = CliTest.run("profile", "tests/conformance/mlp/model.onnx", "--train", "all", "--target", "siracusa", "-o", out.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("-o") && again.err().contains("exists"), again.err());
        assertFalse(again.out().contains("profiling"), again.out());
    }
}
