package org.traindeeploy.cli;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.traindeeploy.ir.CompileException;

/**
 * Writes an output folder atomically: everything goes to a temporary folder beside the target,
 * which is moved into place only when complete; on any error the temporary folder is removed and
 * nothing is left. An existing folder is replaced only with {@code force}.
 */
final class OutputFolder {
    private OutputFolder() {}

    interface Writer {
        void write(Path dir) throws IOException;
    }

    static void write(Path target, boolean force, Writer w) {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.exists(abs) && !force) throw new CompileException(target + ": already exists (use --force to replace it)");
        if (Files.exists(abs) && !Files.isDirectory(abs)) throw new CompileException(target + ": exists and is not a folder");
        Path parent = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp-");
            w.write(tmp);
            Path old = null;
            if (Files.exists(abs)) {
                old = parent.resolve("." + abs.getFileName() + ".old-" + ProcessHandle.current().pid());
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                Files.move(tmp, abs);
            }
            tmp = null;
            if (old != null) delete(old);
        } catch (IOException e) {
            throw new CompileException(target + ": cannot write output: " + e.getMessage());
        } finally {
            if (tmp != null) delete(tmp);
        }
    }

    static void delete(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException e) {
            // best effort: a leftover temporary folder is named .NAME.tmp-*
        }
    }
}
