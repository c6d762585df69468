package org.traindeeploy.codegen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.traindeeploy.ir.CompileException;

/**
 * The one policy for everything traindeeploy writes (compile -o, sweep -o, train --keep, export -o).
 *
 * <p>A folder is written atomically: everything goes into a temporary folder beside the target,
 * which is renamed into place only when complete; on any error the temporary folder is deleted, so
 * a failed run leaves no partial output. Every folder we write holds the marker file
 * {@value #MARKER}. An existing folder is replaced only with {@code force}, and only when it holds
 * that marker (a previous output of ours) or is empty: any other folder, the working folder, the
 * home folder, the root, and every folder that contains the working or the home folder are never
 * replaced. Files and folders are created with the default modes (the umask decides).
 */
public final class OutputFolder {
    private OutputFolder() {}

    /** The file that marks a folder as an output of traindeeploy (which --force may replace). */
    public static final String MARKER = ".traindeeploy-output";

    private static final String MARKER_TEXT = "This folder was written by traindeeploy; a later run with --force may replace it.\n";

    /**
     * Check, before any work, that {@code target} may be written (given as {@code flag}, e.g. "-o").
     * Returns the absolute, normalized folder.
     */
    public static Path check(Path target, boolean force, String flag) {
        String where = flag + " '" + target + "'";
        Path dir = absolute(target, where);
        refuseProtected(dir, where);
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) || Files.exists(dir)) {
            if (!Files.isDirectory(dir)) throw new CompileException(where + ": exists and is not a folder");
            if (!force) throw new CompileException(where + ": folder exists (use --force to replace it)");
            if (!Files.isSymbolicLink(dir) && !isOurs(dir) && !isEmpty(dir)) {
                throw new CompileException(where + ": folder exists and is not an output of traindeeploy (it has no " + MARKER
                        + " file); not replaced, even with --force");
            }
        }
        return dir;
    }

    /** Check, before any work, that a single output file may be written (export). */
    public static Path checkFile(Path target, boolean force, String flag) {
        String where = flag + " '" + target + "'";
        Path file = absolute(target, where);
        refuseProtected(file, where);
        if (Files.isDirectory(file)) throw new CompileException(where + ": is a folder; give a file name");
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(file)) throw new CompileException(where + ": exists and is not a regular file");
            if (!force) throw new CompileException(where + ": already exists (use --force to replace it)");
        }
        return file;
    }

    public static void write(Path target, Map<String, String> files, boolean force) { write(target, files, force, "-o"); }

    public static void write(Path target, Map<String, String> files, boolean force, String flag) {
        write(target, new GeneratedFolder(files, Map.of()), force, flag);
    }

    public static void write(Path target, GeneratedFolder folder, boolean force) { write(target, folder, force, "-o"); }

    /** Write text and binary files as one folder, atomically, after {@link #check}. */
    public static void write(Path target, GeneratedFolder folder, boolean force, String flag) {
        Path dir = check(target, force, flag);
        Path parent = dir.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = fresh(parent, dir, ".tmp-");
            Files.createDirectory(tmp);
            Files.writeString(tmp.resolve(MARKER), MARKER_TEXT, StandardCharsets.UTF_8);
            for (Map.Entry<String, String> e : folder.text().entrySet()) {
                Files.writeString(place(tmp, e.getKey()), e.getValue(), StandardCharsets.UTF_8);
            }
            for (Map.Entry<String, byte[]> e : folder.binary().entrySet()) {
                Files.write(place(tmp, e.getKey()), e.getValue());
            }
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                check(target, force, flag); // still ours: it may have changed while we worked
                Path old = fresh(parent, dir, ".old-");
                move(dir, old);
                move(tmp, dir);
                tmp = null;
                deleteTree(old);
            } else {
                move(tmp, dir);
                tmp = null;
            }
        } catch (FileAlreadyExistsException e) {
            throw new CompileException(flag + " '" + target + "': the folder appeared while compiling; not replaced");
        } catch (IOException e) {
            throw new CompileException(flag + " '" + target + "': cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) deleteTree(tmp);
        }
    }

    /** Create a new folder (which must not exist) holding the marker, for a run to fill (train --keep). Returns it, absolute. */
    public static Path create(Path target, String flag) {
        Path dir = check(target, false, flag);
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir);
            Files.writeString(dir.resolve(MARKER), MARKER_TEXT, StandardCharsets.UTF_8);
            return dir;
        } catch (FileAlreadyExistsException e) {
            throw new CompileException(flag + " '" + target + "': the folder appeared meanwhile; not replaced");
        } catch (IOException e) {
            throw new CompileException(flag + " '" + target + "': cannot create: " + e.getMessage(), e);
        }
    }

    /** Write one file atomically (export -o), after {@link #checkFile}; its mode follows the umask. */
    public static void writeFile(Path target, byte[] data, boolean force, String flag) {
        Path file = checkFile(target, force, flag);
        Path tmp = null;
        try {
            Files.createDirectories(file.getParent());
            tmp = fresh(file.getParent(), file, ".tmp-");
            try (var out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                out.write(data);
            }
            checkFile(target, force, flag);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new CompileException(flag + " '" + target + "': cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private static Path absolute(Path target, String where) {
        if (target == null || target.toString().isEmpty()) throw new CompileException(where + ": no folder or file name given");
        Path p;
        try {
            p = target.toAbsolutePath().normalize();
        } catch (java.io.IOError | java.nio.file.InvalidPathException e) {
            throw new CompileException(where + ": not a usable path");
        }
        if (p.getParent() == null || p.getFileName() == null) throw new CompileException(where + ": is the root folder; never replaced");
        return p;
    }

    /** The working folder, the home folder, and every folder containing one of them, by path and by real path. */
    private static void refuseProtected(Path p, String where) {
        Path cwd = Path.of("").toAbsolutePath().normalize();
        Path home = Path.of(System.getProperty("user.home", "/")).toAbsolutePath().normalize();
        Path real = realOrSelf(p);
        for (Path q : new Path[] {p, real}) {
            if (cwd.startsWith(q) || realOrSelf(cwd).startsWith(q)) {
                throw new CompileException(where + ": is the working folder or contains it; never replaced (give a new folder name)");
            }
            if (home.startsWith(q) || realOrSelf(home).startsWith(q)) {
                throw new CompileException(where + ": is the home folder or contains it; never replaced (give a new folder name)");
            }
        }
    }

    private static Path realOrSelf(Path p) {
        try {
            return Files.exists(p) ? p.toRealPath() : p;
        } catch (IOException e) {
            return p;
        }
    }

    private static boolean isOurs(Path dir) { return Files.isRegularFile(dir.resolve(MARKER), LinkOption.NOFOLLOW_LINKS); }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** A name beside {@code target} that does not exist yet (not created). */
    private static Path fresh(Path parent, Path target, String kind) {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        for (;;) {
            Path p = parent.resolve("." + target.getFileName() + kind + Long.toUnsignedString(r.nextLong(), 36));
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return p;
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
