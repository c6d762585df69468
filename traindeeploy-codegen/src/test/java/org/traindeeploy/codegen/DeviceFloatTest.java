package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.target.Target;
import org.traindeeploy.train.TrainingPipeline;

/**
 * The code of a target without a double-precision FPU (siracusa: "doubleFpu": false) holds no double
 * arithmetic: the generated folder's kernels, network.c and network_data.S, compiled for rv32imafc /
 * ilp32f with Debian's riscv64-unknown-elf-gcc and picolibc (-Wdouble-promotion -Werror), call no
 * libgcc double routine (__adddf3, __extendsfdf2, __truncdfsf2, __floatsidf, __ltdf2, ...) and no
 * double libm function. A control build of the same kernels computing in double does call them, so
 * the check can fail. The host simulation of the folder also builds with -Wdouble-promotion.
 *
 * <p>Needs gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf: skipped without them, except
 * under CI (environment variable CI set), where a missing toolchain fails.
 */
class DeviceFloatTest {
    private static final Path CASES = Path.of("tests/conformance");
    static final String GCC = "riscv64-unknown-elf-gcc";
    static final String NM = "riscv64-unknown-elf-nm";
    static final List<String> FLAGS = List.of("--specs=picolibc.specs", "-march=rv32imafc", "-mabi=ilp32f", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror",
            "-Wdouble-promotion", "-fno-strict-aliasing", "-I.", "-Iruntime", "-Ikernels");
    /** libgcc's soft-float double routines (add, sub, mul, div, compare, convert): __adddf3, __extendsfdf2, __fixdfsi, ... */
    private static final Pattern SOFT_DOUBLE = Pattern.compile("__\\w*df\\w*");
    private static final Set<String> DOUBLE_LIBM = Set.of("exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "pow", "sqrt", "erf", "erfc", "tanh",
            "sinh", "cosh", "sin", "cos", "tan", "atan", "atan2", "fabs", "floor", "ceil", "round", "trunc", "fmod", "fma", "ldexp", "frexp", "modf", "hypot", "cbrt");

    /** Whether the rv32 toolchain with picolibc works here; fails under CI when it does not. */
    static boolean toolchain(Path dir) {
        try {
            Files.writeString(dir.resolve("probe.c"), "#include <math.h>\n#include <string.h>\nfloat f(float x) { return sqrtf(x); }\n");
            List<String> cmd = new ArrayList<>(List.of(GCC));
            cmd.addAll(FLAGS);
            cmd.addAll(List.of("-c", "probe.c", "-o", "probe.o"));
            HostBuild.run(cmd, dir, "probing the rv32 toolchain", l -> { });
            HostBuild.run(List.of(NM, "probe.o"), dir, "probing " + NM, l -> { });
            return true;
        } catch (CompileException | java.io.IOException e) {
            if (System.getenv("CI") != null) fail("CI needs the rv32 toolchain (gcc-riscv64-unknown-elf, picolibc-riscv64-unknown-elf): " + e.getMessage());
            return false;
        }
    }

    @Test
    void rv32ObjectsOfAFloatTargetHoldNoDoubleArithmetic(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(toolchain(Files.createDirectories(tmp.resolve("probe"))), "no rv32 toolchain (riscv64-unknown-elf-gcc with picolibc)");
        Manifest m = Manifest.read(CASES.resolve("cnn"));
        Manifest.Strategy s = m.strategies().values().iterator().next();
        Path dir = tmp.resolve("siracusa");
        Target siracusa = Target.load("siracusa");
        assertFalse(siracusa.hasDoubleFpu());
        TargetFolder.write(EmitSpec.training("model.onnx", TrainingPipeline.compile(m.modelPath(), m.config(s), (p, g) -> { })), 8, siracusa, false, dir, false);

        List<String> sources = new ArrayList<>(List.of("network.c", "network_data.S"));
        try (Stream<Path> k = Files.list(dir.resolve("kernels"))) {
            k.map(p -> "kernels/" + p.getFileName()).filter(n -> n.endsWith(".c")).sorted().forEach(sources::add);
        }
        assertTrue(sources.contains("kernels/elementwise.c") && sources.size() >= 12, sources.toString());
        Set<String> undefined = new TreeSet<>();
        for (String src : sources) undefined.addAll(undefinedSymbols(dir, src));
        List<String> doubles = undefined.stream().filter(u -> SOFT_DOUBLE.matcher(u).matches() || DOUBLE_LIBM.contains(u)).toList();
        assertEquals(List.of(), doubles, "double arithmetic in the rv32 objects of a target without a double FPU");
        assertTrue(undefined.contains("td_barrier"), undefined.toString());

        // The data object: every array 16-byte aligned in .rodata.network_data, as many bytes as network_data.bin.
        String syms = HostBuild.run(List.of(NM, "-S", "network_data.o"), dir, NM, l -> { });
        Matcher a = Pattern.compile("(?m)^([0-9a-f]+) ([0-9a-f]+) R (\\w+)$").matcher(syms);
        long arrays = 0, end = 0;
        while (a.find()) {
            long at = Long.parseLong(a.group(1), 16);
            assertEquals(0, at % CEmitter.DATA_ALIGNMENT, a.group(3) + " at " + at);
            end = Math.max(end, at + Long.parseLong(a.group(2), 16));
            arrays++;
        }
        assertTrue(arrays >= 2, syms);
        assertEquals(Files.size(dir.resolve("network_data.bin")), end);

        // Control: the same kernels computing in double need libgcc's double routines on this core.
        Files.writeString(dir.resolve("td_target.h"), Files.readString(dir.resolve("td_target.h")).replace("#define TD_NO_DOUBLE 1", ""));
        List<String> control = new ArrayList<>(List.of(GCC));
        control.addAll(FLAGS.stream().filter(f -> !f.equals("-Wdouble-promotion")).toList());
        control.addAll(List.of("-c", "kernels/elementwise.c", "-o", "control.o"));
        HostBuild.run(control, dir, "compiling the double control", l -> { });
        String nm = HostBuild.run(List.of(NM, "-u", "control.o"), dir, NM, l -> { });
        assertTrue(nm.contains("__adddf3") && nm.contains("__truncdfsf2"), nm);
    }

    @Test
    void theHostSimulationOfAFloatTargetHasNoImplicitDoubles(@TempDir Path tmp) {
        Manifest m = Manifest.read(CASES.resolve("cnn"));
        Manifest.Strategy s = m.strategies().values().iterator().next();
        Path dir = tmp.resolve("pulp-open");
        TargetFolder.write(EmitSpec.training("model.onnx", TrainingPipeline.compile(m.modelPath(), m.config(s), (p, g) -> { })), 8, Target.load("pulp-open"), true,
                dir, false);
        HostBuild.make(dir, "-std=c99 -O1 -Wall -Wextra -Werror -Wdouble-promotion");
        assertTrue(Files.isExecutable(dir.resolve("harness")));
    }

    /** Compile {@code src} of the folder for rv32imafc / ilp32f and list the symbols its object needs. */
    private static List<String> undefinedSymbols(Path dir, String src) {
        String obj = src.replaceAll("^.*/", "").replaceAll("\\.[cS]$", "") + ".o";
        List<String> cmd = new ArrayList<>(List.of(GCC));
        cmd.addAll(FLAGS);
        cmd.addAll(List.of("-c", src, "-o", obj));
        HostBuild.run(cmd, dir, "compiling " + src + " for rv32", l -> { });
        String out = HostBuild.run(List.of(NM, "-u", obj), dir, NM + " " + obj, l -> { });
        List<String> names = new ArrayList<>();
        for (String line : out.split("\n")) {
            String t = line.trim();
            if (t.startsWith("U ")) names.add(t.substring(2).trim());
        }
        return names;
    }
}
