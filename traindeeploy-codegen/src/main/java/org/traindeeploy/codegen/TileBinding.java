package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.List;

/**
 * How one kernel call of a tiled node follows the tile: the fields of its argument struct that
 * depend on the tile, each as a {@link BindOp} (td_bind_op in td_tiled.h) that td_tiled.c's one
 * binder applies for every tile. A kernel family (see {@link TileFamilies}) lists them with the
 * builder methods here, naming each field by its member designator in the C struct ({@code rows},
 * {@code g.pt}, {@code view.strides[1][0]}: the record component's name in snake_case, see
 * {@link KernelCall}); everything else of the struct is the constant argument struct calls/lib.ftl
 * renders. Every name a family uses, whether or not this tile needs its op, is checked against the
 * call's record by {@link #checked} (a typo fails the generator's tests, not the C compiler). See
 * docs/tiled-codegen.md, "The binder".
 */
final class TileBinding {
    /** What a field is set to (TD_BIND_&lt;kind&gt; in td_tiled.h). */
    enum Kind { PTR, ACC, E, S, LO, N, SEQ }

    /**
     * One tile-dependent field: {@code field} is its member designator in the argument struct
     * (for offsetof); base, mask, c, at as td_bind_op documents.
     */
    public record BindOp(String field, Kind kind, boolean add, int base, long mask, int c, int at) {
        public int addFlag() { return add ? 1 : 0; }
    }

    /** The ops of one call and its argument struct type: shared by content among the calls of the program. */
    public record BindList(String struct, List<BindOp> ops) {}

    private final TileLoops.Tile t;
    private final List<BindOp> ops = new ArrayList<>();
    private final List<Boolean> fixed = new ArrayList<>();
    /** Every field named, with what it must be: checked against the call's struct by {@link #checked}. */
    private final java.util.Map<String, ArgStructs.Leaf> named = new java.util.LinkedHashMap<>();
    private int seq;

    TileBinding(TileLoops.Tile t) { this.t = t; }

    /**
     * The ops, those that do not depend on the tile first (td_tile_call.nfixed of them: the binder
     * applies them once per node). A field set by several ops (a set and its adds) follows the tile
     * when any of them does.
     */
    List<BindOp> ops() {
        java.util.Set<String> varying = new java.util.HashSet<>();
        for (int i = 0; i < ops.size(); i++) if (!fixed.get(i)) varying.add(ops.get(i).field());
        List<BindOp> out = new ArrayList<>();
        for (BindOp o : ops) if (!varying.contains(o.field())) out.add(o);
        for (BindOp o : ops) if (varying.contains(o.field())) out.add(o);
        return out;
    }

    /** This binding, after checking that every field it names is a field of {@code call}'s struct of the right kind. */
    TileBinding checked(KernelCall call) {
        for (java.util.Map.Entry<String, ArgStructs.Leaf> e : named.entrySet()) {
            ArgStructs.Leaf got = ArgStructs.leaf(call.getClass(), e.getKey());
            if (got != e.getValue()) {
                throw new IllegalStateException("tile binding of " + call.structType() + ": '" + e.getKey() + "' is " + got.name().toLowerCase(java.util.Locale.ROOT)
                        + ", the binder sets it as " + e.getValue().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return this;
    }

    private void name(String field, ArgStructs.Leaf leaf) { named.put(field, leaf); }

    /** How many of {@link #ops()} do not depend on the tile. */
    int fixedCount() {
        java.util.Set<String> varying = new java.util.HashSet<>();
        for (int i = 0; i < ops.size(); i++) if (!fixed.get(i)) varying.add(ops.get(i).field());
        return (int) ops.stream().filter(o -> !varying.contains(o.field())).count();
    }

    private void add(BindOp op, boolean isFixed) {
        ops.add(op);
        fixed.add(isFixed);
    }

    /** Dim d has a single tile (its start is 0 and its extent the whole in every tile); −1 (absent) counts as such. */
    private boolean single(int d) { return d < 0 || t.tiling.count()[d] == 1; }

    /** Axis i of operand k's box is the same in every tile. */
    private boolean fixedAxis(int k, int i) {
        int d = t.contract.operands().get(k).axes().get(i).dim();
        return single(d);
    }

    /** The int32_t entries of the call's index arrays ({@link #seq}). */
    int seqLength() { return seq; }

    /** Pointer field = operand k's L1 copy in the tile; nothing when k is absent (−1) or its region has one copy (the constant struct has it). */
    TileBinding ptr(String field, int k) {
        name(field, ArgStructs.Leaf.POINTER);
        if (k >= 0 && t.copies(k) > 1) add(new BindOp(field, Kind.PTR, false, k, 0, 0, 0), false);
        return this;
    }

    /** The pointer fields of operands ks, in order. */
    TileBinding ptrs(String[] fields, int... ks) {
        for (int i = 0; i < fields.length; i++) ptr(fields[i], ks[i]);
        return this;
    }

    /** Field = 1 when output k adds to the earlier tiles of its group; nothing when it never does (the constant struct has 0). */
    TileBinding acc(String field, int k) {
        name(field, ArgStructs.Leaf.INT);
        if (t.period(k) != 1) add(new BindOp(field, Kind.ACC, false, k, 0, 0, 0), false);
        return this;
    }

    /** Field = c · the product of the extents of dims ds (a dim −1, absent from the contract, counts 1). */
    TileBinding scaled(String field, int c, int... ds) { return product(field, Kind.E, false, c, ds); }

    /** Field = the product of the extents of dims ds. */
    TileBinding ext(String field, int... ds) { return scaled(field, 1, ds); }

    /** Field = c. */
    TileBinding set(String field, int c) { return product(field, Kind.E, false, c); }

    /** Field += c · the start of dim d (nothing when d is −1: it starts at 0). */
    TileBinding addStart(String field, int c, int d) {
        name(field, ArgStructs.Leaf.INT);
        if (!single(d)) product(field, Kind.S, true, c, d);
        return this;
    }

    /** Field (+)= c · the product of the box lengths of operand k's axes. */
    TileBinding boxLen(String field, boolean add, int c, int k, int... axes) { return box(field, Kind.N, add, c, k, axes); }

    /** Field += c · the first index of axis i of operand k's box. */
    TileBinding addBoxStart(String field, int c, int k, int i) { return box(field, Kind.LO, true, c, k, i); }

    /** Pointer field = an index array of e[countDim] entries, entry j = j · c · the product of the extents of dims ds. */
    TileBinding seq(String field, int countDim, int c, int... ds) {
        name(field, ArgStructs.Leaf.INDEX);
        boolean f = single(countDim);
        for (int d : ds) f &= single(d);
        add(new BindOp(field, Kind.SEQ, false, countDim, mask(ds), c, seq), f);
        seq += t.size(countDim);
        return this;
    }

    private TileBinding box(String field, Kind kind, boolean add, int c, int k, int... axes) {
        boolean f = true;
        for (int i : axes) f &= fixedAxis(k, i);
        return op(field, kind, add, t.box(k), mask(axes), c, f);
    }

    private TileBinding product(String field, Kind kind, boolean add, int c, int... ds) {
        boolean f = true;
        for (int d : ds) f &= single(d);
        return op(field, kind, add, 0, mask(ds), c, f);
    }

    /** The op with its mask shifted to start at bit 0 (the binder's product then skips no leading bits). */
    private TileBinding op(String field, Kind kind, boolean add, int base, long mask, int c, boolean isFixed) {
        name(field, ArgStructs.Leaf.INT);
        int shift = mask == 0 ? 0 : Long.numberOfTrailingZeros(mask);
        add(new BindOp(field, kind, add, base + shift, mask >>> shift, c, 0), isFixed);
        return this;
    }

    private static long mask(int... is) {
        long m = 0;
        for (int i : is) {
            if (i < 0) continue;
            if (i >= 32) throw new IllegalStateException("a tile-dependent field over index " + i + " (td_bind_op has 32)");
            m |= 1L << i;
        }
        return m;
    }
}
