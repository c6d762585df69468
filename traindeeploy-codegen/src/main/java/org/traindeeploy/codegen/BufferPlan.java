package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.memory.MemoryPlan;

/**
 * Where each tensor of the step lives in C: at the offset the {@link org.traindeeploy.memory.MemoryPlanner}
 * chose in its level's arena ({@code td_l2}, {@code td_l3}, declared by the runtime with the
 * target's sizes). Values the planner put in one buffer (a Reshape view, an in-place result, a
 * state's next value written over it) share one C symbol, a macro for the address
 * {@code ((float *)(td_l2 + OFFSET))}. Constants keep their data in {@code network_data.bin} (symbols from network_data.S) and are
 * copied into their place by {@code network_init}, like non-zero initial states. Kernels that need
 * scratch memory share two static scratch arrays sized for the largest request. Nothing else
 * decides placement.
 */
public final class BufferPlan {
    /** What a buffer holds, which decides its symbol's prefix and how network_init fills it. */
    public enum Role {
        /** Compile-time data, copied from network_data.bin by network_init. */
        CONSTANT("c_"),
        /** Persistent across steps (parameters, optimizer state), initialised by network_init. */
        STATE("s_"),
        /** A step input, copied in before the cores start. */
        INPUT("in_"),
        /** Computed during the step. */
        ACTIVATION("t_");

        final String prefix;

        Role(String prefix) { this.prefix = prefix; }
    }

    /**
     * One planned buffer. {@code init} is the symbol of its initial values in network_data.bin (constants,
     * non-zero states), or null. {@code level} is "L2" or "L3" (or the host's single level, rendered as L2).
     */
    public record Buffer(String symbol, String ctype, int elements, Role role, Value value, String init, String level, long offset, long bytes) {
        /** Array length in C (a zero-size array is not C99). */
        public int length() { return Math.max(elements, 1); }

        public String comment() { return CNames.comment(value.name() + " " + value.type()); }

        public boolean inL3() { return "L3".equals(level); }

        /** The runtime's array of this buffer's level. */
        public String levelSymbol() { return "L1".equals(level) ? "td_l1" : inL3() ? "td_l3" : "td_l2"; }
    }

    static final String SCRATCH_FLOATS = "td_scratch_f";
    static final String SCRATCH_ACC = "td_scratch_acc";

    private final CNames names;
    private final MemoryPlan memory;
    private final Map<org.traindeeploy.memory.Buffer, Buffer> buffers = new LinkedHashMap<>();
    private final Map<String, Buffer> bySymbol = new LinkedHashMap<>();
    private int scratchFloats;
    private int scratchAcc;

    BufferPlan(CNames names, MemoryPlan memory) {
        this.names = names;
        this.memory = memory;
        names.reserve(SCRATCH_FLOATS);
        names.reserve(SCRATCH_ACC);
    }

    MemoryPlan memory() { return memory; }

    static String ctype(Value v) {
        DType d = v.type().dtype();
        if (d == DType.DOUBLE) throw new CompileException("tensor '" + v.name() + "' is float64; the C target runs float32 graphs");
        return d.cType();
    }

    /** The planned buffer of {@code v}. */
    org.traindeeploy.memory.Buffer planned(Value v) { return memory.liveness().bufferOf(v); }

    // ---- tile lowering: while a node is lowered for L1, its operands resolve to their L1 copies ----
    private Map<org.traindeeploy.memory.Buffer, Buffer> tile;
    private String tileScratchF;
    private String tileScratchA;
    private long tileF;
    private long tileA;

    /** Lower the next node against L1 copies of its operands and the given L1 scratch symbols. */
    void beginTile(Map<org.traindeeploy.memory.Buffer, Buffer> l1, String scratchF, String scratchA) {
        tile = l1;
        tileScratchF = scratchF;
        tileScratchA = scratchA;
        tileF = 0;
        tileA = 0;
    }

    /** End tile lowering; returns the scratch the node asked for: {floats, accumulators}. */
    long[] endTile() {
        tile = null;
        return new long[] {tileF, tileA};
    }

    /** The buffer holding {@code v} (idempotent). */
    Buffer place(Value v) {
        org.traindeeploy.memory.Buffer pb = memory.liveness().bufferOf(v);
        if (tile != null) {
            Buffer t = tile.get(pb);
            if (t == null) throw new CompileException("tensor '" + v.name() + "' has no L1 copy in this tile");
            return t;
        }
        if (pb == null) {
            // A value outside the planned graph (cannot happen for a scheduled program); fail loudly.
            throw new CompileException("tensor '" + v.name() + "' has no place in the memory plan");
        }
        Buffer b = buffers.get(pb);
        if (b != null) return b;
        Value root = pb.values().get(0);
        for (Value x : pb.values()) if (x.kind() == Value.Kind.STATE || x.kind() == Value.Kind.CONSTANT || x.kind() == Value.Kind.INPUT) root = x;
        Role role = switch (root.kind()) {
            case CONSTANT -> Role.CONSTANT;
            case STATE -> Role.STATE;
            case INPUT -> Role.INPUT;
            case NODE -> Role.ACTIVATION;
        };
        String symbol = names.fresh(role.prefix, root.name());
        String init = null;
        if (role == Role.CONSTANT) init = names.fresh("net_const_", root.name());
        if (role == Role.STATE && !isZero(root)) init = names.fresh("net_init_", root.name());
        String level = pb.level() == null ? "L2" : pb.level().equals("L3") ? "L3" : "L2";
        long offset = Math.max(pb.offset(), 0);
        int elemBytes = Math.max(1, root.type().dtype().bytes());
        b = new Buffer(symbol, ctype(root), (int) (pb.size() / elemBytes), role, root, init, level, offset, pb.size());
        buffers.put(pb, b);
        bySymbol.put(symbol, b);
        return b;
    }

    /** Whether {@code view} (a Reshape output) shares the storage of {@code of}; false: the caller copies. */
    boolean alias(Value view, Value of) { return place(view) == place(of); }

    /** The C expression of v's storage; "NULL" for an absent optional input. */
    String ref(Value v) {
        if (v == null) return "NULL";
        return place(v).symbol();
    }

    Role role(Value v) { return place(v).role(); }

    /** The planned buffer of a symbol, or null (scratch arrays, L1 tiles). */
    Buffer bySymbol(String symbol) { return bySymbol.get(symbol); }

    /** Ask for {@code n} floats of scratch; returns the scratch symbol. */
    String scratchFloats(long n) {
        if (n > Integer.MAX_VALUE / 4) throw new CompileException("a kernel needs " + n + " floats of scratch memory");
        if (tile != null) {
            tileF = Math.max(tileF, n);
            return tileScratchF;
        }
        scratchFloats = (int) Math.max(scratchFloats, n);
        return SCRATCH_FLOATS;
    }

    /** Ask for {@code n} accumulators of scratch; returns the scratch symbol. */
    String scratchAcc(long n) {
        if (n > Integer.MAX_VALUE / 8) throw new CompileException("a kernel needs " + n + " accumulators of scratch memory");
        if (tile != null) {
            tileA = Math.max(tileA, n);
            return tileScratchA;
        }
        scratchAcc = (int) Math.max(scratchAcc, n);
        return SCRATCH_ACC;
    }

    int scratchFloatCount() { return scratchFloats; }

    int scratchAccCount() { return scratchAcc; }

    List<Buffer> all() { return new ArrayList<>(buffers.values()); }

    List<Buffer> withRole(Role r) { return buffers.values().stream().filter(b -> b.role() == r).toList(); }

    /** Bytes of the main level (L2) the program uses: arena plus the static buffers kept there. */
    long mainBytes() { return memory.mainLevelBytes(); }

    long l3Bytes() { return memory.l3Bytes(); }

    private static boolean isZero(Value v) {
        if (v.data() == null) return true;
        for (int i = 0; i < v.data().size(); i++) {
            double d = v.data().getDouble(i);
            if (d != 0 || 1 / d < 0) return false;
        }
        return true;
    }
}
