package org.traindeeploy.codegen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.target.Target;
import org.traindeeploy.train.TrainingProgram;

/**
 * {@code traindeeploy profile}: the training step's instructions counted under qemu (docs/rv32.md).
 * Generates the cluster target's folder, builds it for rv32 with counting on
 * ({@code make rv32 RV32_PROFILE=1}), runs a warm-up step and a measured step, and reads the counts
 * per hart and per scheduled node, the image's section sizes from the link, and the MACs of every
 * node from its op.
 */
public final class Rv32Profile {
    private Rv32Profile() {}

    /** One scheduled node (or the state updates after them): its work and its instructions in the measured step. */
    public record NodeProfile(String name, String op, String kernel, String phase, long macs, long instructions, long criticalPathInstructions) {}

    /** The linked image's sections in bytes, and the level it lives in (code, data, arena and stacks all in L2). */
    public record Image(long text, long rodata, long data, long bss, long stack, long total, String level, long levelSize) {}

    /** Cycles estimated from the critical path and the target's cycles-per-instruction assumption (not measured). */
    public record Cycles(long estimate, double cyclesPerInstruction, String basis) {}

    /**
     * @param instructions retired by all harts in the measured step (waiting and DMA copies excluded)
     * @param criticalPathInstructions the sum over the step's barrier-separated phases of the busiest hart's count
     * @param harts each hart's count
     */
    public record Profile(long instructions, long criticalPathInstructions, long macs, double instructionsPerMac, List<Long> harts,
                          List<NodeProfile> nodes, Image image, Cycles cycles) {

        /** Instructions outside every node (td_fork, the step's input copies). */
        public long outsideNodes() { return instructions - nodes.stream().mapToLong(NodeProfile::instructions).sum(); }
    }

    /** What profiling on {@code target} needs (a cluster target, the rv32 tools), checked before any work: one-line errors. */
    public static void check(Target target) {
        Rv32.requireCluster(target, "profile");
        Rv32.require();
    }

    /**
     * Profile one training step of {@code p} on {@code cores} harts of {@code target}, with the
     * batch {@code input}/{@code labels} for both the warm-up and the measured step; {@code dir}
     * (created, must not exist) keeps the folder, or null for a temporary one.
     */
    public static Profile run(TrainingProgram p, String modelName, Target target, int cores, Tensor input, Tensor labels, Path dir) {
        check(target);
        EmitSpec spec = EmitSpec.training(modelName, p);
        LoweredProgram lp = BackHalf.lower(spec, cores, target, false);
        NetworkModel m = lp.model();
        boolean temp = dir == null;
        try {
            if (temp) dir = Files.createTempDirectory("traindeeploy-profile-");
            else if (Files.exists(dir)) throw new CompileException("--keep folder " + dir + " exists");
            Path src = dir.resolve("build");
            OutputFolder.write(src, TargetFolder.folder(lp), false);
            CEngine.writeBatches(dir.resolve("data"), List.of(input), labels == null ? null : List.of(labels));
            Path out = Files.createDirectories(dir.resolve("out"));
            Rv32.make(src, cores, null, true);
            Rv32.run(Rv32.elf(src, cores, true), target, cores,
                    List.of(dir.resolve("data").toAbsolutePath().toString(), "2", out.toAbsolutePath().toString(), "--profile", "--quiet"), dir);
            Image image = image(src.resolve("rv32-" + cores + "-profile/size.txt"), target);
            return read(out.resolve("profile.txt"), p, spec, m, target, image);
        } catch (IOException e) {
            throw new CompileException("profile: " + e.getMessage(), e);
        } finally {
            if (temp && dir != null) OutputFolder.deleteTree(dir);
        }
    }

    private static Profile read(Path file, TrainingProgram p, EmitSpec spec, NetworkModel m, Target target, Image image) throws IOException {
        List<Node> graphNodes = spec.graph().nodes();
        int n = m.profNodes().size();
        long[] instr = new long[n];
        long[] crit = new long[n];
        long total = -1;
        long critical = -1;
        List<Long> harts = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.trim().split(" ");
            switch (f[0]) {
                case "instructions" -> total = Long.parseLong(f[1]);
                case "critical" -> critical = Long.parseLong(f[1]);
                case "hart" -> harts.add(Long.parseLong(f[2]));
                case "node" -> {
                    int k = Integer.parseInt(f[1]);
                    if (k >= 0 && k < n) {
                        instr[k] = Long.parseLong(f[2]);
                        crit[k] = Long.parseLong(f[3]);
                    }
                }
                default -> { }
            }
        }
        if (total < 0 || critical < 0) throw new CompileException("profile: " + file + " is incomplete");
        List<NodeProfile> nodes = new ArrayList<>();
        long macs = 0;
        for (int k = 0; k < n; k++) {
            NetworkModel.ProfNode pn = m.profNodes().get(k);
            long mk = 0;
            String phase = "update";
            if (k < graphNodes.size()) {
                Node node = graphNodes.get(k);
                List<TensorType> in = new ArrayList<>();
                for (Value v : node.inputs()) in.add(v == null ? null : v.type());
                mk = node.op().macs(in, node.outputs().stream().map(Value::type).toList());
                phase = p.phase(node).name().toLowerCase(Locale.ROOT);
            }
            macs += mk;
            nodes.add(new NodeProfile(pn.name(), pn.op(), pn.kernel(), phase, mk, instr[k], crit[k]));
        }
        double cpi = target.cyclesPerInstruction();
        Cycles cycles = new Cycles(Math.round(critical * cpi), cpi,
                "estimate: criticalPathInstructions x the target's cyclesPerInstruction assumption (targets/" + target.name()
                        + ".json); memory stalls and DMA time are not modelled");
        return new Profile(total, critical, macs, macs > 0 ? (double) total / macs : 0, List.copyOf(harts), List.copyOf(nodes), image, cycles);
    }

    /** The image from {@code riscv64-unknown-elf-size -A} of the link (the Makefile writes it beside the ELF). */
    static Image image(Path sizeTxt, Target target) throws IOException {
        long text = 0, rodata = 0, data = 0, bss = 0, stack = 0;
        for (String line : Files.readAllLines(sizeTxt)) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 3 || !f[1].matches("\\d+")) continue;
            long b = Long.parseLong(f[1]);
            switch (f[0]) {
                case ".text" -> text += b;
                case ".rodata" -> rodata += b;
                case ".data", ".tdata" -> data += b;
                case ".tbss", ".bss" -> bss += b;
                case ".stack" -> stack += b;
                default -> { }
            }
        }
        return new Image(text, rodata, data, bss, stack, text + rodata + data + bss + stack, "L2", target.level("L2").sizeBytes());
    }
}
