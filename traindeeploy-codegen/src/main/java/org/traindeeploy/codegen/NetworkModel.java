package org.traindeeploy.codegen;

import java.util.List;
import org.traindeeploy.codegen.BufferPlan.Buffer;

/**
 * Everything the network templates render, as typed records (the root of
 * {@code network.c.ftl}, {@code network.h.ftl}, {@code network_data.*.ftl} and {@code Makefile.ftl}).
 *
 * @param calls every kernel call, in first-use order: each becomes a constant argument struct
 * @param trainSteps the training step's body (forward, loss, backward, optimizer, state updates)
 * @param inferSteps the forward pass up to the output
 */
public record NetworkModel(String model, int cores, boolean training, Buffer input, Buffer labels, Buffer output, Buffer loss,
                           List<Buffer> constants, List<Buffer> states, List<Buffer> placed, Memory memory, List<L1Macro> l1, int scratchFloats, int scratchAcc,
                           List<KernelCall> calls, List<Step> trainSteps, List<Step> inferSteps, List<Trained> trained,
                           List<DataArray> data, List<String> kernelSources, List<ProfNode> profNodes, Tables tables) {

    /** An entry of the profile (docs/rv32.md): a scheduled node, or the state updates after them; its kernels joined by '+'. */
    public record ProfNode(String name, String op, String kernel) {}

    /**
     * One call in a body, {@code function(&args)}, with a barrier before it when it depends on work of the
     * previous phase: a kernel on its constant argument struct, or a driver of td_tiled.h on a table (run by
     * core 0 alone when {@code core0}; {@code uses} names the kernel argument structs the table calls); or,
     * with {@code prof} ≥ 0, the profile's marker where scheduled node {@code prof} starts.
     */
    public record Step(String function, String args, boolean barrier, String comment, boolean core0, List<String> uses, int prof) {}

    /**
     * The tables of a cluster target's program (td_tiled.h): tiled nodes, nodes run as one tile, state
     * copies; and the largest per-tile state a tiled node needs (dims, operands, box axes), for td_target.h.
     */
    public record Tables(List<TileLoops.TiledNode> tiled, List<TiledLowering.WholeNode> whole, List<TiledLowering.StateCopy> stateCopies,
                         List<TileLoops.Named<List<TileLoops.DimRow>>> dims, List<TileLoops.Named<List<TileLoops.AxisRow>>> axes,
                         List<TileLoops.Named<TileBinding.BindList>> params, int maxDims, int maxOps, int maxBoxes) {
        static final Tables NONE = new Tables(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), 0, 0, 0);
    }

    /** An L1 address of the tiled program: a node's operand copy or scratch, at a fixed offset of td_l1. */
    public record L1Macro(String symbol, String ctype, long offset, long bytes, String comment) {}

    /** Trained tensor {@code index} of the generated API. */
    public record Trained(int index, String param, String grad, int size, String comment, boolean inL3, boolean gradInL3) {}

    /**
     * A constant array: its symbol, C type and element count, and where its {@code size} bytes
     * ({@code content}, little-endian) lie in network_data.bin (aligned offset).
     */
    public record DataArray(String symbol, String ctype, int length, long offset, int size, byte[] content, String comment) {}

    /**
     * The memory levels as the runtime declares them (td_target.h): bytes of L1 (0: none), L2 (the
     * planned bytes of td_l2: the arena and the weights and state kept in L2, never the whole level),
     * L3 (the planned bytes of td_l3; 0: none), the DMA's largest transfer, the L2 and L3 levels' capacities (the device's memory map),
     * and whether the cores compute in double ({@code doubleFpu}; false: td_target.h defines TD_NO_DOUBLE).
     */
    public record Memory(String target, long l1, long l2, long l3, long dmaMax, long arena, long lowerBound, long l2Used, long l3Used,
                         long l2Level, long l3Level, boolean doubleFpu) {
        static Memory of(org.traindeeploy.target.Target t, BufferPlan plan) {
            boolean cluster = t.hasLevel("L1");
            long l1 = cluster ? t.level("L1").sizeBytes() : 0;
            long used = Math.max(16, (plan.mainBytes() + 15) / 16 * 16);
            long l2Level = t.hasLevel("L2") ? t.level("L2").sizeBytes() : used;
            long l3Level = t.hasLevel("L3") ? t.level("L3").sizeBytes() : 0;
            // td_l3 is the planned bytes of L3 (weights, state, activations and gradients placed there), so the host
            // simulation bounds-checks every L3 access against the plan, as td_l2 against the planned L2.
            long l3 = plan.l3Bytes() > 0 ? Math.min(l3Level, (plan.l3Bytes() + 15) / 16 * 16) : 0;
            org.traindeeploy.target.Target.DmaLink link = t.link("L2", "L1");
            long max = link == null || link.maxTransferBytes() <= 0 ? 1L << 30 : link.maxTransferBytes();
            return new Memory(t.name(), l1, used, l3, max, plan.memory().arenaBytes(), plan.memory().lowerBoundBytes(), plan.mainBytes(), plan.l3Bytes(),
                    l2Level, l3Level, t.hasDoubleFpu());
        }
    }

    /**
     * The rv32 build's memory map (rv32.ld, docs/rv32.md): qemu virt's RAM from 0x80000000 holds the
     * L2 level (the image: code, data, td_l2, stacks), then L1, L3 and a region for the simulation's
     * own bookkeeping, each at a 64 KiB boundary.
     */
    public record Rv32Map(String target, String l2Origin, long l2Length, String l1Origin, long l1Length, String l3Origin, long l3Length,
                          String simOrigin, long simLength, String flashOrigin, long flashLength, long qemuMemoryMiB) {}

    public static final long RV32_BASE = 0x80000000L;
    public static final long RV32_SIM_BYTES = 16L << 20;
    public static final long RV32_FLASH_BYTES = 256L << 20;

    public Rv32Map rv32() { return rv32Map(memory.target(), memory.l1(), memory.l2Level(), memory.l3Level()); }

    /** The rv32 memory map of a target's levels (see {@link Rv32Map}). */
    public static Rv32Map rv32Map(org.traindeeploy.target.Target t) {
        long l2 = t.hasLevel("L2") ? t.level("L2").sizeBytes() : 0;
        return rv32Map(t.name(), t.hasLevel("L1") ? t.level("L1").sizeBytes() : 0, l2, t.hasLevel("L3") ? t.level("L3").sizeBytes() : 0);
    }

    private static Rv32Map rv32Map(String target, long l1Bytes, long l2, long l3Bytes) {
        long l1 = Math.max(16, l1Bytes);
        long l3 = Math.max(16, l3Bytes);
        long l1o = RV32_BASE + up(l2);
        long l3o = l1o + up(l1);
        long simo = l3o + up(l3);
        long flasho = simo + RV32_SIM_BYTES;
        long end = flasho + RV32_FLASH_BYTES;
        long mib = (end - RV32_BASE + (1 << 20) - 1) >> 20;
        if (mib > 2047) throw new org.traindeeploy.ir.CompileException("target " + target + ": its levels (" + (end - RV32_BASE) + " bytes) do not fit qemu virt's 2 GiB of RAM for the rv32 build");
        return new Rv32Map(target, hex(RV32_BASE), l2, hex(l1o), l1, hex(l3o), l3, hex(simo), RV32_SIM_BYTES, hex(flasho), RV32_FLASH_BYTES, mib);
    }

    private static long up(long b) { return (b + 0xFFFF) & ~0xFFFFL; }

    private static String hex(long v) { return "0x" + Long.toHexString(v); }

    /** The C type of the data input (float, or int64_t for token ids). */
    public String inputType() { return input.ctype(); }

    /** Alignment of every array of network_data.bin / network_data.S. */
    public int dataAlignment() { return CEmitter.DATA_ALIGNMENT; }

    /** The C type of the labels (int64_t when the program has none). */
    public String labelType() { return labels == null ? "int64_t" : labels.ctype(); }
}
