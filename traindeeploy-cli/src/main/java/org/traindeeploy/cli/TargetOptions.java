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

    @Option(names = "--l2", paramLabel = "SIZE", description = "Override the L2 budget, e.g. 1MiB.")
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
        if (l2 != null) t = t.withLevelSize("L2", Target.parseSize(l2, "--l2"));
        return t;
    }
}
