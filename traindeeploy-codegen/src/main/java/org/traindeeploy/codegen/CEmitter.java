package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.traindeeploy.codegen.BufferPlan.Buffer;
import org.traindeeploy.codegen.NetworkModel.DataArray;
import org.traindeeploy.codegen.NetworkModel.Step;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.Value;
import org.traindeeploy.memory.ByteRanges;
import org.traindeeploy.memory.MemoryPlan;
import org.traindeeploy.target.Target;

/**
 * Lowers a program to kernel calls and renders the network sources: {@code network.h} (the API:
 * init, train step, inference, trained tensors), {@code network.c} (buffers, argument structs,
 * the step bodies run on every core with barriers between dependent kernels), and
 * {@code network_data.h/.S/.bin} (constants and initial states as bytes: {@code network_data.bin}
 * holds them, the assembler stub {@code network_data.S} gives each array its symbol). The runtime and
 * kernel sources are added by the target ({@link TargetFolder}).
 *
 * <p>The back half's last two passes live here ({@link BackHalf}): {@link #tile} places the input
 * and lowers every scheduled node ({@link OpLowering}, or {@link TiledLowering} on an L1 target);
 * {@link #lower} orders the training body (all nodes, then the state updates) and the inference
 * body (the nodes the output needs), places barriers and collects the {@link NetworkModel};
 * {@link #render} renders it. Output depends only on the program: same program, same bytes.
 */
public final class CEmitter {
    /** Kernel sources every program compiles (the runtime is per target). */
    static final List<String> KERNEL_SOURCES = List.of("conv.c", "elementwise.c", "linear.c", "loss.c", "movement.c", "norm.c",
            "optimizer.c", "pool.c", "reduce.c", "softmax.c");
    static final List<String> KERNEL_HEADERS = List.of("td_kernels.h", "td_math.h", "td_nd.h", "td_gemm.h");
    /** The tile driver and its header (kernels/), compiled for targets with an L1 scratchpad. */
    static final String TILE_DRIVER_SOURCE = "td_tiled.c";
    static final String TILE_DRIVER_HEADER = "td_tiled.h";

    /** Alignment of every array in network_data.bin and in its section (enough for any element type and for DMA). */
    static final int DATA_ALIGNMENT = 16;

    private CEmitter() {}

    /** The network sources by relative path, in a fixed order. */
    public static Map<String, String> emit(EmitSpec spec, int cores) { return render(lower(spec, cores)); }

    /** Lower for the host target, keeping the trained tensors' gradients readable after the step. */
    static NetworkModel lower(EmitSpec spec, int cores) { return lower(spec, cores, Target.load("host"), true); }

    /** Run the back half ({@link BackHalf}: schedule, plan, tile, lower) and return the program the templates render. */
    static NetworkModel lower(EmitSpec spec, int cores, Target target, boolean keepGradients) {
        return BackHalf.lower(spec, cores, target, keepGradients).model();
    }

    /** Render the network sources of a lowered program. */
    static Map<String, String> render(NetworkModel m) {
        Map<String, String> files = renderBesideSource(m);
        files.put(SOURCE, renderSource(m));
        return files;
    }

    /** The network's C source, the largest file by far (the folder renders it beside the others, {@link TargetFolder}). */
    static final String SOURCE = "network.c";

    static String renderSource(NetworkModel m) { return Templates.render("network.c.ftl", m); }

    /** The network's header and data files. */
    static Map<String, String> renderBesideSource(NetworkModel m) {
        Map<String, String> files = new TreeMap<>();
        files.put("network.h", Templates.render("network.h.ftl", m));
        files.put("network_data.h", Templates.render("network_data.h.ftl", m));
        files.put("network_data.S", Templates.render("network_data.S.ftl", m));
        return files;
    }

    /** The bytes of network_data.bin: every data array at its offset, zeros between them. */
    static byte[] dataBlob(NetworkModel m) {
        long end = 0;
        for (DataArray d : m.data()) end = Math.max(end, d.offset() + d.size());
        if (end > Integer.MAX_VALUE - 8) throw new CompileException("the constants and initial states need " + end + " bytes, more than one data file can hold");
        byte[] blob = new byte[(int) end];
        for (DataArray d : m.data()) System.arraycopy(d.content(), 0, blob, (int) d.offset(), d.size());
        return blob;
    }

    /**
     * The tile pass's record: every scheduled node lowered, in order, to whole-node kernel calls (a
     * target without L1) or to its tile table, whole-node copies and DMA (a target with L1), with the
     * C names and buffer places they use (the lower pass continues from these).
     */
    public static final class Tiles {
        final CNames names;
        final BufferPlan buffers;
        final TiledLowering tiled;
        final Map<Node, List<KernelCall>> calls;
        final Map<Node, List<Planned>> planned;

        Tiles(CNames names, BufferPlan buffers, TiledLowering tiled, Map<Node, List<KernelCall>> calls, Map<Node, List<Planned>> planned) {
            this.names = names;
            this.buffers = buffers;
            this.tiled = tiled;
            this.calls = calls;
            this.planned = planned;
        }

        /** Whether the nodes run on L1 tiles moved by DMA (the target has an L1 level). */
        public boolean onL1() { return tiled != null; }

        /** Stable text: per node its kernel calls, or its tile loop (dims, operands and their DMA) and its whole-node copies. */
        public String text() { return LoweredText.tiles(this); }
    }

    /** Place the step's input and labels and lower every scheduled node (the tile pass). */
    static Tiles tile(EmitSpec spec, Target target, MemoryPlan memory) {
        CNames names = new CNames();
        BufferPlan plan = new BufferPlan(names, memory);
        DType inType = spec.input().type().dtype();
        if (inType != DType.FLOAT && inType != DType.INT64) throw new CompileException("input '" + spec.input().name() + "' must be float32 or int64 (token ids), is " + spec.input().type());
        if (spec.output().type().dtype() != DType.FLOAT) throw new CompileException("output '" + spec.output().name() + "' must be float32, is " + spec.output().type());
        plan.place(spec.input());
        if (spec.labels() != null) plan.place(spec.labels());

        Map<Node, List<KernelCall>> lowered = new LinkedHashMap<>();
        Map<Node, List<Planned>> tiled = new LinkedHashMap<>();
        TiledLowering tiles = target.hasLevel("L1") ? new TiledLowering(plan, names, target) : null;
        for (Node n : spec.graph().nodes()) {
            if (tiles == null) {
                lowered.put(n, OpLowering.lower(n, plan, names));
            } else {
                List<Planned> seq = tiles.lower(n);
                tiled.put(n, seq);
                List<KernelCall> cs = new ArrayList<>();
                for (Planned p : seq) {
                    if (p.call() != null) cs.add(p.call());
                    cs.addAll(p.uses());
                }
                lowered.put(n, cs);
            }
        }
        return new Tiles(names, plan, tiles, lowered, tiled);
    }

    /** Order the bodies, place barriers and collect what the templates render (the lower pass). */
    static NetworkModel lower(EmitSpec spec, int cores, Target target, Tiles nodes, boolean keepGradients) {
        CNames names = nodes.names;
        BufferPlan plan = nodes.buffers;
        TiledLowering tiles = nodes.tiled;
        Map<Node, List<KernelCall>> lowered = nodes.calls;
        Map<Node, List<Planned>> tiled = nodes.planned;
        List<KernelCall> calls = new ArrayList<>();
        lowered.values().forEach(calls::addAll);

        // The profile's nodes: every scheduled node in order, then the state updates (TD_PROF_NODE marks where each starts).
        List<NetworkModel.ProfNode> profNodes = new ArrayList<>();
        Map<Node, Integer> nodeIndex = new LinkedHashMap<>();
        for (Map.Entry<Node, List<KernelCall>> e : lowered.entrySet()) {
            nodeIndex.put(e.getKey(), profNodes.size());
            List<String> kernels = new ArrayList<>();
            for (KernelCall c : e.getValue()) if (!kernels.contains(c.function())) kernels.add(c.function());
            profNodes.add(new NetworkModel.ProfNode(e.getKey().name(), e.getKey().op().opType(), String.join("+", kernels)));
        }
        List<Step> train = List.of();
        List<NetworkModel.Trained> trained = new ArrayList<>();
        if (spec.training()) {
            List<Planned> seq = new ArrayList<>();
            for (Map.Entry<Node, List<KernelCall>> e : lowered.entrySet()) {
                seq.add(profileMarker(nodeIndex.get(e.getKey())));
                if (tiles != null) seq.addAll(tiled.get(e.getKey()));
                else addNode(seq, e.getKey(), e.getValue());
            }
            boolean first = true;
            for (Map.Entry<Value, Value> u : spec.graph().stateUpdates().entrySet()) {
                String dst = plan.ref(u.getKey());
                String src = plan.ref(u.getValue());
                if (dst.equals(src)) continue;
                if (plan.role(u.getValue()) == BufferPlan.Role.STATE) {
                    throw new CompileException("state '" + u.getKey().name() + "' takes the value of state '" + u.getValue().name() + "': not supported by the C target");
                }
                if (first) {
                    seq.add(profileMarker(profNodes.size()));
                    profNodes.add(new NetworkModel.ProfNode("state updates", "Copy", tiles != null ? "dma" : "td_copy"));
                }
                if (tiles != null) {
                    seq.addAll(tiles.stateCopy(plan.place(u.getKey()), plan.place(u.getValue()), first ? "state updates" : null));
                    first = false;
                    continue;
                }
                KernelCall.Copy c = KernelCall.Copy.contiguous(names.fresh("k_", "update " + u.getKey().name()), dst, src,
                        u.getKey().type().dtype().bytes(), new int[] {u.getKey().type().size()});
                calls.add(c);
                seq.add(new Planned(c, first ? "state updates" : null));
                first = false;
            }
            train = barriers(seq, plan);
            for (int i = 0; i < spec.trained().size(); i++) {
                EmitSpec.Trained t = spec.trained().get(i);
                trained.add(new NetworkModel.Trained(i, plan.ref(t.state()), keepGradients ? plan.ref(t.grad()) : "NULL", t.state().type().size(),
                        CNames.comment(t.key() + " " + t.state().type()), plan.place(t.state()).inL3(), keepGradients && plan.place(t.grad()).inL3()));
            }
        }
        Set<Node> cone = cone(spec.output());
        List<Planned> inferSeq = new ArrayList<>();
        for (Map.Entry<Node, List<KernelCall>> e : lowered.entrySet()) {
            if (!cone.contains(e.getKey())) continue;
            inferSeq.add(profileMarker(nodeIndex.get(e.getKey())));
            if (tiles != null) inferSeq.addAll(tiled.get(e.getKey()));
            else addNode(inferSeq, e.getKey(), e.getValue());
        }
        List<Step> infer = barriers(inferSeq, plan);

        Buffer output = plan.place(spec.output());
        // Declare only what a body uses: C warns (and -Werror fails) on unused static objects.
        Set<String> usedCalls = new HashSet<>();
        train.forEach(s -> {
            usedCalls.add(s.args());
            usedCalls.addAll(s.uses());
        });
        infer.forEach(s -> {
            usedCalls.add(s.args());
            usedCalls.addAll(s.uses());
        });
        usedCalls.remove(null);
        calls.removeIf(c -> !usedCalls.contains(c.id()));
        Set<String> usedBuffers = new HashSet<>();
        for (KernelCall c : calls) {
            usedBuffers.addAll(c.reads());
            usedBuffers.addAll(c.writes());
        }
        usedBuffers.add(output.symbol());
        trained.forEach(t -> {
            usedBuffers.add(t.param());
            usedBuffers.add(t.grad());
        });
        if (tiles != null) usedBuffers.addAll(tiles.homes());
        usedBuffers.add(plan.ref(spec.input()));
        if (spec.labels() != null) usedBuffers.add(plan.ref(spec.labels()));
        Buffer loss = spec.loss() == null ? null : plan.place(spec.loss());
        Buffer labels = spec.labels() == null ? null : plan.place(spec.labels());
        List<DataArray> data = new ArrayList<>();
        if (loss != null) usedBuffers.add(loss.symbol());
        List<Buffer> constants = used(plan.withRole(BufferPlan.Role.CONSTANT), usedBuffers);
        List<Buffer> states = spec.training() ? plan.withRole(BufferPlan.Role.STATE) : used(plan.withRole(BufferPlan.Role.STATE), usedBuffers);
        long dataOffset = 0;
        for (Buffer b : constants) dataOffset = addArray(data, dataOffset, b.init(), b, b.value().data());
        for (Buffer b : states) if (b.init() != null) dataOffset = addArray(data, dataOffset, b.init(), b, b.value().data());
        boolean scratchF = usedBuffers.contains(BufferPlan.SCRATCH_FLOATS);
        boolean scratchA = usedBuffers.contains(BufferPlan.SCRATCH_ACC);
        List<Buffer> placed = used(plan.all(), usedBuffers);
        if (spec.training()) {
            List<Buffer> withStates = new ArrayList<>(placed);
            java.util.Set<Buffer> have = new java.util.HashSet<>(withStates); // not List.contains: states x buffers is quadratic
            for (Buffer b : states) if (have.add(b)) withStates.add(b);
            placed = withStates;
        }
        NetworkModel.Memory mem = NetworkModel.Memory.of(target, plan);
        NetworkModel.Tables tables = NetworkModel.Tables.NONE;
        List<String> sources = KERNEL_SOURCES;
        if (tiles != null) {
            // Only the tables a body runs (C warns on unused static objects).
            Set<String> usedTables = new HashSet<>();
            train.forEach(s -> usedTables.add(s.args()));
            infer.forEach(s -> usedTables.add(s.args()));
            List<TileLoops.TiledNode> tn = tiles.tiledNodes().stream().filter(t -> usedTables.contains(t.id())).toList();
            int dims = 1, ops = 1, boxes = 1;
            for (TileLoops.TiledNode t : tn) {
                dims = Math.max(dims, t.dims().size());
                ops = Math.max(ops, t.ops().size());
                boxes = Math.max(boxes, t.boxes());
            }
            // The shared arrays the used tables name, in first-use order.
            Set<String> refs = new HashSet<>();
            for (TileLoops.TiledNode t : tn) {
                refs.add(t.dimsRef());
                t.ops().forEach(o -> refs.add(o.axesRef()));
                t.calls().forEach(c -> refs.add(c.paramsRef()));
            }
            TileLoops.Shared sh = tiles.shared();
            tables = new NetworkModel.Tables(tn, tiles.wholeNodes().stream().filter(w -> usedTables.contains(w.id())).toList(),
                    tiles.stateCopies().stream().filter(c -> usedTables.contains(c.id())).toList(), named(sh.dims, refs), named(sh.axes, refs),
                    named(sh.params, refs), dims, ops, boxes);
            sources = new ArrayList<>(KERNEL_SOURCES);
            sources.add(TILE_DRIVER_SOURCE);
        }
        return new NetworkModel(CNames.comment(spec.modelName()), cores, spec.training(), plan.place(spec.input()), labels, output, loss,
                constants, states, placed, mem, tiles == null ? List.of() : tiles.macros(),
                scratchF ? plan.scratchFloatCount() : 0, scratchA ? plan.scratchAccCount() : 0, calls, train, infer, trained, data, sources, profNodes, tables);
    }

    private static <T> List<TileLoops.Named<T>> named(Map<T, String> shared, Set<String> used) {
        List<TileLoops.Named<T>> out = new ArrayList<>();
        shared.forEach((rows, name) -> {
            if (used.contains(name)) out.add(new TileLoops.Named<>(name, rows));
        });
        return out;
    }

    private static List<Buffer> used(List<Buffer> all, Set<String> used) {
        return all.stream().filter(b -> used.contains(b.symbol())).toList();
    }

    /**
     * A kernel call and the comment naming its node (on the node's first call only), preceded by a
     * barrier when {@code barrier}; or a driver of td_tiled.h run on a table ({@code driver},
     * {@code table}: a tiled node's loop on every core, or core 0's copies of a node run whole or
     * of a state update), always after a barrier; {@code uses}: the kernel calls the table names;
     * or, with {@code prof} ≥ 0, the profile's marker where scheduled node {@code prof} starts.
     */
    record Planned(KernelCall call, String comment, String driver, String table, boolean barrier, boolean allCores, List<KernelCall> uses, int prof) {
        Planned(KernelCall call, String comment) { this(call, comment, false); }

        Planned(KernelCall call, String comment, boolean barrier) { this(call, comment, null, null, barrier, true, List.of(), -1); }

        static Planned driver(String driver, String table, String comment, boolean allCores, List<KernelCall> uses) {
            return new Planned(null, comment, driver, table, true, allCores, uses, -1);
        }
    }

    /** Where scheduled node {@code k} starts: the profiling build counts each node's instructions (a no-op otherwise). */
    private static Planned profileMarker(int k) {
        return new Planned(null, null, null, null, false, true, List.of(), k);
    }

    private static void addNode(List<Planned> seq, Node n, List<KernelCall> calls) {
        for (int i = 0; i < calls.size(); i++) {
            seq.add(new Planned(calls.get(i), i == 0 ? CNames.comment(n.name() + " (" + n.op().opType() + ")") : null));
        }
    }

    /**
     * A barrier goes before a call that reads or writes a buffer written since the last barrier,
     * or writes one read since then (every core must be past the earlier kernel).
     */
    static List<Step> barriers(List<Planned> seq, BufferPlan plan) {
        ByteRanges written = new ByteRanges();
        ByteRanges read = new ByteRanges();
        List<Step> out = new ArrayList<>();
        Map<String, long[]> unplanned = new LinkedHashMap<>();
        java.util.function.Function<String, long[]> range = sym -> {
            Buffer b = plan.bySymbol(sym);
            if (b != null) {
                long base = b.inL3() ? 1L << 40 : 0;
                return new long[] {base + b.offset(), base + b.offset() + Math.max(b.bytes(), 1)};
            }
            // Scratch arrays and other symbols: a range of their own, disjoint from every level.
            return unplanned.computeIfAbsent(sym, k -> new long[] {(2L + unplanned.size()) << 40, ((2L + unplanned.size()) << 40) + 1});
        };
        for (Planned p : seq) {
            if (p.prof() >= 0) {
                out.add(new Step(null, null, false, null, false, List.of(), p.prof()));
                continue;
            }
            if (p.driver() != null) {
                if (p.barrier()) {
                    written.clear();
                    read.clear();
                }
                out.add(new Step(p.driver(), p.table(), p.barrier(), p.comment(), !p.allCores(), p.uses().stream().map(KernelCall::id).toList(), -1));
                continue;
            }
            KernelCall c = p.call();
            List<long[]> r = c.reads().stream().map(range).toList();
            List<long[]> w = c.writes().stream().map(range).toList();
            boolean barrier = p.barrier() || written.overlapsAny(r) || written.overlapsAny(w) || read.overlapsAny(w);
            if (barrier) {
                written.clear();
                read.clear();
            }
            written.addAll(w);
            read.addAll(r);
            out.add(new Step(c.function(), c.id(), barrier, p.comment(), false, List.of(), -1));
        }
        return out;
    }

    /** The nodes {@code v} depends on. */
    private static Set<Node> cone(Value v) {
        Set<Node> seen = new HashSet<>();
        List<Value> work = new ArrayList<>(List.of(v));
        while (!work.isEmpty()) {
            Value x = work.remove(work.size() - 1);
            Node n = x == null ? null : x.producer();
            if (n == null || !seen.add(n)) continue;
            work.addAll(n.inputs());
        }
        return seen;
    }

    /** Append the array of {@code t} at the next aligned offset of the data blob; returns the offset after it. */
    private static long addArray(List<DataArray> data, long offset, String symbol, Buffer b, Tensor t) {
        long at = (offset + DATA_ALIGNMENT - 1) / DATA_ALIGNMENT * DATA_ALIGNMENT;
        byte[] bytes = littleEndian(t, b.length());
        data.add(new DataArray(symbol, b.ctype(), b.length(), at, bytes.length, bytes, b.comment()));
        return at + bytes.length;
    }

    /**
     * The elements of {@code t} as the target stores them: raw little-endian float32, float64,
     * int64, int32 or bool bytes (NaN and -0 included), padded with zeros to {@code length} elements.
     */
    static byte[] littleEndian(Tensor t, int length) {
        DType d = t.dtype();
        int width = switch (d) {
            case FLOAT, INT32 -> 4;
            case DOUBLE, INT64 -> 8;
            case BOOL -> 1;
        };
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(Math.multiplyExact(width, Math.max(length, t.size()))).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < t.size(); i++) {
            switch (d) {
                case FLOAT -> buf.putFloat((float) t.getDouble(i));
                case DOUBLE -> buf.putDouble(t.getDouble(i));
                case INT64 -> buf.putLong(t.getLong(i));
                case INT32 -> buf.putInt((int) t.getLong(i));
                case BOOL -> buf.put((byte) (t.getLong(i) != 0 ? 1 : 0));
            }
        }
        return buf.array();
    }
}
