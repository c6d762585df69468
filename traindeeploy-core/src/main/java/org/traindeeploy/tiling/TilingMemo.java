package org.traindeeploy.tiling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Op;
import org.traindeeploy.target.Target;

/**
 * The tiler's answers by what determines them: the op (its attributes: ops are records), the operand
 * types, which operands share a buffer, the L1 budget and the target. A step tiles every node twice
 * (the code generator and the report) and repeated layers have the same nodes, so most searches are
 * answered here. A {@link Tiler.Tiling} is immutable in use and names no node, so one instance serves
 * every node with the same key. Thread-safe (sweep plans strategies in parallel); targets are compared
 * by identity, and the memo forgets everything when it grows past a bound.
 */
final class TilingMemo {
    private static final int MAX_TARGETS = 16;
    private static final int MAX_ENTRIES = 200_000;
    private static final Map<Target, Map<Key, Tiler.Tiling>> BY_TARGET = new IdentityHashMap<>();

    private TilingMemo() {}

    record Key(Op op, List<TensorType> in, List<TensorType> out, List<Integer> sharing, long l1Budget) {
        static Key of(Op op, List<TensorType> in, List<TensorType> out, int[] sharing, long l1Budget) {
            return new Key(op, new ArrayList<>(in), new ArrayList<>(out), Arrays.stream(sharing).boxed().toList(), l1Budget);
        }
    }

    static Tiler.Tiling get(Target target, Key key, Supplier<Tiler.Tiling> search) {
        Map<Key, Tiler.Tiling> memo;
        synchronized (BY_TARGET) {
            if (BY_TARGET.size() >= MAX_TARGETS && !BY_TARGET.containsKey(target)) BY_TARGET.clear();
            memo = BY_TARGET.computeIfAbsent(target, t -> new ConcurrentHashMap<>());
        }
        Tiler.Tiling t = memo.get(key);
        if (t != null) return t;
        t = search.get(); // a node that cannot be tiled throws here and stores nothing
        if (memo.size() >= MAX_ENTRIES) memo.clear();
        memo.put(key, t);
        return t;
    }
}
