package org.traindeeploy.schedule;

import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Value;
import org.traindeeploy.memory.Liveness;
import org.traindeeploy.memory.MemoryPlanner;
import org.traindeeploy.memory.RangeAddMax;
import org.traindeeploy.passes.FuseResidual;

/**
 * Judges fuse-residual's fusions over the step's schedule as it is when the judge is made: the
 * fused node takes the Add's place, the Linear's step disappears. Each judgement updates the bytes
 * alive per step ({@link RangeAddMax}) by the lifetimes the fusion changes and keeps the fusion only
 * if the largest total does not rise; O(log n) per fusion instead of a schedule of the whole step.
 * <p>The estimate never undercounts: a lifetime it cannot follow exactly (the part of a buffer an
 * Add wrote over its residual that the sum keeps) is counted at the old buffer's size, and a fusion that
 * would break an in-place write it cannot see through (an input overwritten between the Linear and
 * the Add, a state updated there) is refused. So the bound of the resulting order never exceeds the
 * bound of the order the judge started from.
 */
public final class ResidualJudge implements FuseResidual.Judge {
    private static final long MASK = Long.MAX_VALUE / 4;

    private final Graph g;
    private final RangeAddMax alive;
    private int[] pos;      // by Node.id(): step in the judged order, -1 when unknown
    private int[] bufOf;    // by Value.id(): buffer index, -1 when unknown
    private int[] start;
    private int[] end;
    private long[] bytes;   // rounded dynamic bytes, 0 for static or empty buffers
    private int[] members;
    private int buffers;
    private long peak;
    private int sBuffer = -1; // buffer of the sum of the fusion judged last

    /** Judges against the graph's current order (normally the scheduler's). */
    public ResidualJudge(Graph g) {
        this.g = g;
        Liveness.Lifetimes l = Liveness.lifetimes(g); // the buffers of Liveness.of, as arrays
        int n = l.steps();
        pos = new int[g.nodeIdBound()];
        Arrays.fill(pos, -1);
        List<Node> order = g.nodes();
        for (int i = 0; i < order.size(); i++) pos[order.get(i).id()] = i;
        bufOf = l.bufferOfValueId();
        int m = l.count();
        start = Arrays.copyOf(l.start(), m + 16);
        end = Arrays.copyOf(l.end(), m + 16);
        bytes = new long[m + 16];
        members = Arrays.copyOf(l.members(), m + 16);
        alive = new RangeAddMax(n);
        buffers = m;
        for (int k = 0; k < m; k++) {
            bytes[k] = l.isStatic()[k] || l.size()[k] == 0 ? 0 : MemoryPlanner.roundUp(l.size()[k], 4);
            alive.add(start[k], end[k], bytes[k]);
        }
        peak = alive.max();
    }

    /** The bound of the judged order with the fusions kept so far (never above the starting bound). */
    public long bound() { return peak; }

    @Override
    public boolean keep(Node lin, Node add, Value residual) {
        int pL = position(lin);
        int pA = position(add);
        Value t = lin.output(0);
        Value s = add.output(0);
        int bt = buffer(t);
        int bs = buffer(s);
        if (pL < 0 || pA <= pL || bt < 0 || bs < 0) return false;
        long[] ops = new long[3 * 10];
        int k = 0;
        int newStartT = -1;
        if (bt == bs) { // the Add wrote over the Linear's output: the shared buffer now starts at the Add
            ops[k++] = start[bt]; ops[k++] = pA - 1; ops[k++] = -bytes[bt];
            newStartT = pA;
        } else {
            if (members[bt] != 1) return false;
            ops[k++] = start[bt]; ops[k++] = end[bt]; ops[k++] = -bytes[bt];
        }
        int br = buffer(residual);
        // The Add wrote over its residual: the residual's buffer (R alone: in place needs a buffer no view
        // shares) now ends at the Add and the sum's part of it (the sum and what is written over it later)
        // starts there, counted at the whole group's size.
        boolean ownSum = bs == br && residual != t;
        long residualBytes = MemoryPlanner.roundUp(residual.type().bytes(), 4);
        if (ownSum) {
            if (bytes[bs] == 0) return false; // a state's group: the residual would become dynamic
            ops[k++] = start[bs]; ops[k++] = pA - 1; ops[k++] = residualBytes - bytes[bs];
            ops[k++] = pA; ops[k++] = pA; ops[k++] = residualBytes;
        }
        int[] extend = new int[4];
        int ne = 0;
        for (Value x : lin.inputs()) {
            if (x == null) continue;
            if (x.kind() == Value.Kind.STATE) {
                Value next = g.stateUpdates().get(x);
                int at = next == null || next.producer() == null ? -1 : position(next.producer());
                if (at > pL && at < pA) return false; // the update could no longer overwrite the state
                continue;
            }
            int bx = buffer(x);
            if (bx < 0) return false;
            if (bytes[bx] == 0 || end[bx] >= pA) continue;
            int last = -1;
            Node lastReader = null;
            for (Node r : g.readers(x)) {
                int p = position(r);
                if (p < 0) return false;
                if (p > last) {
                    last = p;
                    lastReader = r;
                }
            }
            if (lastReader != lin) {
                for (Value o : lastReader.outputs()) if (buffer(o) == bx) return false; // written over x before the Add
            }
            boolean seen = false;
            for (int e = 0; e < ne; e++) seen |= extend[e] == bx;
            if (seen) continue;
            extend[ne++] = bx;
            ops[k++] = end[bx] + 1; ops[k++] = pA; ops[k++] = bytes[bx];
        }
        ops[k++] = pL; ops[k++] = pL; ops[k++] = -MASK; // the Linear's step is gone
        for (int i = 0; i < k; i += 3) alive.add((int) ops[i], (int) ops[i + 1], ops[i + 2]);
        long now = alive.max();
        if (now > peak) {
            for (int i = 0; i < k; i += 3) alive.add((int) ops[i], (int) ops[i + 1], -ops[i + 2]);
            return false;
        }
        peak = now;
        if (newStartT >= 0) start[bt] = newStartT;
        else members[bt] = 0;
        for (int e = 0; e < ne; e++) end[extend[e]] = pA;
        if (ownSum) {
            int nb = newBuffer(start[bs], pA, residualBytes);
            if (residual.id() >= bufOf.length) bufOf = grow(bufOf, residual.id());
            bufOf[residual.id()] = nb;
            start[bs] = pA;
            members[bs]--;
        }
        sBuffer = bs;
        return true;
    }

    @Override
    public void fused(Node add, Node fused) {
        int p = position(add);
        if (fused.id() >= pos.length) pos = grow(pos, fused.id());
        pos[fused.id()] = p;
        Value y = fused.output(0);
        if (y.id() >= bufOf.length) bufOf = grow(bufOf, y.id());
        bufOf[y.id()] = sBuffer;
    }

    private int newBuffer(int from, int to, long size) {
        if (buffers == start.length) {
            int c = 2 * buffers;
            start = Arrays.copyOf(start, c);
            end = Arrays.copyOf(end, c);
            bytes = Arrays.copyOf(bytes, c);
            members = Arrays.copyOf(members, c);
        }
        int k = buffers++;
        start[k] = from;
        end[k] = to;
        bytes[k] = size;
        members[k] = 1;
        return k;
    }

    private int position(Node n) { return n.id() < pos.length ? pos[n.id()] : -1; }

    private int buffer(Value v) { return v.id() < bufOf.length ? bufOf[v.id()] : -1; }

    private static int[] grow(int[] a, int id) {
        int[] b = Arrays.copyOf(a, Math.max(2 * a.length, id + 1));
        Arrays.fill(b, a.length, b.length, -1);
        return b;
    }
}
