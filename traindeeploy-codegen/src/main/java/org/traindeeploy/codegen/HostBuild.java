package org.traindeeploy.codegen;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
        cmd.addAll(cached("CC", envOr("CC", "cc")));
        run(cmd, src, "building the generated C", line -> { });
    }

    /**
     * The make variable assignment that puts ccache in front of {@code compiler} when ccache is on
     * the PATH, else nothing. Every folder the engines build shares its kernels and runtime (only
     * network.c and the data differ), so a check or a test run compiles those once per target and
     * flags instead of once per build. ccache decides hits on the preprocessed content and the
     * flags; {@link #run} makes its hits independent of the (temporary) folder's path. Set
     * {@code CCACHE_DISABLE=1} to build without it.
     */
    static List<String> cached(String variable, String compiler) {
        return CCACHE ? List.of(variable + "=ccache " + compiler) : List.of();
    }

    private static final boolean CCACHE = onPath("ccache") && cacheWritable();

    /** ccache's folder ($CCACHE_DIR, else $XDG_CACHE_HOME/ccache or ~/.cache/ccache) exists or can be made, and is writable. */
    private static boolean cacheWritable() {
        String dir = System.getenv("CCACHE_DIR");
        if (dir == null || dir.isBlank()) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            dir = (xdg == null || xdg.isBlank() ? System.getProperty("user.home") + "/.cache" : xdg) + "/ccache";
        }
        try {
            Path p = Files.createDirectories(Path.of(dir));
            return Files.isWritable(p);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        }
        return false;
    }

    static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
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
        // ccache (see cached): paths under the build folder count as relative, and -g's working
        // folder is not part of the hash, so the same sources in another temporary folder hit.
        pb.environment().put("CCACHE_BASEDIR", dir.toAbsolutePath().toString());
        pb.environment().put("CCACHE_NOHASHDIR", "1");
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
