package org.traindeeploy.codegen;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.target.Target;

/**
 * The rv32 build of a generated cluster folder (docs/rv32.md): {@code make rv32} with
 * {@code riscv64-unknown-elf-gcc} and picolibc for rv32imafc/ilp32f, run under
 * {@code qemu-system-riscv32 -machine virt} with one hart per core, instruction counting on
 * ({@code -icount shift=0}) and semihosting for the harness's files.
 */
public final class Rv32 {
    /** The tools, with the Debian package each comes from. */
    static final String[][] TOOLS = {{"riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf"},
        {"qemu-system-riscv32", "qemu-system-misc"}};
    static final Path PICOLIBC_SPECS = Path.of("/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs");

    /** Seconds one qemu run may take before it is stopped (a hang is a failure, not a wait). */
    static final int RUN_TIMEOUT_SECONDS = 1800;

    private Rv32() {}

    /** The first missing tool as "TOOL (Debian package P)", or null when everything is there. */
    public static String missing() {
        for (String[] t : TOOLS) if (!onPath(t[0])) return t[0] + " (Debian package " + t[1] + ")";
        if (!java.nio.file.Files.isRegularFile(PICOLIBC_SPECS)) return PICOLIBC_SPECS + " (Debian package picolibc-riscv64-unknown-elf)";
        return null;
    }

    public static boolean available() { return missing() == null; }

    /** A one-line error when the toolchain is missing. */
    static void require() {
        String m = missing();
        if (m != null) {
            throw new CompileException("the rv32 engine needs " + m + "; install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc");
        }
    }

    /** The target must be a cluster target (an L1 level): the rv32 build is its device code. */
    static void requireCluster(Target t) { requireCluster(t, "--engine rv32"); }

    /** As {@link #requireCluster(Target)}, the error naming {@code what} needs it (a flag or a command). */
    static void requireCluster(Target t, String what) {
        if (!t.hasLevel("L1")) {
            throw new CompileException(what + " needs a cluster target with an L1 level (e.g. --target siracusa), not '" + t.name() + "'");
        }
    }

    private static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(File.pathSeparator)) if (new File(d, exe).canExecute()) return true;
        return false;
    }

    /** {@code make rv32} in {@code src} for {@code cores} harts; {@code profile}: the counting build. */
    static void make(Path src, int cores, String cflags, boolean profile) {
        require();
        List<String> cmd = new ArrayList<>(List.of("make", "-s", "-C", src.toString(), "-j" + Math.max(1, Runtime.getRuntime().availableProcessors()),
                "rv32", "CORES=" + cores));
        if (cflags != null) cmd.add("RV32_CFLAGS=" + cflags);
        if (profile) cmd.add("RV32_PROFILE=1");
        cmd.addAll(HostBuild.cached("RV32_CC", HostBuild.envOr("RV32_CC", "riscv64-unknown-elf-gcc")));
        try {
            HostBuild.run(cmd, src, "building the generated C for rv32", line -> { });
        } catch (CompileException e) {
            java.util.regex.Matcher over = java.util.regex.Pattern.compile("region `L2' overflowed by (\\d+) bytes").matcher(String.valueOf(e.getMessage()));
            if (over.find()) {
                throw new CompileException("the rv32 image does not fit L2: code, data, the " + planned(src) + "-byte plan and the stacks overflow the level by "
                        + over.group(1) + " bytes (raise the L2 level's reservedBytes in the target file, or give a smaller --l2 so the planner moves weights to L3)");
            }
            throw e;
        }
    }

    /** TD_L2_SIZE of a generated folder (the planned bytes of td_l2), or "?" when unreadable. */
    private static String planned(Path src) {
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("#define TD_L2_SIZE (\\d+)u").matcher(java.nio.file.Files.readString(src.resolve("td_plan.h")));
            return m.find() ? m.group(1) : "?";
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /** The ELF {@link #make} built. */
    static Path elf(Path src, int cores, boolean profile) {
        return src.resolve("rv32-" + cores + (profile ? "-profile" : "") + "/harness.elf");
    }

    /** Run the harness under qemu with {@code args} (absolute paths; commas are not allowed by qemu's option syntax). */
    static String run(Path elf, Target target, int cores, List<String> args, Path dir) {
        require();
        List<String> cmd = new ArrayList<>(List.of("timeout", "-k", "5", Integer.toString(RUN_TIMEOUT_SECONDS), "qemu-system-riscv32",
                "-machine", "virt", "-bios", "none", "-nographic", "-m", NetworkModel.rv32Map(target).qemuMemoryMiB() + "M",
                "-smp", Integer.toString(cores), "-icount", "shift=0"));
        StringBuilder semi = new StringBuilder("enable=on,target=native");
        for (String a : args) {
            if (a.contains(",")) throw new CompileException("rv32 engine: path '" + a + "' contains a comma, which qemu's -semihosting-config cannot pass");
            semi.append(",arg=").append(a);
        }
        cmd.addAll(List.of("-semihosting-config", semi.toString(), "-kernel", elf.toAbsolutePath().toString()));
        return HostBuild.run(cmd, dir, "running the generated C under qemu-system-riscv32", line -> { });
    }
}
