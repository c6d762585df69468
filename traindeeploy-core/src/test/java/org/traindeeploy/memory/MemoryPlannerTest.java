package org.traindeeploy.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.schedule.MemoryAwareScheduler;
import org.traindeeploy.target.Target;
import org.traindeeploy.testing.T;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/** The planner on every conformance strategy, and its invariants on random lifetimes. */
class MemoryPlannerTest {
    static Stream<Arguments> strategies() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(T.root().resolve("tests/conformance"))) {
            for (Path c : s.filter(p -> Files.exists(p.resolve("manifest.json"))).sorted().toList()) {
                Manifest m = Manifest.read(c);
                for (String name : m.strategies().keySet()) out.add(Arguments.of(c.getFileName() + "/" + name, m, name));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void peakIsWithinFivePercentOfTheLowerBoundAndNothingAliveTogetherOverlaps(String label, Manifest m, String strategy) {
        TrainingProgram p = TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get(strategy)), (x, y) -> { });
        Graph g = p.graph();
        new MemoryAwareScheduler().run(g);
        org.traindeeploy.ir.Verifier.verify(g);
        MemoryPlan plan = MemoryPlanner.plan(g, Target.load("siracusa"));
        assertNoOverlap(plan.buffers());
        assertTrue(plan.arenaBytes() >= plan.lowerBoundBytes());
        assertTrue(plan.ratio() <= 1.05, label + ": peak " + plan.arenaBytes() + " vs lower bound " + plan.lowerBoundBytes());
    }

    static void assertNoOverlap(List<Buffer> bufs) {
        for (Buffer a : bufs) {
            if (a.size() == 0) continue;
            assertTrue(a.offset() % 4 == 0, a + " is not aligned");
            for (Buffer b : bufs) {
                if (a == b || b.size() == 0) continue;
                boolean together = a.isStatic() || b.isStatic() || a.overlapsInTime(b);
                assertFalse(together && a.overlapsInSpace(b), a + " and " + b + " are alive together and overlap");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void greedyPlacementNeverOverlapsLiveBuffersOnRandomLifetimes(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Buffer> bufs = new ArrayList<>();
        int steps = 40;
        for (int i = 0; i < 60; i++) {
            int a = r.nextInt(steps);
            int b = a + r.nextInt(Math.max(1, steps - a));
            bufs.add(new Buffer(i, List.of(T.dummyValue("v" + i)), 1 + r.nextInt(5000), a, b, false));
        }
        long peak = MemoryPlanner.placeByLifetime(bufs, "L2", 0, 8);
        long lb = MemoryPlanner.lowerBound(bufs, steps, 8);
        assertTrue(peak >= lb);
        for (Buffer b : bufs) {
            assertEquals(0, b.offset() % 8);
            assertTrue(b.offset() + b.size() <= peak);
        }
        assertNoOverlapIn(bufs);
    }

    static void assertNoOverlapIn(List<Buffer> bufs) {
        for (Buffer a : bufs) for (Buffer b : bufs) if (a != b) assertFalse(a.overlapsInTime(b) && a.overlapsInSpace(b), a + " / " + b);
    }
}
