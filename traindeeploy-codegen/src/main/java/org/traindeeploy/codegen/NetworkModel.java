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
                           List<Buffer> constants, List<Buffer> states, List<Buffer> activations, int scratchFloats, int scratchAcc,
                           List<KernelCall> calls, List<Step> trainSteps, List<Step> inferSteps, List<Trained> trained,
                           List<DataArray> data, List<String> kernelSources) {

    /** One kernel invocation in a body, with a barrier before it when it depends on work of the previous phase. */
    public record Step(String function, String args, boolean barrier, String comment) {}

    /** Trained tensor {@code index} of the generated API. */
    public record Trained(int index, String param, String grad, int size, String comment) {}

    /** A constant array of network_data.c: its symbol, C type, length and initializer lines. */
    public record DataArray(String symbol, String ctype, int length, List<String> lines, String comment) {}

    /** The C type of the labels (int64_t when the program has none). */
    public String labelType() { return labels == null ? "int64_t" : labels.ctype(); }
}
