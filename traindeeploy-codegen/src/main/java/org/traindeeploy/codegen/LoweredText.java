package org.traindeeploy.codegen;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.traindeeploy.codegen.CEmitter.Planned;
import org.traindeeploy.codegen.NetworkModel.Step;
import org.traindeeploy.ir.Node;

/**
 * The stable text forms of the tile and lower passes' records ({@code --print-ir-after=tile|lower}):
 * plain lines, same program same text, meant for reading and for tests.
 */
final class LoweredText {
    private LoweredText() {}

    /** Per scheduled node: its kernel calls, or its tile loop (dims, operands with their DMA) and its whole-node copies. */
    static String tiles(CEmitter.Tiles t) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "tiles: %d nodes, %s%n", t.calls.size(), t.onL1() ? "L1 tiles moved by DMA" : "whole-node kernel calls"));
        Map<String, TileLoops.TiledNode> tiled = new HashMap<>();
        Map<String, TiledLowering.WholeNode> whole = new HashMap<>();
        if (t.onL1()) {
            t.tiled.tiledNodes().forEach(n -> tiled.put(n.id(), n));
            t.tiled.wholeNodes().forEach(n -> whole.put(n.id(), n));
        }
        for (Map.Entry<Node, List<KernelCall>> e : t.calls.entrySet()) {
            Node n = e.getKey();
            sb.append(String.format(Locale.ROOT, "node %s (%s)%n", n.name(), n.op().opType()));
            if (!t.onL1()) {
                for (KernelCall c : e.getValue()) call(sb, c);
                continue;
            }
            List<Planned> seq = t.planned.get(n);
            if (seq.isEmpty()) sb.append("  view: shares its input's buffer, no code\n");
            for (Planned p : seq) {
                if (p.call() != null) {
                    call(sb, p.call());
                } else if (TiledLowering.DRIVER_TILED.equals(p.driver())) {
                    tiledNode(sb, tiled.get(p.table()));
                } else if (TiledLowering.DRIVER_LOAD.equals(p.driver())) {
                    TiledLowering.WholeNode w = whole.get(p.table());
                    sb.append(String.format(Locale.ROOT, "  whole %s: one tile, core 0 copies%n", w.id()));
                    for (TiledLowering.WholeCopy c : w.in()) sb.append(String.format(Locale.ROOT, "    dma load  %s -> L1 %s, %d B%n", home(c.l2(), c.l3()), c.l1(), c.bytes()));
                } else if (TiledLowering.DRIVER_STORE.equals(p.driver())) {
                    TiledLowering.WholeNode w = whole.get(p.table());
                    for (TiledLowering.WholeCopy c : w.out()) sb.append(String.format(Locale.ROOT, "    dma store L1 %s -> %s, %d B%n", c.l1(), home(c.l2(), c.l3()), c.bytes()));
                } else {
                    sb.append(String.format(Locale.ROOT, "  %s(%s)%n", p.driver(), p.table()));
                }
            }
        }
        return sb.toString();
    }

    private static void call(StringBuilder sb, KernelCall c) {
        sb.append(String.format(Locale.ROOT, "  kernel %s %s: reads %s writes %s%n", c.function(), c.id(), String.join(", ", c.reads()), String.join(", ", c.writes())));
    }

    private static String home(String l2, String l3) { return l2 != null ? "L2 " + l2 : "L3 " + l3; }

    private static void tiledNode(StringBuilder sb, TileLoops.TiledNode tn) {
        StringBuilder dims = new StringBuilder();
        for (TileLoops.DimRow d : tn.dims()) {
            if (dims.length() > 0) dims.append(", ");
            dims.append(String.format(Locale.ROOT, "%d x %d of %d", d.count(), d.size(), d.extent()));
        }
        sb.append(String.format(Locale.ROOT, "  tiled %s: %d tiles over [%s], %d box(es)%n", tn.id(), tn.tiles(), dims, tn.boxes()));
        for (TileLoops.OperandRow o : tn.ops()) {
            String role = o.role() == 0 ? "in" : o.role() == 1 ? "out" : "scratch";
            String l1 = o.l1().isEmpty() ? "(shares operand " + o.region() + ")" : String.join(", ", o.l1());
            String dma = o.load() ? "dma load " + home(o.l2(), o.l3()) + " -> L1" : o.store() ? "dma store L1 -> " + home(o.l2(), o.l3()) : "no dma";
            sb.append(String.format(Locale.ROOT, "    %-7s %s: L1 %s x%d, %d B per tile; %s%n", role, o.name(), l1, o.nbuf(), o.l1Bytes(), dma));
        }
        for (KernelCall c : tn.kernelCalls()) sb.append(String.format(Locale.ROOT, "    kernel %s %s per tile%n", c.function(), c.id()));
    }

    /** The whole lowered program: buffers at their places, then the bodies' steps with their barriers. */
    static String program(LoweredProgram p) {
        NetworkModel m = p.model();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "lowered: %s for %s, %d core(s), %s%n", p.spec().modelName(), p.target().name(), m.cores(),
                m.training() ? "training step" : "forward pass"));
        sb.append(String.format(Locale.ROOT, "buffers: %d%n", m.placed().size()));
        for (BufferPlan.Buffer b : m.placed()) {
            sb.append(String.format(Locale.ROOT, "  %s %s %s+%d %d B %s[%d]%n", b.symbol(), b.role().name().toLowerCase(Locale.ROOT), b.level(), b.offset(), b.bytes(), b.ctype(), b.elements()));
        }
        if (m.training()) body(sb, "train", m.trainSteps(), m);
        body(sb, "infer", m.inferSteps(), m);
        return sb.toString();
    }

    private static void body(StringBuilder sb, String name, List<Step> steps, NetworkModel m) {
        long barriers = steps.stream().filter(Step::barrier).count();
        sb.append(String.format(Locale.ROOT, "%s body: %d steps, %d barriers%n", name, steps.stream().filter(s -> s.prof() < 0).count(), barriers));
        for (Step s : steps) {
            if (s.prof() >= 0) {
                sb.append(String.format(Locale.ROOT, "  -- %s%n", m.profNodes().get(s.prof()).name()));
                continue;
            }
            if (s.barrier()) sb.append("  barrier\n");
            sb.append(String.format(Locale.ROOT, "  %s(%s)%s%n", s.function(), s.args(), s.core0() ? " on core 0" : ""));
        }
    }
}
