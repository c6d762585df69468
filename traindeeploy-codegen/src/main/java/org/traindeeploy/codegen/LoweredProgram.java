package org.traindeeploy.codegen;

import org.traindeeploy.memory.MemoryPlan;
import org.traindeeploy.schedule.SchedulePass.Schedule;
import org.traindeeploy.target.Target;

/**
 * The back half's result, the one record the target folder renders and the report reads: the
 * schedule, the memory plan (every buffer's level and offset), the tiles (per node its kernel calls,
 * or its tile loop, boxes and DMA transfers, and its whole-node copies) and the lowered program
 * ({@link NetworkModel}: buffers at their offsets, argument structs, tables, the bodies' kernel
 * invocations and barriers). {@link #text()} is its stable text form ({@code --print-ir-after=lower}).
 */
public record LoweredProgram(EmitSpec spec, Target target, boolean keepGradients, Schedule schedule, MemoryPlan plan, CEmitter.Tiles tiles,
                             NetworkModel model) {
    public int cores() { return model.cores(); }

    public String text() { return LoweredText.program(this); }
}
