package org.traindeeploy.cli;

import org.traindeeploy.ir.CompileException;

/** The --cores range the host code generator accepts, checked before any work. */
final class TargetCores {
    private TargetCores() {}

    static void check(int cores) {
        if (cores < 1 || cores > 64) throw new CompileException("--cores " + cores + " must be between 1 and 64");
    }
}
