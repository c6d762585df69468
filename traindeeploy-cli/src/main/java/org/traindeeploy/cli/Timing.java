package org.traindeeploy.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.BiConsumer;
import org.traindeeploy.passes.Compilation;
import org.traindeeploy.passes.Pass;

/**
 * Start-up and phase times of a command on standard error, with {@code -Dtraindeeploy.timing=true}
 * (docs/cli.md, compile speed): milliseconds since the JVM started and the CPU time of the thread that
 * marks them (the machine's other load stretches the first, hardly the second). Off, it does nothing.
 */
final class Timing {
    static final boolean ON = Boolean.getBoolean("traindeeploy.timing");

    private static final long START_MS = ON ? ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli()).orElse(System.currentTimeMillis()) : 0;

    private Timing() {}

    /** Print that {@code what} is done now. */
    static void mark(String what) {
        if (!ON) return;
        PrintStream err = System.err;
        long cpu = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() / 1_000_000;
        err.printf(Locale.ROOT, "timing: %5d ms (thread CPU %4d ms) %-8s %s%n", System.currentTimeMillis() - START_MS, cpu, Thread.currentThread().getName(), what);
    }

    /**
     * The CPU time of every thread of the process so far, JIT compiler and collector threads included
     * (on Linux, from /proc/self/task; elsewhere nothing), by thread name.
     */
    static void threads() {
        if (!ON) return;
        java.nio.file.Path tasks = java.nio.file.Path.of("/proc/self/task");
        if (!java.nio.file.Files.isDirectory(tasks)) return;
        java.util.Map<String, Long> byName = new java.util.TreeMap<>();
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(tasks)) {
            for (java.nio.file.Path t : s.toList()) {
                String stat = java.nio.file.Files.readString(t.resolve("stat"));
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
                byName.merge(name.replaceAll("[0-9]+$", ""), ticks * 10, Long::sum); // 100 ticks per second
            }
        } catch (java.io.IOException | RuntimeException e) {
            return;
        }
        long total = byName.values().stream().mapToLong(Long::longValue).sum();
        System.err.printf(Locale.ROOT, "timing: CPU by thread (ms): %s; total %d%n", byName, total);
    }

    /** A pass observer marking each pass's end. */
    static BiConsumer<Pass, Compilation> passes() { return ON ? (p, c) -> mark("pass " + p.name()) : (p, c) -> { }; }
}
