package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Value;

/**
 * Where each tensor of the step lives in C. For now every tensor gets its own static array
 * (constants and initial states in {@code network_data.c}, the rest in {@code network.c}), a
 * Reshape output shares its input's array, and kernels that need scratch memory share two
 * static scratch arrays sized for the largest request. The memory planner (a later pass)
 * replaces this class with offsets into per-level arenas; nothing else decides placement.
 */
public final class BufferPlan {
    /** What a buffer holds, which decides its storage class and its symbol's prefix. */
    public enum Role {
        /** Compile-time data, {@code const} in network_data.c. */
        CONSTANT("net_const_"),
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
     * One C array. {@code init} is the symbol of a state's initial values in network_data.c,
     * or null when the state starts at zero.
     */
    public record Buffer(String symbol, String ctype, int elements, Role role, Value value, String init) {
        /** Array length in C (a zero-size array is not C99). */
        public int length() { return Math.max(elements, 1); }

        public String comment() { return CNames.comment(value.name() + " " + value.type()); }
    }

    static final String SCRATCH_FLOATS = "td_scratch_f";
    static final String SCRATCH_ACC = "td_scratch_acc";

    private final CNames names;
    private final Map<Value, Buffer> buffers = new LinkedHashMap<>();
    private final Map<Value, Value> aliases = new LinkedHashMap<>();
    private int scratchFloats;
    private int scratchAcc;

    BufferPlan(CNames names) {
        this.names = names;
        names.reserve(SCRATCH_FLOATS);
        names.reserve(SCRATCH_ACC);
    }

    static String ctype(Value v) {
        DType d = v.type().dtype();
        if (d == DType.DOUBLE) throw new CompileException("tensor '" + v.name() + "' is float64; the C target runs float32 graphs");
        return d.cType();
    }

    /** Give {@code v} its own array (idempotent). */
    Buffer place(Value v) {
        Value root = aliases.getOrDefault(v, v);
        Buffer b = buffers.get(root);
        if (b != null) return b;
        Role role = switch (v.kind()) {
            case CONSTANT -> Role.CONSTANT;
            case STATE -> Role.STATE;
            case INPUT -> Role.INPUT;
            case NODE -> Role.ACTIVATION;
        };
        String symbol = names.fresh(role.prefix, v.name());
        String init = null;
        if (role == Role.STATE && !isZero(v)) init = names.fresh("net_init_", v.name());
        b = new Buffer(symbol, ctype(v), v.type().size(), role, v, init);
        buffers.put(root, b);
        return b;
    }

    /**
     * Let {@code view} (a Reshape output) share the array of {@code of}; false when {@code view}
     * already has an array of its own (then the caller copies).
     */
    boolean alias(Value view, Value of) {
        if (buffers.containsKey(view) || aliases.containsKey(view)) return false;
        Value root = aliases.getOrDefault(of, of);
        place(root);
        aliases.put(view, root);
        return true;
    }

    /** The C expression of v's array; "NULL" for an absent optional input. */
    String ref(Value v) {
        if (v == null) return "NULL";
        return place(v).symbol();
    }

    Role role(Value v) { return place(v).role(); }

    /** Ask for {@code n} floats of scratch; returns the scratch symbol. */
    String scratchFloats(long n) {
        if (n > Integer.MAX_VALUE / 4) throw new CompileException("a kernel needs " + n + " floats of scratch memory");
        scratchFloats = (int) Math.max(scratchFloats, n);
        return SCRATCH_FLOATS;
    }

    /** Ask for {@code n} accumulators of scratch; returns the scratch symbol. */
    String scratchAcc(long n) {
        if (n > Integer.MAX_VALUE / 8) throw new CompileException("a kernel needs " + n + " accumulators of scratch memory");
        scratchAcc = (int) Math.max(scratchAcc, n);
        return SCRATCH_ACC;
    }

    int scratchFloatCount() { return scratchFloats; }

    int scratchAccCount() { return scratchAcc; }

    List<Buffer> all() { return new ArrayList<>(buffers.values()); }

    List<Buffer> withRole(Role r) { return buffers.values().stream().filter(b -> b.role() == r).toList(); }

    private static boolean isZero(Value v) {
        if (v.data() == null) return true;
        for (int i = 0; i < v.data().size(); i++) {
            double d = v.data().getDouble(i);
            if (d != 0 || 1 / d < 0) return false;
        }
        return true;
    }
}
