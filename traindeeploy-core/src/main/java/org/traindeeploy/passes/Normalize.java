package org.traindeeploy.passes;

import java.util.List;

/** The normalization pipeline that runs after import: fold, fuse, simplify. */
public final class Normalize {
    private Normalize() {}

    public static List<Pass> passes() {
        return List.of(new ConstantFolding(), new FoldPad(), new FuseLayerNorm(), new FuseGelu(), new FuseLinear(), new Simplify(), new DeadCodeElimination());
    }

    public static PassManager manager() {
        PassManager pm = new PassManager();
        passes().forEach(pm::add);
        return pm;
    }
}
