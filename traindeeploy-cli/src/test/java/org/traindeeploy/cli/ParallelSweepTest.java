package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sweep compiles its strategies in parallel: what it prints and writes is still in strategy order
 * and the same on every run, and of several strategies that fail, the first in order is the one named.
 */
class ParallelSweepTest {
    static final String STRATEGIES = "LoRA1: --lora '/blocks.1/*MatMul' --lora-rank 4 --lora-alpha 4 --train '/attention_pool/*,/fc/*'; "
            + "LP: --train last; "
            + "FT1: --train '/blocks.1/*MatMul,/attention_pool/*,/fc/*'";

    @Test
    void outputIsInStrategyOrderAndTheSameOnEveryRun(@TempDir Path tmp) throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        CliTest.Result ra = CliTest.run("sweep", CliTest.CCT2, "--target", "siracusa", "-o", a.toString(), "--strategies", STRATEGIES);
        CliTest.Result rb = CliTest.run("sweep", CliTest.CCT2, "--target", "siracusa", "-o", b.toString(), "--strategies", STRATEGIES);
        assertEquals(0, ra.code(), ra.err());
        assertEquals(0, rb.code(), rb.err());
        for (String f : new String[] {"sweep.json", "sweep.csv", "sweep.html"}) assertEquals(Files.readString(a.resolve(f)), Files.readString(b.resolve(f)), f);
        assertEquals(ra.out().replace(a.toString(), "DIR"), rb.out().replace(b.toString(), "DIR"));
        String out = ra.out();
        assertTrue(out.indexOf("sweep: 1/3 LoRA1") < out.indexOf("sweep: 2/3 LP") && out.indexOf("sweep: 2/3 LP") < out.indexOf("sweep: 3/3 FT1"), out);
        String[] csv = Files.readString(a.resolve("sweep.csv")).split("\r\n");
        assertTrue(csv[1].startsWith("LoRA1,7563,") && csv[2].startsWith("LP,1290,") && csv[3].startsWith("FT1,99723,"), String.join("\n", csv));
    }

    @Test
    void theFirstFailingStrategyInOrderIsNamed(@TempDir Path tmp) {
        Path out = tmp.resolve("s");
        CliTest.Result r = CliTest.run("sweep", CliTest.CCT2, "--target", "siracusa", "-o", out.toString(), "--strategies",
                "A: --train last; B: --train '/nomatch/*'; C: --train '/nothing/*'; D: --train last");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: strategy 'B': ") && r.err().contains("'/nomatch/*'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out), "nothing written on error");
    }
}
