package org.traindeeploy.memory;

import java.util.List;
import org.traindeeploy.ir.Value;

/**
 * Storage shared by one or more values (a value and the in-place results or views written over it),
 * live over schedule steps [start, end] inclusive. Static buffers (constants, state) live for the
 * whole program. {@code offset} and {@code level} are set by the planner.
 */
public final class Buffer {
    private final int id;
    private final List<Value> values;
    private final long size;
    private final int start;
    private final int end;
    private final boolean isStatic;
    private String level;
    private long offset = -1;

    Buffer(int id, List<Value> values, long size, int start, int end, boolean isStatic) {
        this.id = id;
        this.values = List.copyOf(values);
        this.size = size;
        this.start = start;
        this.end = end;
        this.isStatic = isStatic;
    }

    public int id() { return id; }

    /** The values stored here; the first one defines the buffer. */
    public List<Value> values() { return values; }

    public long size() { return size; }

    public int start() { return start; }

    public int end() { return end; }

    public boolean isStatic() { return isStatic; }

    public String level() { return level; }

    public long offset() { return offset; }

    void place(String lvl, long off) {
        this.level = lvl;
        this.offset = off;
    }

    /** Whether the two lifetimes share a step. */
    public boolean overlapsInTime(Buffer o) { return start <= o.end && o.start <= end; }

    /** Whether the two placements share a byte (same level). */
    public boolean overlapsInSpace(Buffer o) {
        return level != null && level.equals(o.level) && offset < o.offset + o.size && o.offset < offset + size;
    }

    @Override
    public String toString() { return "buf" + id + "[" + values.get(0).name() + ", " + size + " B, " + start + ".." + end + (level == null ? "" : " @" + level + "+" + offset) + "]"; }
}
