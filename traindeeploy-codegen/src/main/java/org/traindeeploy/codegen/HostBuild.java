package org.traindeeploy.codegen;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.traindeeploy.ir.CompileException;

/** Building a generated host folder with make and running its harness. */
public final class HostBuild {
    private HostBuild() {}

    /** {@code make} in {@code src}, with {@code cflags} as CFLAGS unless null. */
    public static void make(Path src, String cflags) {
        List<String> cmd = new ArrayList<>(List.of("make", "-s", "-C", src.toString(), "-j" + Math.max(1, Runtime.getRuntime().availableProcessors())));
        if (cflags != null) cmd.add("CFLAGS=" + cflags);
        run(cmd, src, "building the generated C", line -> { });
    }

    /**
     * Run a command in {@code dir}, passing each output line (stdout and stderr merged) to
     * {@code lines}. A non-zero exit or a sanitizer report is a {@link CompileException} carrying
     * the output's tail. Returns the whole output.
     */
    public static String run(List<String> cmd, Path dir, String what, Consumer<String> lines) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("ASAN_OPTIONS", "halt_on_error=1:abort_on_error=0:detect_leaks=1");
        pb.environment().put("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CompileException(what + ": cannot run '" + cmd.get(0) + "' (" + e.getMessage() + ")");
        }
        StringBuilder text = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            p.getOutputStream().close();
            for (String line; (line = r.readLine()) != null; ) {
                text.append(line).append('\n');
                lines.accept(line);
            }
            int code = p.waitFor();
            String all = text.toString();
            boolean sanitizer = all.contains("runtime error:") || all.contains("ERROR: AddressSanitizer") || all.contains("ERROR: LeakSanitizer");
            if (code != 0 || sanitizer) {
                String tail = all.length() > 4000 ? "..." + all.substring(all.length() - 4000) : all;
                throw new CompileException(what + " failed (exit " + code + "):\n" + tail.strip());
            }
            return all;
        } catch (IOException e) {
            throw new CompileException(what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CompileException(what + ": interrupted");
        }
    }
}
