package org.traindeeploy.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What an op needs to be correct when its work is split into tiles: the geometry. The {@link Tiler}
 * chooses tile sizes (the policy) and the code generator emits the loops, the DMA boxes and the
 * kernel arguments from the same contract and choice, so the bytes the report counts are the
 * bytes the generated code moves.
 *
 * <p>The work is a loop nest over {@code dims} (outermost first), each cut into tiles of a chosen
 * size. Every operand is its tensor viewed as a row-major array of {@code axes}; a tile of the work
 * touches a box of it: per axis, the range {@link Axis#lo}…{@link Axis#hi} of the tile's start
 * {@code s} and extent {@code e} along the axis's dim (or a fixed range). In L1 the box is stored
 * densely. An input is loaded again only when a dim at or outside its innermost used dim advances;
 * an output that does not use the innermost dims is an accumulator over them (the kernel adds every
 * tile after the first of its group) and is stored once per group.
 *
 * <p>A contract with no dims means "the op is not tiled": it runs as one tile and must fit L1 whole.
 *
 * @param dims the splittable dimensions of the work, outermost first
 * @param operands the node's inputs, outputs and kernel scratch, each with its box geometry
 */
public record TileContract(List<Dim> dims, List<Operand> operands) {
    public TileContract {
        dims = List.copyOf(dims);
        operands = List.copyOf(operands);
        for (Operand o : operands) {
            for (Axis a : o.axes()) {
                if (a.dim() >= dims.size()) throw new IllegalArgumentException(o.name() + ": axis bound to dim " + a.dim() + " of " + dims.size());
            }
            for (int d = 0; d < dims.size(); d++) {
                int uses = 0;
                for (Axis a : o.axes()) if (a.dim() == d) uses++;
                if (uses > 1) throw new IllegalArgumentException(o.name() + ": two axes bound to dim " + dims.get(d).name());
            }
        }
    }

    /** An untiled op: its inputs and outputs whole (flat), no dims. */
    public static TileContract whole(List<TensorType> in, List<TensorType> out) {
        List<Operand> ops = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) if (in.get(i) != null) ops.add(Operand.flat("in" + i, Role.IN, i, in.get(i)));
        for (int i = 0; i < out.size(); i++) ops.add(Operand.flat("out" + i, Role.OUT, i, out.get(i)));
        return new TileContract(List.of(), ops);
    }

    /** A splittable dimension of the work, of {@code extent} units. */
    public record Dim(String name, int extent) {}

    public enum Role { IN, OUT, SCRATCH }

    /**
     * One axis of an operand's view, of {@code size} elements. Bound to dim {@code dim} (≥ 0): the
     * tile with start s and extent e covers [coef·s + offset, coef·(s+e−1) + offset + window),
     * clipped to [0, size) (a window with halo: coef = stride, offset = −padding). Unbound
     * ({@code dim} = −1): the fixed range [offset, offset + window).
     */
    public record Axis(int size, int dim, int coef, int offset, int window) {
        public static Axis whole(int size) { return new Axis(size, -1, 0, 0, size); }

        public static Axis fixed(int size, int start, int length) { return new Axis(size, -1, 0, start, length); }

        public static Axis tiled(int size, int dim) { return new Axis(size, dim, 1, 0, 1); }

        public static Axis strided(int size, int dim, int coef, int offset, int window) { return new Axis(size, dim, coef, offset, window); }

        public long lo(long s) { return dim < 0 ? offset : clamp((long) coef * s + offset); }

        public long hi(long s, long e) { return dim < 0 ? (long) offset + window : clamp((long) coef * (s + e - 1) + offset + window); }

        /** The longest range any tile of size t can cover. */
        public long maxLength(int t) { return dim < 0 ? window : Math.min(size, (long) coef * (t - 1) + window); }

        private long clamp(long v) { return Math.max(0, Math.min(size, v)); }

        /** Whether every tile covers the whole axis (for tiles of size t over a dim of the given extent). */
        public boolean full(int t, int extent) {
            if (size <= 1) return true;
            if (dim < 0) return offset == 0 && window == size;
            return t >= extent && lo(0) == 0 && hi(0, extent) == size;
        }
    }

    /**
     * An operand: input or output {@code index} of the node (or kernel scratch in L1 that no DMA
     * touches), elements of {@code elemBytes}, viewed as {@code axes}.
     */
    public record Operand(String name, Role role, int index, int elemBytes, List<Axis> axes) {
        public Operand {
            axes = List.copyOf(axes);
        }

        public static Operand of(String name, Role role, int index, int elemBytes, Axis... axes) {
            return new Operand(name, role, index, elemBytes, Arrays.asList(axes));
        }

        /** The whole tensor as one flat axis. */
        public static Operand flat(String name, Role role, int index, TensorType t) {
            return of(name, role, index, t.dtype().bytes(), Axis.whole(Math.max(1, t.size())));
        }

        public boolean uses(int dim) {
            for (Axis a : axes) if (a.dim() == dim) return true;
            return false;
        }

        /** The innermost dim this operand's box depends on, or −1. */
        public int lastDim() {
            int last = -1;
            for (Axis a : axes) last = Math.max(last, a.dim());
            return last;
        }

        /** Bytes of the largest box (the L1 buffer) for tile sizes t. */
        public long maxBytes(int[] t) {
            long b = elemBytes;
            for (Axis a : axes) b *= Math.max(0, a.dim() < 0 ? a.window() : a.maxLength(t[a.dim()]));
            return b;
        }

        /** Elements in the whole tensor view. */
        public long elements() {
            long e = 1;
            for (Axis a : axes) e *= a.size();
            return e;
        }

        /** Row-major stride of axis i, elements. */
        public long stride(int i) {
            long s = 1;
            for (int k = i + 1; k < axes.size(); k++) s *= axes.get(k).size();
            return s;
        }

        /**
         * The box as at most one 2-D copy for tile sizes t: {@code rowsAxes} (outer group, may be
         * empty) and {@code runAxes} (contiguous rows), or null when the box needs more than two
         * strided levels. Axes that are whole after a partial one merge into its group; groups whose
         * every axis has length 1 only shift the base.
         */
        public Layout layout(int[] t, List<Dim> dims) {
            int r = axes.size();
            List<int[]> groups = new ArrayList<>();
            int i = r - 1;
            while (i >= 0) {
                int j = i;
                // extend the group outward while the axis inside it is full
                while (j > 0 && full(j, t, dims)) j--;
                groups.add(0, new int[] {j, i});
                i = j - 1;
            }
            List<int[]> live = new ArrayList<>();
            for (int[] g : groups) {
                boolean one = true;
                for (int k = g[0]; k <= g[1]; k++) if (len1(k, t) > 1) one = false;
                if (!one) live.add(g);
            }
            if (live.isEmpty()) return new Layout(null, new int[] {r - 1, r - 1}, true);
            int[] inner = live.get(live.size() - 1);
            boolean unit = stride(inner[1]) == 1;
            if (unit) {
                if (live.size() > 2) return null;
                return new Layout(live.size() == 2 ? live.get(0) : null, inner, true);
            }
            if (live.size() > 1) return null;
            return new Layout(inner, null, false);
        }

        private long len1(int k, int[] t) {
            Axis a = axes.get(k);
            return a.dim() < 0 ? a.window() : a.maxLength(t[a.dim()]);
        }

        private boolean full(int k, int[] t, List<Dim> dims) {
            Axis a = axes.get(k);
            return a.full(a.dim() < 0 ? 0 : t[a.dim()], a.dim() < 0 ? 0 : dims.get(a.dim()).extent());
        }
    }

    /**
     * A box as one copy: {@code rows} spans axes [rows[0], rows[1]] (null: one row), {@code run}
     * the axes [run[0], run[1]] copied as contiguous bytes; when {@code contiguousRun} is false the
     * run is null and every element of the rows group is its own row.
     */
    public record Layout(int[] rows, int[] run, boolean contiguousRun) {}
}
