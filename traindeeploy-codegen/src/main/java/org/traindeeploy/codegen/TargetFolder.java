package org.traindeeploy.codegen;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Value;
import org.traindeeploy.target.Target;

/**
 * The output folder of every target, rendered from a {@link LoweredProgram}: the network sources
 * ({@link CEmitter}), the kernels, the runtime the target file's {@code runtime} names ({@link
 * Runtime}), the harness program ({@code main.c}), a Makefile building the host simulation with
 * {@code cc -std=c99 -O2 -Wall -Wextra -Werror}, and {@code tensors.json} describing the harness
 * files (which trained tensor each index is).
 */
public final class TargetFolder {
    /** Cluster cores of the modelled target (the PULP cluster's 8 workers). */
    public static final int DEFAULT_CORES = 8;

    private TargetFolder() {}

    /** Every text file of the output folder, by relative path (the data blob is in {@link #folder}). */
    public static Map<String, String> sources(EmitSpec spec, int cores) { return sources(spec, cores, Target.load("host"), true); }

    /** The text files of {@link #folder} (network_data.bin, the one binary file, is left out). */
    public static Map<String, String> sources(EmitSpec spec, int cores, Target target, boolean keepGradients) {
        return folder(spec, cores, target, keepGradients).text();
    }

    /**
     * Every file for {@code target}: on a target with an L1 level the step is tiled (kernels run on L1
     * copies moved by DMA) and the folder also holds the pmsis runtime for the device build; the
     * Makefile builds the host simulation, where L1/L2/L3 are arrays of the target's sizes.
     * {@code keepGradients}: the trained tensors' gradients stay readable after the step (network_grad).
     */
    public static GeneratedFolder folder(EmitSpec spec, int cores, Target target, boolean keepGradients) {
        return folder(BackHalf.lower(spec, cores, target, keepGradients));
    }

    /** Every file of a program the back half lowered ({@link BackHalf#lower}): the folder only renders it. */
    /**
     * Load the template engine and parse the templates ahead of {@link #folder}, e.g. on another
     * thread while the model compiles; rendering is the same with or without it.
     */
    public static void warmUp() { Templates.warm(); }

    public static GeneratedFolder folder(LoweredProgram p) { return folder(p.model(), p.spec(), p.cores(), p.target()); }

    /**
     * The runtime a target file's {@code runtime} field selects. Every folder builds the host
     * simulation ({@code td_runtime_host.c}: threads as cores, L1/L2/L3 as arrays); {@code pmsis}
     * adds the cluster runtimes: PULP SDK ({@code td_runtime_pulp.c}, {@code device/}) and bare-metal
     * rv32 ({@code td_runtime_rv32.c}, {@code rv32.ld}). pmsis moves tiles by DMA, so it needs an L1
     * level; the host runtime has no DMA, so it needs none.
     */
    public enum Runtime {
        HOST("host"), PMSIS("pmsis");

        private final String name;

        Runtime(String name) { this.name = name; }

        public static Runtime of(Target t) {
            for (Runtime r : values()) {
                if (!r.name.equals(t.runtime())) continue;
                if (r == PMSIS && !t.hasLevel("L1")) throw new CompileException("target '" + t.name() + "': runtime 'pmsis' needs an L1 level (its kernels run on L1 tiles moved by DMA)");
                if (r == HOST && t.hasLevel("L1")) throw new CompileException("target '" + t.name() + "': runtime 'host' has no DMA; a target with an L1 level needs runtime 'pmsis'");
                return r;
            }
            throw new CompileException("target '" + t.name() + "': unknown runtime '" + t.runtime() + "' (runtimes: host, pmsis)");
        }
    }

    /** Every file of a program already lowered ({@link CEmitter#lower}). */
    static GeneratedFolder folder(NetworkModel m, EmitSpec spec, int cores, Target target) {
        // network.c is most of the rendering (8 parts in 10 on cct2): the other files render on a second
        // thread meanwhile. The same files either way; an error of either is thrown here.
        CompletableFuture<GeneratedFolder> others = CompletableFuture.supplyAsync(() -> besideSource(m, spec, cores, target));
        String source;
        try {
            source = CEmitter.renderSource(m);
        } finally {
            try {
                others.join();
            } catch (CompletionException ignored) {
                // reported below (or the source's error is)
            }
        }
        GeneratedFolder rest;
        try {
            rest = others.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
        return rest.withText(Map.of(CEmitter.SOURCE, source));
    }

    /** Every file of {@link #folder} but network.c. */
    private static GeneratedFolder besideSource(NetworkModel m, EmitSpec spec, int cores, Target target) {
        Map<String, String> files = new TreeMap<>(CEmitter.renderBesideSource(m));
        files.put("Makefile", Templates.render("Makefile.ftl", m));
        files.put("td_target.h", Templates.render("td_target.h.ftl", m));
        files.put("td_plan.h", Templates.render("td_plan.h.ftl", m));
        files.put("main.c", Templates.verbatim("host/main.c"));
        files.put("runtime/td_runtime.h", Templates.verbatim("runtime/td_runtime.h"));
        files.put("runtime/td_runtime_host.c", Templates.verbatim("runtime/td_runtime_host.c"));
        if (Runtime.of(target) == Runtime.PMSIS) {
            files.put("runtime/td_runtime_pulp.c", Templates.verbatim("runtime/td_runtime_pulp.c"));
            // The rv32 build (make rv32): bare-metal runtime, entry and the target's memory map (docs/rv32.md).
            files.put("runtime/td_runtime_rv32.c", Templates.verbatim("runtime/td_runtime_rv32.c"));
            files.put("runtime/td_rv32_start.S", Templates.verbatim("runtime/td_rv32_start.S"));
            files.put("rv32.ld", Templates.render("rv32/rv32.ld.ftl", m.rv32()));
            // The pmsis flavour for boards: a device entry point and a PULP SDK Makefile (docs/rv32.md).
            files.put("device/main_pmsis.c", Templates.verbatim("device/main_pmsis.c"));
            files.put("Makefile.pulp", Templates.render("device/Makefile.pulp.ftl", m));
        }
        for (String k : CEmitter.KERNEL_HEADERS) files.put("kernels/" + k, Templates.verbatim("kernels/" + k));
        files.put("kernels/" + ArgStructs.HEADER, ArgStructs.headerText());
        for (String k : m.kernelSources()) files.put("kernels/" + k, Templates.verbatim("kernels/" + k));
        if (m.kernelSources().contains(CEmitter.TILE_DRIVER_SOURCE)) files.put("kernels/" + CEmitter.TILE_DRIVER_HEADER, Templates.verbatim("kernels/" + CEmitter.TILE_DRIVER_HEADER));
        files.put("tensors.json", manifest(spec, cores));
        return new GeneratedFolder(files, Map.of("network_data.bin", CEmitter.dataBlob(m)));
    }

    /** Generate into {@code dir} atomically (see {@link OutputFolder}). */
    public static void write(EmitSpec spec, int cores, Path dir, boolean force) {
        OutputFolder.write(dir, folder(spec, cores, Target.load("host"), true), force);
    }

    public static void write(EmitSpec spec, int cores, Target target, boolean keepGradients, Path dir, boolean force) {
        OutputFolder.write(dir, folder(spec, cores, target, keepGradients), force);
    }

    private static String manifest(EmitSpec spec, int cores) {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        root.put("format", "traindeeploy host harness 1");
        root.put("model", spec.modelName());
        root.put("training", spec.training());
        root.put("cores", cores);
        root.set("input", tensor(om, spec.input()));
        if (spec.labels() != null) root.set("labels", tensor(om, spec.labels()));
        root.set("output", tensor(om, spec.output()));
        ArrayNode trained = root.putArray("trained");
        for (int i = 0; i < spec.trained().size(); i++) {
            EmitSpec.Trained t = spec.trained().get(i);
            ObjectNode o = tensor(om, t.state());
            o.put("id", i);
            o.put("key", t.key());
            trained.add(o);
        }
        try {
            return om.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode tensor(ObjectMapper om, Value v) {
        ObjectNode o = om.createObjectNode();
        o.put("name", v.name());
        o.put("dtype", v.type().dtype().text());
        ArrayNode shape = o.putArray("shape");
        for (int d : v.type().shape()) shape.add(d);
        return o;
    }
}
