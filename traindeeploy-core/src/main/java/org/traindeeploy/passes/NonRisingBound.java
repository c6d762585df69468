package org.traindeeploy.passes;

import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.traindeeploy.ir.Graph;

/**
 * The judge of a fusion pass that saves traffic, not memory: a rewrite is kept when the graph's memory
 * lower bound, as {@code measure} computes it, does not rise above the lowest bound kept so far (which
 * then becomes the rewritten graph's). fuse-residual and fuse-lora judge their batches with it.
 */
public final class NonRisingBound implements Predicate<Graph> {
    private final ToLongFunction<Graph> measure;
    private long bound;

    public NonRisingBound(long start, ToLongFunction<Graph> measure) {
        this.bound = start;
        this.measure = measure;
    }

    @Override
    public boolean test(Graph rewritten) {
        long now = measure.applyAsLong(rewritten);
        if (now > bound) return false;
        bound = now;
        return true;
    }

    /** The bound of the last rewrite kept (the start when none was). */
    public long bound() { return bound; }
}
