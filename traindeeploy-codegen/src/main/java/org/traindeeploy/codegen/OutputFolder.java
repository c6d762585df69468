package org.traindeeploy.codegen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.traindeeploy.ir.CompileException;

/**
 * Writes a set of files as one folder, atomically: everything goes into a temporary folder beside
 * the target, which is renamed into place only when complete. On any error the temporary folder
 * is deleted, so a failed compile leaves no partial output. An existing target is replaced only
 * when {@code force} is set (it is moved aside first and deleted after the new folder is in place).
 */
public final class OutputFolder {
    private OutputFolder() {}

    public static void write(Path target, Map<String, String> files, boolean force) {
        write(target, new GeneratedFolder(files, Map.of()), force);
    }

    /** Write text and binary files as one folder, atomically. */
    public static void write(Path target, GeneratedFolder folder, boolean force) {
        Path dir = target.toAbsolutePath().normalize();
        Path parent = dir.getParent();
        if (parent == null) throw new CompileException("output folder " + target + " has no parent folder");
        if (Files.exists(dir) && !force) throw new CompileException("output folder " + target + " exists (use --force to replace it)");
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new CompileException("output " + target + " exists and is not a folder");
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp-");
            for (Map.Entry<String, String> e : folder.text().entrySet()) {
                Files.writeString(place(tmp, e.getKey()), e.getValue(), StandardCharsets.UTF_8);
            }
            for (Map.Entry<String, byte[]> e : folder.binary().entrySet()) {
                Files.write(place(tmp, e.getKey()), e.getValue());
            }
            if (Files.exists(dir)) {
                Path old = Files.createTempDirectory(parent, "." + dir.getFileName() + ".old-");
                Files.delete(old);
                move(dir, old);
                move(tmp, dir);
                tmp = null;
                deleteTree(old);
            } else {
                move(tmp, dir);
                tmp = null;
            }
        } catch (FileAlreadyExistsException e) {
            throw new CompileException("output folder " + target + " appeared while compiling; not replaced");
        } catch (IOException e) {
            throw new CompileException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) deleteTree(tmp);
        }
    }

    /** The path of generated file {@code name} inside {@code dir}, its folder created. */
    private static Path place(Path dir, String name) throws IOException {
        Path f = dir.resolve(name).normalize();
        if (!f.startsWith(dir)) throw new IllegalArgumentException("generated file name escapes the folder: " + name);
        Files.createDirectories(f.getParent());
        return f;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Delete a folder and everything in it; best effort (used on cleanup paths). */
    public static void deleteTree(Path p) {
        if (p == null || !Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.delete(x);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
