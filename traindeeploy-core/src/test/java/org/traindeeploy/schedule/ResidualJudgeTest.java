package org.traindeeploy.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.memory.MemoryPlanner;
import org.traindeeploy.memory.RangeAddMax;
import org.traindeeploy.ops.Add;
import org.traindeeploy.ops.Linear;
import org.traindeeploy.ops.Relu;
import org.traindeeploy.passes.FuseResidual;

/** fuse-residual's judgement over a fixed order: the range-add/max tree and the bound it keeps. */
class ResidualJudgeTest {
    @Test
    void rangeAddMaxAgreesWithAnArray() {
        Random r = new Random(7);
        int n = 37;
        RangeAddMax t = new RangeAddMax(n);
        long[] a = new long[n + 1];
        for (int k = 0; k < 2000; k++) {
            int from = r.nextInt(n + 1);
            int to = from + r.nextInt(n + 1 - from);
            long bytes = r.nextInt(2001) - 1000;
            t.add(from, to, bytes);
            for (int i = from; i <= to; i++) a[i] += bytes;
            long max = Long.MIN_VALUE;
            for (long v : a) max = Math.max(max, v);
            assertEquals(max, t.max(), "after " + (k + 1) + " additions");
        }
    }

    @Test
    void keepsFusionsThatDoNotRaiseTheBound() {
        // x → 16 parallel Linears summed by a chain of Adds: every fusion frees a Linear's output.
        Graph g = new Graph();
        g.setFoldConstants(false);
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, 8));
        Value sum = null;
        for (int i = 0; i < 16; i++) {
            Value y = g.add("mm" + i, new Linear(false, 1.0), x, g.addConstant("W" + i, Tensor.zeros(DType.FLOAT, 8, 4)));
            sum = sum == null ? y : g.add("sum" + i, new Add(), sum, y);
        }
        g.addOutput(g.add("out", new Relu(), sum));
        long before = MemoryPlanner.dynamicLowerBound(g);
        ResidualJudge judge = new ResidualJudge(g);
        assertEquals(before, judge.bound());
        AtomicInteger fused = new AtomicInteger();
        new FuseResidual((a, b) -> fused.incrementAndGet(), whole -> true, judge).run(g);
        assertEquals(15, fused.get());
        assertEquals(0, g.nodes().stream().filter(n -> n.op() instanceof Add).count());
        long after = MemoryPlanner.dynamicLowerBound(g); // the order the pass left, not rescheduled
        assertTrue(after <= judge.bound(), "the judge never undercounts: " + after + " > " + judge.bound());
        assertTrue(judge.bound() <= before);
    }

    @Test
    void refusesAFusionThatKeepsALargeInputAliveOverThePeak() {
        // t = Linear(x) reads a large x once, early; the Add that sums t comes after a large temporary.
        // Fusing would read x at the Add: x would live through the temporary's peak.
        Graph g = new Graph();
        g.setFoldConstants(false);
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, 1024));
        Value y = g.addInput("y", TensorType.of(DType.FLOAT, 1, 8));
        Value t = g.add("t", new Linear(false, 1.0), x, g.addConstant("Wt", Tensor.zeros(DType.FLOAT, 1024, 4)));
        Value big = g.add("big", new Linear(false, 1.0), y, g.addConstant("Wb", Tensor.zeros(DType.FLOAT, 8, 4096)));
        Value r0 = g.add("r0", new Linear(false, 1.0), big, g.addConstant("Wr", Tensor.zeros(DType.FLOAT, 4096, 4)));
        Value res = g.add("res", new Relu(), r0);
        g.addOutput(g.add("sum", new Add(), t, res));
        long before = MemoryPlanner.dynamicLowerBound(g);
        ResidualJudge judge = new ResidualJudge(g);
        new FuseResidual((a, b) -> { }, whole -> true, judge).run(g);
        assertEquals(1, g.nodes().stream().filter(n -> n.op() instanceof Add).count(), "the fusion is refused");
        assertEquals(before, MemoryPlanner.dynamicLowerBound(g));
        assertEquals(before, judge.bound());
    }
}
