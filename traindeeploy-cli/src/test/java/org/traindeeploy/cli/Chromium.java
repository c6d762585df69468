package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Renders a page in headless Chromium (Debian's package; .ci/run installs it) and collects what the
 * page wrote to the console. In CI (CI=true) a missing Chromium is a failure, never a skip; on a
 * developer machine without it the rendering tests are skipped with a message.
 */
final class Chromium {
    private Chromium() {}

    static Path binary() {
        for (String c : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) if (Files.isExecutable(Path.of(c))) return Path.of(c);
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        if (ci) throw new AssertionError("Chromium is not installed; .ci/run must install Debian's chromium package");
        Assumptions.abort("Chromium is not installed here (apt-get install chromium); CI installs it and runs this test");
        return null;
    }

    /** Console lines the page produced while loading (Chromium logs them as INFO:CONSOLE). */
    static List<String> consoleMessages(Path page, Path work) throws IOException, InterruptedException {
        Path shot = work.resolve(page.getFileName() + ".png");
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        ProcessBuilder pb = new ProcessBuilder(binary().toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                "--enable-logging=stderr", "--v=0", "--window-size=1400,2400", "--screenshot=" + shot, page.toUri().toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        List<String> console = new ArrayList<>();
        for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) if (line.contains(":CONSOLE")) console.add(line);
        assertTrue(Files.size(shot) > 1000, "chromium rendered a screenshot of " + page);
        return console;
    }

    static void assertRendersCleanly(Path page, Path work) throws IOException, InterruptedException {
        List<String> console = consoleMessages(page, work);
        assertEquals(List.of(), console, "console messages while rendering " + page);
    }
}
