package org.traindeeploy.cli;

import java.util.concurrent.CompletableFuture;
import org.traindeeploy.codegen.TargetFolder;
import org.traindeeploy.onnx.proto.OnnxProto;
import org.traindeeploy.target.Target;

/**
 * Start-up work of a compile done on the machine's second core while the first parses the command
 * line and compiles: initializing the JSON mapper and the ONNX descriptors, reading a built-in target
 * (its JSON binding), loading FreeMarker and parsing the templates. It computes nothing a compile
 * uses as a result; a failure is ignored (the work that needs the same classes reports it).
 */
final class WarmUp {
    private static CompletableFuture<Void> running;

    private WarmUp() {}

    /** Start the warm-up (once per JVM); the future completes when it is done. */
    static synchronized CompletableFuture<Void> start() {
        if (running == null) running = CompletableFuture.runAsync(WarmUp::run);
        return running;
    }

    private static void run() {
        try {
            Class.forName("org.traindeeploy.io.InputFile", true, WarmUp.class.getClassLoader());
            Timing.mark("warm-up: JSON mapper");
            Target.load("host");
            Timing.mark("warm-up: target");
            OnnxProto.getDescriptor();
            Timing.mark("warm-up: ONNX descriptors");
            TargetFolder.warmUp();
            Timing.mark("warm-up done");
        } catch (RuntimeException | LinkageError | ClassNotFoundException e) {
            // only an optimization
        }
    }
}
