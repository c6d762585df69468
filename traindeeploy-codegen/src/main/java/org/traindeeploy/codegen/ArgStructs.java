package org.traindeeploy.codegen;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernels' argument structs as read off the {@link KernelCall} records (their one definition):
 * per record its C fields (name, type, how a value renders), the model of the generated header
 * {@code kernels/td_args.h} (every struct and its kernels, the same bytes for every program), a
 * call's constant initializer, the buffers it reads and writes, and the check of a tile binder's
 * field designators against the struct.
 */
final class ArgStructs {
    /** The generated header under kernels/, included by td_kernels.h. */
    static final String HEADER = "td_args.h";

    private ArgStructs() {}

    /** How a field holds its value, and so how it is declared and rendered. */
    enum Shape {
        /** A pointer to a buffer (String: a buffer expression or NULL). */
        POINTER,
        /** A {@code const int32_t *} to a static array emitted before the struct ({@link KernelCall.Index}). */
        INDEX,
        /** A scalar (int, boolean as 0/1, or the C text of a String). */
        SCALAR,
        /** An {@code int32_t} array of TD_MAX_RANK. */
        ARRAY,
        /** An {@code int32_t} array of rows × TD_MAX_RANK ({@link KernelCall.Rows}). */
        ROWS,
        /** A nested struct (a record with {@link KernelCall.Struct}). */
        STRUCT
    }

    /** Which buffers a pointer field names for barrier placement. */
    enum Access { NONE, READ, WRITE, READ_WRITE }

    /**
     * One field of a struct: its C {@code name} (the component's in snake_case), the C {@code type}
     * (the pointee's for pointers), whether it is {@code constant} (a const pointer), its
     * {@code dims} (array bounds) and the component it is read from.
     */
    public record Field(String name, String type, boolean constant, Shape shape, Access access, List<String> dims, Method accessor, Class<?> nested) {
        /** For the header template: a pointer. */
        public boolean pointer() { return shape == Shape.POINTER || shape == Shape.INDEX; }
    }

    /**
     * A struct: its C type name, comment lines, the kernels taking it, the section it opens (or ""),
     * its fields; or a C enum (an opcode type): its name, comment and {@code enumerators}.
     */
    public record Struct(Class<?> record, String name, List<String> doc, List<String> functions, String section, List<Field> fields, List<String> enumerators) {
        Struct withSection(String s) { return new Struct(record, name, doc, functions, s, fields, enumerators); }
    }

    /** One designated initializer: {@code .field = } a C text, an int list, rows of int lists, or a nested initializer. */
    public record Init(String field, String text, int[] ints, List<int[]> rows, List<Init> nested) {}

    /** A static {@code int32_t} array a struct points at ({@link KernelCall.Index}). */
    public record IndexArray(String name, int[] values) {}

    /** The model of td_args.h.ftl: TD_MAX_RANK and every struct, nested ones before their users. */
    public record Header(String file, int maxRank, int dwStage, List<Struct> structs) {}

    private static final Map<Class<?>, Struct> STRUCTS = new ConcurrentHashMap<>();

    /** The struct of a record class (with {@link KernelCall.Struct}). */
    static Struct of(Class<?> record) {
        Struct s = STRUCTS.get(record);
        if (s != null) return s;
        s = read(record); // not computeIfAbsent: reading a struct reads its nested ones
        Struct had = STRUCTS.putIfAbsent(record, s);
        return had != null ? had : s;
    }

    private static Struct read(Class<?> c) {
        KernelCall.Enum e = c.getAnnotation(KernelCall.Enum.class);
        if (e != null && c.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object k : c.getEnumConstants()) names.add(((java.lang.Enum<?>) k).name());
            return new Struct(c, e.name(), e.doc().isEmpty() ? List.of() : List.of(e.doc().split("\n")), List.of(), "", List.of(), List.copyOf(names));
        }
        KernelCall.Struct s = c.getAnnotation(KernelCall.Struct.class);
        if (s == null || !c.isRecord()) throw new IllegalStateException(c.getName() + " is not a record annotated @KernelCall.Struct");
        List<Field> fields = new ArrayList<>();
        for (RecordComponent rc : c.getRecordComponents()) {
            String n = rc.getName();
            if (KernelCall.class.isAssignableFrom(c) && (n.equals("id") || n.equals("function"))) continue;
            fields.add(field(c, rc));
        }
        List<String> doc = s.doc().isEmpty() ? List.of() : List.of(s.doc().split("\n"));
        return new Struct(c, s.name(), doc, List.of(s.functions()), s.section(), List.copyOf(fields), List.of());
    }

    /** The C name of a component: camelCase to snake_case ({@code runMeanOut} is {@code run_mean_out}). */
    static String cName(String component) {
        StringBuilder b = new StringBuilder();
        for (char ch : component.toCharArray()) {
            if (Character.isUpperCase(ch)) b.append('_').append(Character.toLowerCase(ch));
            else b.append(ch);
        }
        return b.toString();
    }

    private static Field field(Class<?> c, RecordComponent rc) {
        String name = cName(rc.getName());
        Class<?> t = rc.getType();
        Method m = rc.getAccessor();
        m.setAccessible(true);
        KernelCall.Out out = rc.getAnnotation(KernelCall.Out.class);
        KernelCall.In in = rc.getAnnotation(KernelCall.In.class);
        KernelCall.InOut io = rc.getAnnotation(KernelCall.InOut.class);
        KernelCall.CType ct = rc.getAnnotation(KernelCall.CType.class);
        KernelCall.Index idx = rc.getAnnotation(KernelCall.Index.class);
        KernelCall.Rows rows = rc.getAnnotation(KernelCall.Rows.class);
        boolean real = rc.isAnnotationPresent(KernelCall.Real.class);
        String where = c.getSimpleName() + "." + rc.getName();
        if (t == String.class) {
            int marks = (out != null ? 1 : 0) + (in != null ? 1 : 0) + (io != null ? 1 : 0) + (ct != null ? 1 : 0) + (real ? 1 : 0);
            if (marks != 1) throw new IllegalStateException(where + ": a String component needs exactly one of @Out, @In, @InOut, @Real, @CType");
            if (out != null) return new Field(name, out.value(), false, Shape.POINTER, Access.WRITE, List.of(), m, null);
            if (in != null) return new Field(name, in.value(), true, Shape.POINTER, Access.READ, List.of(), m, null);
            if (io != null) return new Field(name, io.value(), false, Shape.POINTER, Access.READ_WRITE, List.of(), m, null);
            return new Field(name, real ? "td_real" : ct.value(), false, Shape.SCALAR, Access.NONE, List.of(), m, null);
        }
        if (t.isEnum() && t.isAnnotationPresent(KernelCall.Enum.class)) return new Field(name, of(t).name(), false, Shape.SCALAR, Access.NONE, List.of(), m, t);
        if (t == int.class || t == boolean.class) return new Field(name, "int32_t", false, Shape.SCALAR, Access.NONE, List.of(), m, null);
        if (t == int[].class) {
            if (idx != null) return new Field(name, "int32_t", true, Shape.INDEX, Access.NONE, List.of(), m, null);
            return new Field(name, "int32_t", false, Shape.ARRAY, Access.NONE, List.of("TD_MAX_RANK"), m, null);
        }
        if (t == List.class && rows != null) return new Field(name, "int32_t", false, Shape.ROWS, Access.NONE, List.of(String.valueOf(rows.value()), "TD_MAX_RANK"), m, null);
        if (t.isRecord() && t.isAnnotationPresent(KernelCall.Struct.class)) {
            return new Field(name, of(t).name(), false, Shape.STRUCT, KernelCall.class.isAssignableFrom(t) ? Access.READ_WRITE : Access.NONE, List.of(), m, t);
        }
        throw new IllegalStateException(where + ": no C type for " + t.getSimpleName());
    }

    private static Object get(Field f, Object record) {
        try {
            return f.accessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("reading " + f.name() + " of " + record.getClass().getSimpleName(), e);
        }
    }

    /** A record's {@code function} must be one of its struct's kernels. */
    static void checkFunction(Class<?> record, String function) {
        if (!of(record).functions().contains(function)) throw new IllegalStateException(function + " does not take " + of(record).name() + " (" + of(record).functions() + ")");
    }

    // ---- a call ----------------------------------------------------------------------------

    /** The non-NULL buffers of the call's pointers read ({@code reads}) or written, in field order (a nested call's included). */
    static List<String> buffers(KernelCall call, boolean reads) {
        List<String> out = new ArrayList<>();
        for (Field f : of(call.getClass()).fields()) {
            if (f.shape() == Shape.STRUCT && f.access() == Access.READ_WRITE) {
                KernelCall k = (KernelCall) get(f, call);
                out.addAll(reads ? k.reads() : k.writes());
                continue;
            }
            if (f.shape() != Shape.POINTER) continue;
            boolean take = f.access() == Access.READ_WRITE || f.access() == (reads ? Access.READ : Access.WRITE);
            String v = (String) get(f, call);
            if (take && v != null && !v.equals("NULL")) out.add(v);
        }
        return out;
    }

    /** The constant initializer of a call (or a nested struct value). */
    static List<Init> init(Object record) {
        List<Init> out = new ArrayList<>();
        String id = record instanceof KernelCall k ? k.id() : null;
        for (Field f : of(record.getClass()).fields()) {
            Object v = get(f, record);
            if (v == null) throw new IllegalStateException(of(record.getClass()).name() + "." + f.name() + " has no value");
            out.add(switch (f.shape()) {
                case POINTER -> new Init(f.name(), (String) v, null, null, null);
                case INDEX -> new Init(f.name(), indexName(f, id), null, null, null);
                case SCALAR -> new Init(f.name(), v instanceof Boolean b ? (b ? "1" : "0") : v instanceof java.lang.Enum<?> k ? k.name() : String.valueOf(v), null, null, null);
                case ARRAY -> new Init(f.name(), null, (int[]) v, null, null);
                case ROWS -> {
                    @SuppressWarnings("unchecked")
                    List<int[]> rows = (List<int[]>) v;
                    yield new Init(f.name(), null, null, rows, null);
                }
                case STRUCT -> new Init(f.name(), null, null, null, init(v));
            });
        }
        return out;
    }

    private static String indexName(Field f, String id) {
        for (RecordComponent rc : f.accessor().getDeclaringClass().getRecordComponents()) {
            if (rc.getAccessor().equals(f.accessor())) return rc.getAnnotation(KernelCall.Index.class).value() + "_" + id;
        }
        throw new IllegalStateException(f.name());
    }

    /** The index arrays a call points at. */
    static List<IndexArray> arrays(KernelCall call) {
        List<IndexArray> out = new ArrayList<>();
        for (Field f : of(call.getClass()).fields()) if (f.shape() == Shape.INDEX) out.add(new IndexArray(indexName(f, call.id()), (int[]) get(f, call)));
        return out;
    }

    // ---- the header ------------------------------------------------------------------------

    private static volatile String header;

    /** Every struct of the kernel calls in declaration order, each nested struct right before its first user. */
    static Header header() {
        Set<Class<?>> done = new LinkedHashSet<>();
        List<Struct> out = new ArrayList<>();
        for (Class<?> c : KernelCall.class.getPermittedSubclasses()) {
            int at = out.size();
            add(c, done, out);
            // A section's heading goes above the first declaration the record brings (its enums and nested structs first).
            int last = out.size() - 1;
            if (last > at && !out.get(last).section().isEmpty()) {
                out.set(at, out.get(at).withSection(out.get(last).section()));
                out.set(last, out.get(last).withSection(""));
            }
        }
        return new Header(HEADER, KernelCall.MAX_RANK, org.traindeeploy.ops.Conv.DW_STAGE, Collections.unmodifiableList(out));
    }

    private static void add(Class<?> c, Set<Class<?>> done, List<Struct> out) {
        if (done.contains(c)) return;
        Struct s = of(c);
        for (Field f : s.fields()) if (f.nested() != null) add(f.nested(), done, out);
        done.add(c);
        out.add(s);
    }

    /** td_args.h: the same bytes for every program (kernels that include it stay cacheable). */
    static String headerText() {
        String h = header;
        if (h == null) header = h = Templates.render("kernels/" + HEADER + ".ftl", header());
        return h;
    }

    // ---- the binder's designators ------------------------------------------------------------

    /** What a designator reaches: a buffer pointer, an index-array pointer, or an int32_t. */
    enum Leaf { POINTER, INDEX, INT }

    private static final Pattern SEGMENT = Pattern.compile("([a-z][a-z0-9_]*)((?:\\[[0-9]+\\])*)");

    /**
     * What the member designator {@code designator} (as offsetof takes it: {@code rows},
     * {@code view.strides[1][0]}, {@code g.pt}) names in the struct of {@code record}; an
     * IllegalStateException naming the struct when it names no field of it.
     */
    static Leaf leaf(Class<?> record, String designator) {
        Struct s = of(record);
        String[] segs = designator.split("\\.", -1);
        for (int i = 0; i < segs.length; i++) {
            Matcher m = SEGMENT.matcher(segs[i]);
            if (!m.matches()) throw bad(s, designator, "is not a member designator");
            Field f = null;
            for (Field g : s.fields()) if (g.name().equals(m.group(1))) f = g;
            if (f == null) throw bad(s, designator, "names no field of it (fields: " + names(s) + ")");
            int indices = m.group(2).isEmpty() ? 0 : m.group(2).split("\\]").length;
            boolean last = i == segs.length - 1;
            if (f.shape() == Shape.STRUCT) {
                if (last || indices != 0) throw bad(s, designator, "does not reach an int32_t or pointer of struct " + f.type());
                s = of(f.nested());
                continue;
            }
            if (!last) throw bad(s, designator, "goes into " + f.name() + ", which is no struct");
            if (indices != f.dims().size()) throw bad(s, designator, "indexes " + f.name() + " with " + indices + " subscripts, it has " + f.dims().size());
            switch (f.shape()) {
                case POINTER: return Leaf.POINTER;
                case INDEX: return Leaf.INDEX;
                case ARRAY, ROWS: return Leaf.INT;
                default:
                    if (!f.type().equals("int32_t")) throw bad(s, designator, "is a " + f.type() + ", the binder sets int32_t fields and pointers");
                    return Leaf.INT;
            }
        }
        throw bad(s, designator, "is empty");
    }

    private static String names(Struct s) { return String.join(", ", s.fields().stream().map(Field::name).toList()); }

    private static IllegalStateException bad(Struct s, String designator, String why) {
        return new IllegalStateException("tile binding of " + s.name() + ": '" + designator + "' " + why);
    }

    /** Every struct of td_args.h by C name. */
    static Map<String, Struct> all() {
        Map<String, Struct> m = new LinkedHashMap<>();
        for (Struct s : header().structs()) m.put(s.name(), s);
        return m;
    }
}
