package org.traindeeploy.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors;
import com.google.protobuf.WireFormat;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.traindeeploy.io.InputFile;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;

/** Reads an ONNX file into its protobuf form, turning every failure into a one-line {@link CompileException}. */
public final class OnnxReader {
    private OnnxReader() {}

    /** Supported {@code ModelProto.ir_version}s. */
    public static final int MIN_IR = 7;
    public static final int MAX_IR = 10;

    public static ModelProto read(Path file) {
        ModelProto m;
        try {
            byte[] bytes = withoutDocStrings(file);
            CodedInputStream cin = CodedInputStream.newInstance(bytes);
            cin.enableAliasing(true); // tensors' raw_data share the array instead of copying it
            cin.setSizeLimit(Integer.MAX_VALUE);
            cin.setRecursionLimit(MAX_DEPTH);
            m = ModelProto.parseFrom(cin);
        } catch (InvalidProtocolBufferException e) {
            throw new CompileException(file + ": not a valid ONNX file (" + describe(e) + ")");
        } catch (IOException e) {
            throw new CompileException(file + ": cannot read: " + describe(e));
        }
        if (!m.hasGraph() || !m.hasIrVersion()) {
            throw new CompileException(file + ": not an ONNX model (no graph or IR version)");
        }
        if (m.getIrVersion() < MIN_IR || m.getIrVersion() > MAX_IR) {
            throw new CompileException(file + ": ONNX IR version " + m.getIrVersion() + " is not supported (supported: " + MIN_IR + " to " + MAX_IR + ")");
        }
        return m;
    }

    /** Deepest nesting of protobuf messages we parse. */
    static final int MAX_DEPTH = 64;

    /**
     * The file's bytes with every {@code doc_string} field left out (of the model, graph, nodes,
     * attributes, tensors, value infos...). Documentation is never used, and a hostile file can
     * hold a gigabyte of it: it is skipped while streaming, never held in memory. Two passes over
     * the file: the first measures every rewritten message, the second writes them into one array
     * of the exact size.
     */
    static byte[] withoutDocStrings(Path file) throws IOException {
        java.util.List<Integer> sizes = new java.util.ArrayList<>();
        long total;
        try (InputStream in = InputFile.open(file, InputFile.MAX_BYTES, file.toString())) {
            CodedInputStream cin = CodedInputStream.newInstance(in);
            cin.setSizeLimit(Integer.MAX_VALUE);
            CodedOutputStream counter = CodedOutputStream.newInstance(OutputStream.nullOutputStream(), 1 << 16);
            total = measure(cin, ModelProto.getDescriptor(), sizes, counter, 0);
        }
        if (total > InputFile.MAX_BYTES) throw new CompileException(file + ": larger than " + InputFile.MAX_BYTES + " bytes");
        byte[] out = new byte[(int) total];
        try (InputStream in = InputFile.open(file, InputFile.MAX_BYTES, file.toString())) {
            CodedInputStream cin = CodedInputStream.newInstance(in);
            cin.setSizeLimit(Integer.MAX_VALUE);
            CodedOutputStream cout = CodedOutputStream.newInstance(out);
            copy(cin, ModelProto.getDescriptor(), sizes, new int[1], cout);
            cout.checkNoSpaceLeft();
        } catch (CodedOutputStream.OutOfSpaceException | IllegalArgumentException e) {
            throw new CompileException(file + ": changed while it was read");
        }
        return out;
    }

    /**
     * Whether messages of each type reachable from ModelProto can hold a doc_string, directly or in a
     * nested message: computed once, as a fixpoint over the message types (they are recursive:
     * GraphProto in AttributeProto in NodeProto in GraphProto), before any file is read. The two
     * passes of {@link #withoutDocStrings} must see the same answers, also when several threads read
     * models at once (sweep compiles its strategies in parallel).
     */
    private static final java.util.Map<Descriptors.Descriptor, Boolean> HAS_DOC = hasDocTable(ModelProto.getDescriptor());

    static java.util.Map<Descriptors.Descriptor, Boolean> hasDocTable(Descriptors.Descriptor root) {
        java.util.List<Descriptors.Descriptor> all = new java.util.ArrayList<>();
        java.util.Map<Descriptors.Descriptor, Boolean> has = new java.util.HashMap<>();
        java.util.ArrayDeque<Descriptors.Descriptor> todo = new java.util.ArrayDeque<>(java.util.List.of(root));
        while (!todo.isEmpty()) {
            Descriptors.Descriptor d = todo.pop();
            if (has.containsKey(d)) continue;
            all.add(d);
            has.put(d, d.findFieldByName("doc_string") != null);
            for (Descriptors.FieldDescriptor f : d.getFields()) {
                if (f.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) todo.push(f.getMessageType());
            }
        }
        for (boolean changed = true; changed; ) {
            changed = false;
            for (Descriptors.Descriptor d : all) {
                if (has.get(d)) continue;
                for (Descriptors.FieldDescriptor f : d.getFields()) {
                    if (f.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE && has.get(f.getMessageType())) {
                        has.put(d, true);
                        changed = true;
                        break;
                    }
                }
            }
        }
        return java.util.Map.copyOf(has);
    }

    private static boolean hasDoc(Descriptors.Descriptor d) { return HAS_DOC.getOrDefault(d, false); }

    /** What a field is to the rewrite: 0 copy as is, 1 drop (a doc_string), 2 a message to rewrite. */
    private static int role(Descriptors.Descriptor d, int tag) {
        if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) return 0;
        Descriptors.FieldDescriptor f = d.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
        if (f == null) return 0;
        if (f.getName().equals("doc_string")) return 1;
        if (f.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE && hasDoc(f.getMessageType())) return 2;
        return 0;
    }

    /** Size of the rewritten content of a message; the sizes of nested rewritten messages are appended to {@code sizes} in pre-order. */
    private static long measure(CodedInputStream in, Descriptors.Descriptor d, java.util.List<Integer> sizes, CodedOutputStream counter, int depth)
            throws IOException {
        if (depth > MAX_DEPTH) throw new InvalidProtocolBufferException("Protocol message had too many levels of nesting");
        long total = 0;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (role(d, tag)) {
                case 1 -> in.skipField(tag);
                case 2 -> {
                    int len = in.readRawVarint32();
                    int old = in.pushLimit(len);
                    int at = sizes.size();
                    sizes.add(0);
                    long inner = measure(in, d.findFieldByNumber(WireFormat.getTagFieldNumber(tag)).getMessageType(), sizes, counter, depth + 1);
                    if (!in.isAtEnd()) throw new InvalidProtocolBufferException("Protocol message end-group tag did not match expected tag");
                    in.popLimit(old);
                    if (inner > Integer.MAX_VALUE) throw new InvalidProtocolBufferException("Protocol message was too large");
                    sizes.set(at, (int) inner);
                    total += CodedOutputStream.computeTagSize(WireFormat.getTagFieldNumber(tag)) + CodedOutputStream.computeUInt32SizeNoTag((int) inner) + inner;
                }
                default -> {
                    long before = counter.getTotalBytesWritten();
                    in.skipField(tag, counter);
                    total += counter.getTotalBytesWritten() - before;
                }
            }
        }
        return total;
    }

    private static void copy(CodedInputStream in, Descriptors.Descriptor d, java.util.List<Integer> sizes, int[] next, CodedOutputStream out) throws IOException {
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (role(d, tag)) {
                case 1 -> in.skipField(tag);
                case 2 -> {
                    int len = in.readRawVarint32();
                    int old = in.pushLimit(len);
                    int size = sizes.get(next[0]++);
                    out.writeTag(WireFormat.getTagFieldNumber(tag), WireFormat.WIRETYPE_LENGTH_DELIMITED);
                    out.writeUInt32NoTag(size);
                    copy(in, d.findFieldByNumber(WireFormat.getTagFieldNumber(tag)).getMessageType(), sizes, next, out);
                    in.popLimit(old);
                }
                default -> in.skipField(tag, out);
            }
        }
    }

    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file";
        String msg = e.getMessage();
        if (msg == null) return e.getClass().getSimpleName();
        int nl = msg.indexOf('\n');
        msg = nl >= 0 ? msg.substring(0, nl) : msg;
        if (msg.startsWith("While parsing a protocol message, the input ended unexpectedly")) return "the file is truncated";
        if (msg.startsWith("Protocol message contained an invalid tag")) return "invalid protobuf data";
        return msg;
    }
}
