package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paper's five strategies swept on cct2: three files, the right figures, and HTML that renders cleanly. */
class SweepAndReportTest {
    static final String PAPER = "LP: --train last; "
            + "FT1: --train '/blocks.1/*MatMul,/attention_pool/*,/fc/*'; "
            + "FT2: --train '/blocks.*/*MatMul,/attention_pool/*,/fc/*'; "
            + "LoRA1: --lora '/blocks.1/*MatMul' --lora-rank 4 --lora-alpha 4 --train '/attention_pool/*,/fc/*'; "
            + "LoRA2: --lora '/blocks.*/*MatMul' --lora-rank 4 --lora-alpha 4 --train '/attention_pool/*,/fc/*'";

    @Test
    void sweepOfThePaperStrategies(@TempDir Path tmp) throws IOException, InterruptedException {
        Path out = tmp.resolve("sweep");
        CliTest.Result r = CliTest.run("sweep", CliTest.CCT2, "--target", "siracusa", "-o", out.toString(), "--strategies", PAPER);
        assertEquals(0, r.code(), r.err());
        JsonNode rows = new ObjectMapper().readTree(out.resolve("sweep.json").toFile());
        assertEquals(5, rows.size());
        long[] trainable = {1_290, 99_723, 198_027, 7_563, 13_707};
        for (int i = 0; i < 5; i++) {
            assertEquals(trainable[i], rows.get(i).path("trainableElements").asLong());
            assertTrue(rows.get(i).path("memory").path("dynamicPeak").asLong() >= rows.get(i).path("memory").path("dynamicLowerBound").asLong());
            assertTrue(rows.get(i).path("bytesMoved").path("L2<->L1").asLong() > 0);
            assertTrue(rows.get(i).path("estimatedCycles").asLong() > 0);
        }
        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(6, csv.size());
        assertTrue(csv.get(5).startsWith("LoRA2,13707,"), csv.get(5));
        String html = Files.readString(out.resolve("sweep.html"));
        assertTrue(html.contains("<svg") && html.contains("LoRA2") && !html.contains("<script"), "self-contained, no scripts");
        assertFalse(html.contains("http://") && html.replace("http://www.w3.org/2000/svg", "").contains("http://"), "no network references");
        Chromium.assertRendersCleanly(out.resolve("sweep.html"), tmp);
        CliTest.Result again = CliTest.run("sweep", CliTest.CCT2, "-o", out.toString(), "--strategies", "LP: --train last");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("exists (use --force to replace it)"), again.err());
    }

    @Test
    void badStrategiesAreNamed(@TempDir Path tmp) {
        CliTest.Result r = CliTest.run("sweep", CliTest.CCT2, "-o", tmp.resolve("s").toString(), "--strategies", "A: --train last; B: --lora-rank");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: --strategies: strategy 'B': "), r.err());
        assertFalse(Files.exists(tmp.resolve("s")), "nothing written on error");
    }

    @Test
    void chromiumCheckDetectsConsoleErrors(@TempDir Path tmp) throws IOException, InterruptedException {
        Path bad = tmp.resolve("bad.html");
        Files.writeString(bad, "<html><body><script>undefinedFn();</script></body></html>");
        List<String> console = Chromium.consoleMessages(bad, tmp);
        assertTrue(console.stream().anyMatch(l -> l.contains("undefinedFn")), String.valueOf(console));
    }
}
