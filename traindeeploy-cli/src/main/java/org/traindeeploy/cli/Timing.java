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

    /** A pass observer marking each pass's end. */
    static BiConsumer<Pass, Compilation> passes() { return ON ? (p, c) -> mark("pass " + p.name()) : (p, c) -> { }; }
}
