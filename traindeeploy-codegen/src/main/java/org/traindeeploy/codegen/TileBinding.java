package org.traindeeploy.codegen;

import java.util.ArrayList;
import java.util.List;

/**
 * How one kernel call of a tiled node follows the tile: the fields of its argument struct that
 * depend on the tile, each as a {@link BindOp} (td_bind_op in td_tiled.h) that td_tiled.c's one
 * binder applies for every tile. A kernel family (see {@link TileFamilies}) lists them with the
 * builder methods here, naming each field as the C struct does; everything else of the struct is the
 * constant argument struct its calls/ template renders. See docs/tiled-codegen.md, "The binder".
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
    private int seq;

    TileBinding(TileLoops.Tile t) { this.t = t; }

    List<BindOp> ops() { return ops; }

    /** The int32_t entries of the call's index arrays ({@link #seq}). */
    int seqLength() { return seq; }

    /** Pointer field = operand k's L1 copy in the tile; nothing when k is absent (−1) or its region has one copy (the constant struct has it). */
    TileBinding ptr(String field, int k) {
        if (k >= 0 && t.copies(k) > 1) ops.add(new BindOp(field, Kind.PTR, false, k, 0, 0, 0));
        return this;
    }

    /** The pointer fields of operands ks, in order. */
    TileBinding ptrs(String[] fields, int... ks) {
        for (int i = 0; i < fields.length; i++) ptr(fields[i], ks[i]);
        return this;
    }

    /** Field = 1 when output k adds to the earlier tiles of its group; nothing when it never does (the constant struct has 0). */
    TileBinding acc(String field, int k) {
        if (t.period(k) != 1) ops.add(new BindOp(field, Kind.ACC, false, k, 0, 0, 0));
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
        if (d >= 0) product(field, Kind.S, true, c, d);
        return this;
    }

    /** Field (+)= c · the product of the box lengths of operand k's axes. */
    TileBinding boxLen(String field, boolean add, int c, int k, int... axes) { return box(field, Kind.N, add, c, k, axes); }

    /** Field += c · the first index of axis i of operand k's box. */
    TileBinding addBoxStart(String field, int c, int k, int i) { return box(field, Kind.LO, true, c, k, i); }

    /** Pointer field = an index array of e[countDim] entries, entry j = j · c · the product of the extents of dims ds. */
    TileBinding seq(String field, int countDim, int c, int... ds) {
        ops.add(new BindOp(field, Kind.SEQ, false, countDim, mask(ds), c, seq));
        seq += t.size(countDim);
        return this;
    }

    private TileBinding box(String field, Kind kind, boolean add, int c, int k, int... axes) {
        ops.add(new BindOp(field, kind, add, t.box(k), mask(axes), c, 0));
        return this;
    }

    private TileBinding product(String field, Kind kind, boolean add, int c, int... ds) {
        ops.add(new BindOp(field, kind, add, 0, mask(ds), c, 0));
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
