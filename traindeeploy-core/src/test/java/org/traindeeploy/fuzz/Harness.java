package org.traindeeploy.fuzz;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Printer;
import org.traindeeploy.train.LossKind;
import org.traindeeploy.train.OptimizerSpec;
import org.traindeeploy.train.TrainSpec;
import org.traindeeploy.train.TrainingConfig;
import org.traindeeploy.train.TrainingPipeline;

/**
 * Runs one model file through what {@code traindeeploy inspect MODEL} and
 * {@code traindeeploy inspect MODEL --train all} do (import, normalize, print; import, training
 * passes, print) and classifies the result the way the CLI's exit code does: success, a clean
 * error (a {@link CompileException} whose message is one line, names the file, and does not leak
 * a Java exception), or an unclean failure (anything else: another exception, an Error, a hang,
 * a case that allocates far more memory than any model of this size needs).
 *
 * <p>Each case runs on a worker thread with a wall-clock limit; a case that overruns is reported as
 * a hang and its thread is abandoned (daemon), so one bug cannot stall the whole run.
 */
final class Harness implements AutoCloseable {
    /** Wall-clock limit of one case (generous: a healthy case on cct2 takes well under a second). */
    static final long TIME_LIMIT_MS = Long.getLong("traindeeploy.fuzz.caseMillis", 10_000);

    /** Heap bytes one case may allocate; the shipped models need a few tens of MB. */
    static final long ALLOCATION_LIMIT = 768L << 20;

    enum Kind { OK, CLEAN_ERROR, UNCLEAN }

    record Outcome(Kind kind, String detail, Throwable cause) {
        static Outcome ok() { return new Outcome(Kind.OK, "", null); }
    }

    private ExecutorService worker = newWorker();

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(null, r, "fuzz-case", 64L << 20);
            t.setDaemon(true);
            return t;
        });
    }

    /** Inspect (and, if {@code train}, inspect --train all) the model, with {@code batch} as --batch (null: none). */
    Outcome run(Path model, Integer batch, boolean train) {
        Future<Outcome> f = worker.submit(() -> runHere(model, batch, train));
        try {
            return f.get(TIME_LIMIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            return new Outcome(Kind.UNCLEAN, "hang: no result after " + TIME_LIMIT_MS + " ms", null);
        } catch (Exception e) {
            return new Outcome(Kind.UNCLEAN, "harness: " + e, e);
        }
    }

    private static Outcome runHere(Path model, Integer batch, boolean train) {
        long before = allocated();
        try {
            Graph g = TrainingPipeline.inference(model, batch, (p, x) -> { });
            Printer.print(g);
            if (train) {
                TrainingConfig cfg = new TrainingConfig(TrainSpec.parse("all"), null, LossKind.parse("cross_entropy"),
                        OptimizerSpec.sgd(0.01, 0, 0), 1, batch, null);
                Printer.print(TrainingPipeline.compile(model, cfg, (p, x) -> { }).graph());
            }
            return checkAllocation(before, Outcome.ok());
        } catch (CompileException e) {
            String problem = problemWithMessage(e.getMessage(), model);
            Outcome o = problem == null ? new Outcome(Kind.CLEAN_ERROR, e.getMessage(), e)
                    : new Outcome(Kind.UNCLEAN, problem + ": " + e.getMessage(), e);
            return checkAllocation(before, o);
        } catch (Throwable t) {
            return new Outcome(Kind.UNCLEAN, "uncaught " + t, t);
        }
    }

    /**
     * Why a CompileException's message is not a clean one-line error for {@code model}, or null.
     * The CLI prints {@code error: <message>}; it must be one line, start with the file, and not be a
     * Java exception dressed up as an error (those are compiler bugs hidden from the user).
     */
    static String problemWithMessage(String msg, Path model) {
        if (msg == null || msg.isBlank()) return "empty message";
        if (msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0) return "message spans several lines";
        if (!msg.startsWith(model.toString() + ": ")) return "message does not start with the file name";
        if (msg.matches(".*\\bjava\\.[a-z]+\\.\\w+.*") || msg.contains("Exception") || msg.contains("Error:")) {
            return "message leaks a Java exception";
        }
        if (msg.contains("internal compiler error")) return "internal compiler error";
        return null;
    }

    private static Outcome checkAllocation(long before, Outcome o) {
        long used = allocated() - before;
        if (before >= 0 && used > ALLOCATION_LIMIT) {
            return new Outcome(Kind.UNCLEAN, "allocated " + (used >> 20) + " MB (limit " + (ALLOCATION_LIMIT >> 20) + " MB); outcome: " + o.kind() + " " + o.detail(), o.cause());
        }
        return o;
    }

    /** Bytes allocated by this thread so far, or -1 where the JVM cannot tell. */
    private static long allocated() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemoryEnabled()) {
            return t.getCurrentThreadAllocatedBytes();
        }
        return -1;
    }

    @Override
    public void close() { worker.shutdownNow(); }
}
