package org.traindeeploy.cli;

import org.traindeeploy.target.Target;
import picocli.CommandLine.Option;

/** --target and the memory budget overrides. */
public final class TargetOptions {
    @Option(names = "--target", paramLabel = "NAME|FILE",
            description = "Target description: siracusa, pulp-open, gap9, host, or a JSON file (format: docs/targets.md).")
    String target;

    @Option(names = "--l1", paramLabel = "SIZE", description = "Override the L1 budget, e.g. 64KiB.")
    String l1;

    @Option(names = "--l2", paramLabel = "SIZE",
            description = "Override the L2 the memory plan may use (data: activations, gradients, weights and state kept in L2), e.g. 512KiB; "
                    + "the level is SIZE plus the target's reservedBytes for the image (code, read-only data, stacks).")
    String l2;

    /** The memory overrides as given ("--l1 1B --l2 1KiB"), or "" when none. */
    String overrides() {
        StringBuilder sb = new StringBuilder();
        if (l1 != null) sb.append("--l1 ").append(l1);
        if (l2 != null) sb.append(sb.length() > 0 ? " " : "").append("--l2 ").append(l2);
        return sb.toString();
    }

    Target load() { return loadOr("siracusa"); }

    /** The target, {@code fallback} when --target is not given, with the budget overrides applied. */
    Target loadOr(String fallback) {
        Target t = Target.load(target == null ? fallback : target);
        if (l1 != null) t = t.withLevelSize("L1", Target.parseSize(l1, "--l1"));
        if (l2 != null) {
            // --l2 sizes the data part: the image keeps its reserve on top (docs/cli.md, docs/memory.md).
            long data = Target.parseSize(l2, "--l2");
            long reserved = t.hasLevel("L2") ? t.level("L2").reservedBytes() : 0;
            t = t.withLevelSize("L2", Math.addExact(data, reserved));
        }
        return t;
    }
}
