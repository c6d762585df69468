package org.traindeeploy.target;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.traindeeploy.ir.CompileException;

/**
 * A target described as data ({@code targets/<name>.json}): memory levels from closest to the cores
 * (L1) to farthest (L3), the DMA links between them, cluster cores and throughput, and the runtime
 * flavour of the generated C. A new SoC is a new file.
 *
 * @param doubleFpu whether the cores have a double-precision FPU (absent in the file: true). Without
 *     one, the generated kernels compute in float only (td_target.h defines TD_NO_DOUBLE).
 * @param cost the calibrated cost model of the generated kernels (critical-path instructions per node,
 *     docs/cost-model.md); absent: the tiler and the report price compute at {@code flopsPerCyclePerCore}
 */
public record Target(String name, String description, int cores, double clockHz, double flopsPerCyclePerCore, String runtime,
                     List<MemoryLevel> levels, List<DmaLink> dma, double cyclesPerInstruction, Boolean doubleFpu, CostModel cost) {

    /**
     * One memory level: name (L1, L2, L3), capacity, the alignment of buffers placed in it, and the
     * bytes reserved in it for the device image's code, read-only data and stacks (the memory plan
     * gets the rest; the rv32 link checks the reserve was enough, docs/rv32.md).
     */
    public record MemoryLevel(String name, long sizeBytes, int alignment, long reservedBytes) {
        public MemoryLevel {
            if (name == null || name.isBlank()) throw new CompileException("a memory level has no name");
            if (sizeBytes <= 0) throw new CompileException("memory level " + name + " must have a positive size");
            if (alignment <= 0 || Integer.bitCount(alignment) != 1) throw new CompileException("memory level " + name + " alignment " + alignment + " is not a power of two");
            if (reservedBytes < 0) throw new CompileException("memory level " + name + ": reservedBytes must not be negative");
        }

        public MemoryLevel(String name, long sizeBytes, int alignment) { this(name, sizeBytes, alignment, 0); }

        /** The bytes the memory plan may use: the size less the reserve (at least 0). */
        public long planBytes() { return Math.max(0, sizeBytes - reservedBytes); }
    }

    /** A DMA link between two levels, with throughput and per-transfer cost (both directions). */
    public record DmaLink(String from, String to, double bytesPerCycle, long setupCycles, long maxTransferBytes) {
        public DmaLink {
            if (from == null || to == null) throw new CompileException("a DMA link needs both 'from' and 'to'");
            if (!(bytesPerCycle > 0) || Double.isInfinite(bytesPerCycle)) throw new CompileException("DMA link " + from + "-" + to + ": bytesPerCycle must be a positive number");
            if (setupCycles < 0 || maxTransferBytes < 0) throw new CompileException("DMA link " + from + "-" + to + ": setupCycles and maxTransferBytes must not be negative");
        }
    }

    public Target {
        if (name == null || name.isBlank()) throw new CompileException("missing field 'name'");
        if (levels == null) throw new CompileException("target " + name + ": missing field 'levels'");
        levels = List.copyOf(levels);
        dma = dma == null ? List.of() : List.copyOf(dma);
        doubleFpu = doubleFpu == null ? Boolean.TRUE : doubleFpu;
        if (cores < 1) throw new CompileException("target " + name + ": cores must be at least 1");
        if (levels.isEmpty()) throw new CompileException("target " + name + ": no memory levels");
        if (!(clockHz > 0) || Double.isInfinite(clockHz)) throw new CompileException("target " + name + ": clockHz must be a positive number");
        if (!(flopsPerCyclePerCore > 0) || Double.isInfinite(flopsPerCyclePerCore)) throw new CompileException("target " + name + ": flopsPerCyclePerCore must be a positive number");
        for (DmaLink d : dma) {
            if (levels.stream().noneMatch(l -> l.name().equals(d.from())) || levels.stream().noneMatch(l -> l.name().equals(d.to()))) {
                throw new CompileException("target " + name + ": DMA link " + d.from() + "-" + d.to() + " names a level the target does not have");
            }
        }
        if (!(cyclesPerInstruction >= 0) || Double.isInfinite(cyclesPerInstruction)) throw new CompileException("target " + name + ": cyclesPerInstruction must not be negative");
    }

    /** A target without a cycles-per-instruction assumption (0: profile then reports no cycle estimate). */
    public Target(String name, String description, int cores, double clockHz, double flopsPerCyclePerCore, String runtime,
                  List<MemoryLevel> levels, List<DmaLink> dma) {
        this(name, description, cores, clockHz, flopsPerCyclePerCore, runtime, levels, dma, 0, null, null);
    }

    public MemoryLevel level(String n) {
        for (MemoryLevel l : levels) if (l.name().equals(n)) return l;
        return null;
    }

    public boolean hasLevel(String n) { return level(n) != null; }

    public DmaLink link(String a, String b) {
        for (DmaLink d : dma) if (d.from().equals(a) && d.to().equals(b) || d.from().equals(b) && d.to().equals(a)) return d;
        return null;
    }

    /** The same target with a level's size overridden (for --l1 / --l2). */
    public Target withLevelSize(String levelName, long bytes) {
        if (!hasLevel(levelName)) throw new CompileException("target " + name + " has no " + levelName + " memory to resize");
        List<MemoryLevel> ls = levels.stream().map(l -> l.name().equals(levelName) ? new MemoryLevel(l.name(), bytes, l.alignment(), l.reservedBytes()) : l).toList();
        return new Target(name, description, cores, clockHz, flopsPerCyclePerCore, runtime, ls, dma, cyclesPerInstruction, doubleFpu, cost);
    }

    /** The same target with or without a double-precision FPU. */
    public Target withDoubleFpu(boolean has) {
        return new Target(name, description, cores, clockHz, flopsPerCyclePerCore, runtime, levels, dma, cyclesPerInstruction, has, cost);
    }

    /** The same target with another cost model (null: priced from its throughput). */
    public Target withCost(CostModel c) {
        return new Target(name, description, cores, clockHz, flopsPerCyclePerCore, runtime, levels, dma, cyclesPerInstruction, doubleFpu, c);
    }

    /** Whether the generated code may compute in double (false: float only, no double arithmetic on the device). */
    public boolean hasDoubleFpu() { return doubleFpu; }

    /** Peak throughput of the cluster. */
    public double flopsPerCycle() { return cores * flopsPerCyclePerCore; }

    /**
     * Load a target by name (a file {@code targets/NAME.json} shipped with traindeeploy) or by path
     * to a JSON file.
     */
    public static Target load(String nameOrFile) {
        ObjectMapper om = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        Path p = Path.of(nameOrFile);
        try {
            if (nameOrFile.endsWith(".json") || (Files.exists(p) && !Files.isDirectory(p))) {
                byte[] json = org.traindeeploy.io.InputFile.readBytes(p, org.traindeeploy.io.InputFile.MAX_TEXT_BYTES, "--target " + nameOrFile);
                return om.readValue(json, Target.class);
            }
            if (!nameOrFile.matches("[A-Za-z0-9_-]+")) throw new CompileException("--target '" + nameOrFile + "' is neither a target name nor a .json file");
            try (InputStream in = Target.class.getResourceAsStream("/targets/" + nameOrFile + ".json")) {
                if (in == null) throw new CompileException("--target '" + nameOrFile + "' is not known (targets: " + String.join(", ", builtIn()) + "; or give a .json file)");
                return om.readValue(in, Target.class);
            }
        } catch (IOException e) {
            throw new CompileException("--target " + nameOrFile + ": invalid target description: " + describe(e));
        }
    }

    /**
     * A reading error in the file's terms: where (the field path, as {@code levels[0].size}) and what,
     * without the Java class names Jackson's messages carry.
     */
    static String describe(IOException e) {
        if (!(e instanceof JsonProcessingException j)) return e.getMessage();
        List<JsonMappingException.Reference> path = e instanceof JsonMappingException m ? m.getPath() : List.of();
        String what;
        if (e instanceof ValueInstantiationException v && v.getCause() != null) {
            what = v.getCause().getMessage();
        } else if (e instanceof UnrecognizedPropertyException u) {
            what = "unknown field '" + u.getPropertyName() + "' (known: " + u.getKnownPropertyIds() + ")";
            path = path.subList(0, Math.max(0, path.size() - 1)); // the object holding it
        } else if (e instanceof MismatchedInputException mi && mi.getTargetType() != null) {
            what = "expected " + kind(mi.getTargetType());
        } else {
            what = j.getOriginalMessage();
        }
        StringBuilder where = new StringBuilder();
        for (JsonMappingException.Reference r : path) {
            if (r.getFieldName() != null) where.append(where.length() == 0 ? "" : ".").append(r.getFieldName());
            else if (r.getIndex() >= 0) where.append('[').append(r.getIndex()).append(']');
        }
        return where.length() == 0 ? what : where + ": " + what;
    }

    private static String kind(Class<?> t) {
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) return "an integer";
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) return "a number";
        if (t == boolean.class || t == Boolean.class) return "true or false";
        if (t == String.class) return "a string";
        if (java.util.Collection.class.isAssignableFrom(t) || t.isArray()) return "an array";
        return "an object";
    }

    public static List<String> builtIn() { return List.of("siracusa", "pulp-open", "gap9", "host"); }

    /** Parse a size like {@code 64KiB}, {@code 2MiB}, {@code 64000} (bytes), {@code 128kB} (1000-based). */
    public static long parseSize(String s, String flag) {
        String t = s.trim();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)(\\d{1,15})\\s*(B|KiB|MiB|GiB|kB|KB|MB|GB)?").matcher(t);
        if (!m.matches()) throw new CompileException(flag + " '" + s + "' is not a size (e.g. 64KiB, 2MiB, 65536)");
        long v = Long.parseLong(m.group(1));
        String u = m.group(2) == null ? "B" : m.group(2);
        long mult = switch (u) {
            case "B", "b" -> 1;
            case "KiB", "kib", "KIB" -> 1024;
            case "MiB", "mib", "MIB" -> 1024 * 1024;
            case "GiB", "gib", "GIB" -> 1024L * 1024 * 1024;
            case "kB", "KB", "kb" -> 1000;
            case "MB", "mb" -> 1000_000;
            default -> 1000_000_000;
        };
        if (v <= 0) throw new CompileException(flag + " '" + s + "' must be positive");
        if (v > (1L << 50) / mult) throw new CompileException(flag + " '" + s + "' is too large");
        return v * mult;
    }
}
