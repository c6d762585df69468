package org.traindeeploy.passes;

import java.util.ArrayList;
import java.util.List;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ops.AveragePool;
import org.traindeeploy.ops.Conv;
import org.traindeeploy.ops.Pad;
import org.traindeeploy.ops.Window2d;

/**
 * Folds a zero {@link Pad} of the two spatial axes into the Conv or AveragePool that reads it:
 * <pre>
 * Conv(Pad(x), W, B)   -> Conv(x, W, B) with the pads added
 * AveragePool(Pad(x))  -> AveragePool(x) with the pads added and count_include_pad = 1
 * </pre>
 * The AveragePool fold is exact when the pool has no pads of its own (or already counts them) and
 * is not in ceil mode: every window then lies inside the padded extent, so the divisor is the whole
 * kernel in both forms. The Pad stays for other readers (dead-code removal drops it otherwise).
 */
public record FoldPad() implements Pass {
    @Override public String name() { return "fold-pad"; }

    @Override public String summary() { return "zero Pad of H, W -> the pads of the Conv / AveragePool after it"; }

    @Override
    public boolean run(Graph g) {
        boolean changed = false;
        for (Node pad : new ArrayList<>(g.nodes())) {
            if (!(pad.op() instanceof Pad p) || !p.isZeroSpatial2d() || !g.nodes().contains(pad)) continue;
            int[] add = {p.begins()[2], p.begins()[3], p.ends()[2], p.ends()[3]};
            List<Node> readers = g.users().getOrDefault(pad.output(0), List.of());
            for (Node r : new ArrayList<>(readers)) {
                if (r.input(0) != pad.output(0)) continue;
                if (r.op() instanceof Conv c && r.inputs().indexOf(pad.output(0)) == 0 && r.inputs().lastIndexOf(pad.output(0)) == 0) {
                    Conv folded = new Conv(c.group(), c.strides(), sum(c.pads(), add), c.dilations());
                    replaceOp(g, r, folded, pad);
                    changed = true;
                } else if (r.op() instanceof AveragePool a && !a.window().ceil() && (a.countIncludePad() || isZero(a.window().pads()))) {
                    Window2d w = a.window();
                    Window2d fw = Window2d.of(w.kernel(), w.strides(), sum(w.pads(), add), w.dilations(), false);
                    replaceOp(g, r, new AveragePool(fw, true), pad);
                    changed = true;
                }
            }
        }
        if (changed) g.removeDeadCode();
        return changed;
    }

    private static void replaceOp(Graph g, Node r, org.traindeeploy.ir.Op op, Node pad) {
        List<org.traindeeploy.ir.Value> in = new ArrayList<>(r.inputs());
        in.set(0, pad.input(0));
        Rewrite.replace(g, r, r.name(), op, in.toArray(new org.traindeeploy.ir.Value[0]));
    }

    private static int[] sum(int[] a, int[] b) {
        int[] s = new int[a.length];
        for (int i = 0; i < a.length; i++) s[i] = a[i] + b[i];
        return s;
    }

    private static boolean isZero(int[] a) {
        for (int v : a) if (v != 0) return false;
        return true;
    }
}
