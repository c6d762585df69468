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
                           List<DataArray> data, List<String> kernelSources) {

    /**
     * One kernel invocation in a body, with a barrier before it when it depends on work of the previous phase;
     * or a piece of C ({@code code}) run by core 0 alone, or by every core when {@code allCores} (a tile
     * loop, which calls the kernels whose argument structs {@code uses} names).
     */
    public record Step(String function, String args, boolean barrier, String comment, String code, boolean allCores, List<String> uses) {}

    /** An L1 address of the tiled program: a node's operand copy or scratch, at a fixed offset of td_l1. */
    public record L1Macro(String symbol, String ctype, long offset, long bytes, String comment) {}

    /** Trained tensor {@code index} of the generated API. */
    public record Trained(int index, String param, String grad, int size, String comment, boolean inL3) {}

    /** A constant array of network_data.c: its symbol, C type, length and initializer lines. */
    public record DataArray(String symbol, String ctype, int length, List<String> lines, String comment) {}

    /**
     * The memory levels as the runtime declares them (td_target.h): bytes of L1 (0: none), L2 (the
     * arena: the target's size on a cluster target, the planned bytes on the one-level host),
     * L3 (0: none), and the DMA's largest transfer.
     */
    public record Memory(String target, long l1, long l2, long l3, long dmaMax, long arena, long lowerBound, long l2Used, long l3Used) {
        static Memory of(org.traindeeploy.target.Target t, BufferPlan plan) {
            boolean cluster = t.hasLevel("L1");
            long l1 = cluster ? t.level("L1").sizeBytes() : 0;
            long used = Math.max(16, (plan.mainBytes() + 15) / 16 * 16);
            long l2 = cluster ? t.level("L2").sizeBytes() : used;
            long l3 = plan.l3Bytes() > 0 ? t.level("L3").sizeBytes() : 0;
            org.traindeeploy.target.Target.DmaLink link = t.link("L2", "L1");
            long max = link == null || link.maxTransferBytes() <= 0 ? 1L << 30 : link.maxTransferBytes();
            return new Memory(t.name(), l1, l2, l3, max, plan.memory().arenaBytes(), plan.memory().lowerBoundBytes(), plan.mainBytes(), plan.l3Bytes());
        }
    }

    /** The C type of the data input (float, or int64_t for token ids). */
    public String inputType() { return input.ctype(); }

    /** The C type of the labels (int64_t when the program has none). */
    public String labelType() { return labels == null ? "int64_t" : labels.ctype(); }
}
