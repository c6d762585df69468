package org.traindeeploy.memory;

import java.util.List;

/**
 * The result of memory planning: every buffer placed (level, offset), the dynamic arena's size
 * against its lower bound, and the bytes used per level.
 *
 * @param arenaBytes peak of the dynamic arena (activations, gradients, inputs) in {@code mainLevel}
 * @param lowerBoundBytes largest sum of dynamic buffers alive together
 * @param mainLevelBytes all bytes used in the main level (arena + static buffers kept there)
 * @param l3Bytes static bytes moved to L3
 * @param staticBytes weights and optimizer state, wherever they are
 */
public record MemoryPlan(Liveness liveness, String mainLevel, long arenaBytes, long lowerBoundBytes, long mainLevelBytes, long l3Bytes,
                         long staticBytes) {
    public List<Buffer> buffers() { return liveness.buffers(); }

    /** Peak over lower bound; 1.0 is optimal. */
    public double ratio() { return lowerBoundBytes == 0 ? 1.0 : (double) arenaBytes / lowerBoundBytes; }
}
