package org.traindeeploy.memory;

import java.util.List;

/**
 * The result of memory planning: every buffer placed (level, offset), the dynamic arena's size
 * against its lower bound, and the bytes used per level.
 *
 * @param arenaBytes peak of the dynamic arena (activations, gradients, inputs) in {@code mainLevel}
 * @param lowerBoundBytes largest sum of dynamic buffers alive together
 * @param mainLevelBytes all bytes used in the main level (arena + static buffers kept there)
 * @param l3Bytes bytes used in L3 (weights and state moved there, and activations and gradients when {@code levels} moved some)
 * @param staticBytes weights and optimizer state, wherever they are
 * @param levels what {@link LevelChoice} moved to L3 when L2 could not hold the step's arena
 *     ({@link LevelChoice.Summary#NONE} otherwise)
 */
public record MemoryPlan(Liveness liveness, String mainLevel, long arenaBytes, long lowerBoundBytes, long mainLevelBytes, long l3Bytes,
                         long staticBytes, LevelChoice.Summary levels) {
    public MemoryPlan(Liveness liveness, String mainLevel, long arenaBytes, long lowerBoundBytes, long mainLevelBytes, long l3Bytes, long staticBytes) {
        this(liveness, mainLevel, arenaBytes, lowerBoundBytes, mainLevelBytes, l3Bytes, staticBytes, LevelChoice.Summary.NONE);
    }

    public List<Buffer> buffers() { return liveness.buffers(); }

    /** Peak over lower bound; 1.0 is optimal. */
    public double ratio() { return lowerBoundBytes == 0 ? 1.0 : (double) arenaBytes / lowerBoundBytes; }
}
