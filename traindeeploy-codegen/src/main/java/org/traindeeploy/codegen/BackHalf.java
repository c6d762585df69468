package org.traindeeploy.codegen;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Value;
import org.traindeeploy.memory.PlanPass;
import org.traindeeploy.passes.Compilation;
import org.traindeeploy.passes.Pass;
import org.traindeeploy.passes.PassManager;
import org.traindeeploy.passes.Product;
import org.traindeeploy.passes.ProducingPass;
import org.traindeeploy.schedule.SchedulePass;
import org.traindeeploy.target.Target;

/**
 * The back half of the compiler, as passes in the same {@link PassManager} as the front half:
 * schedule → plan → tile → lower. Each returns a typed record (the schedule, the {@link
 * org.traindeeploy.memory.MemoryPlan}, the {@link CEmitter.Tiles}, the {@link LoweredProgram}) with
 * a stable text form for {@code --print-ir-after}. The target folder only renders the result.
 */
public final class BackHalf {
    public static final Product<CEmitter.Tiles> TILES = Product.named("tiles");
    public static final Product<LoweredProgram> LOWERED = Product.named("lowered program");

    private BackHalf() {}

    /** Lower every scheduled node to kernel calls, or on a target with L1 to tile loops, boxes and DMA. */
    public record TilePass(EmitSpec spec, Target target) implements ProducingPass<CEmitter.Tiles> {
        @Override public String name() { return "tile"; }

        @Override public String summary() { return "lower each node to kernel calls: on an L1 target its tile loop, boxes and DMA transfers, or one tile with whole copies"; }

        @Override public Set<String> requires() { return Set.of("plan"); }

        @Override public Product<CEmitter.Tiles> product() { return TILES; }

        @Override public boolean rewritesGraph() { return false; }

        @Override public CEmitter.Tiles produce(Compilation c) { return CEmitter.tile(spec, target, c.get(PlanPass.PLAN)); }

        @Override public String text(CEmitter.Tiles t, Compilation c) { return t.text(); }
    }

    /** Order the training and inference bodies, place barriers and state copies: the program the templates render. */
    public record LowerPass(EmitSpec spec, int cores, Target target, boolean keepGradients) implements ProducingPass<LoweredProgram> {
        @Override public String name() { return "lower"; }

        @Override public String summary() { return "order the step's bodies, add state copies and barriers, collect buffers, argument structs and tables"; }

        @Override public Set<String> requires() { return Set.of("tile"); }

        @Override public Product<LoweredProgram> product() { return LOWERED; }

        @Override public boolean rewritesGraph() { return false; }

        @Override
        public LoweredProgram produce(Compilation c) {
            CEmitter.Tiles t = c.get(TILES);
            return new LoweredProgram(spec, target, keepGradients, c.get(SchedulePass.SCHEDULE), c.get(PlanPass.PLAN), t,
                    CEmitter.lower(spec, cores, target, t, keepGradients));
        }

        @Override public String text(LoweredProgram p, Compilation c) { return p.text(); }
    }

    /** The passes, in order. {@code keepGradients}: the trained tensors' gradients live to the end of the step (the harness reads them). */
    public static List<Pass> passes(EmitSpec spec, int cores, Target target, boolean keepGradients) {
        return List.of(new SchedulePass(), new PlanPass(target, spec == null ? Set.of() : keep(spec, keepGradients)), new TilePass(spec, target),
                new LowerPass(spec, cores, target, keepGradients));
    }

    /** The back half's pass names, in order (for --print-ir-after). */
    public static List<String> passNames() { return passes(null, 1, null, false).stream().map(Pass::name).toList(); }

    /** What lives to the end of the step: the output and the loss, and with {@code keepGradients} the trained tensors' gradients. */
    static Set<Value> keep(EmitSpec spec, boolean keepGradients) {
        Set<Value> keep = new HashSet<>();
        keep.add(spec.output());
        if (spec.loss() != null) keep.add(spec.loss());
        if (keepGradients) for (EmitSpec.Trained t : spec.trained()) keep.add(t.grad());
        return keep;
    }

    /** The schedule and plan passes alone (a report without code: inspect); the plan. */
    public static org.traindeeploy.memory.MemoryPlan plan(EmitSpec spec, Target target, boolean keepGradients, BiConsumer<Pass, Compilation> observer) {
        return new PassManager().observe(observer).addAll(passes(spec, target.cores(), target, keepGradients).subList(0, 2)).run(spec.graph()).get(PlanPass.PLAN);
    }

    /** Run the back half on a program for {@code target} with {@code cores} cores. */
    public static LoweredProgram lower(EmitSpec spec, int cores, Target target, boolean keepGradients) {
        return lower(spec, cores, target, keepGradients, (p, c) -> { });
    }

    public static LoweredProgram lower(EmitSpec spec, int cores, Target target, boolean keepGradients, BiConsumer<Pass, Compilation> observer) {
        if (cores < 1 || cores > 64) throw new CompileException("--cores " + cores + " must be between 1 and 64");
        TargetFolder.Runtime.of(target); // a target file naming an unknown runtime fails before any work
        return new PassManager().observe(observer).addAll(passes(spec, cores, target, keepGradients)).run(spec.graph()).get(LOWERED);
    }
}
