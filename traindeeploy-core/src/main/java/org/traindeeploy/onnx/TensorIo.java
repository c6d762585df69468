package org.traindeeploy.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.traindeeploy.io.InputFile;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.onnx.proto.OnnxProto.StringStringEntryProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorProto;

/**
 * Conversion between ONNX {@code TensorProto} and {@link Tensor}: raw little-endian data, the typed
 * repeated fields, and external data files, which are read only from inside the model's folder.
 */
public final class TensorIo {
    private TensorIo() {}

    /** Largest tensor file or external-data blob we read, far above any model for this class of device. */
    static final long MAX_BYTES = InputFile.MAX_BYTES;

    /** Read a serialized TensorProto file (the conformance format). */
    public static Tensor readFile(Path file) {
        TensorProto p;
        try (InputStream in = InputFile.open(file, MAX_BYTES, file.toString())) {
            p = TensorProto.parseFrom(in);
        } catch (IOException e) {
            throw new CompileException(file + ": cannot read tensor: " + OnnxReader.describe(e));
        }
        try {
            return fromProto(p, null);
        } catch (CompileException e) {
            throw e.within(file.toString());
        }
    }

    /** The name stored in a tensor file. */
    public static String readName(Path file) {
        try (InputStream in = InputFile.open(file, MAX_BYTES, file.toString())) {
            return TensorProto.parseFrom(in).getName();
        } catch (IOException e) {
            throw new CompileException(file + ": cannot read tensor: " + OnnxReader.describe(e));
        }
    }

    /**
     * Decode a TensorProto. {@code baseDir} is the model's folder for external data (null: external
     * data is refused).
     */
    public static Tensor fromProto(TensorProto p, Path baseDir) {
        String what = "tensor '" + p.getName() + "'";
        DType dtype = DType.fromOnnx(p.getDataType());
        if (dtype == null) {
            dtype = widenedIntegerType(p.getDataType());
            if (dtype == null) throw new CompileException(what + " has unsupported data type " + p.getDataType());
        }
        int[] shape = new int[p.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            long d = p.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) throw new CompileException(what + " has invalid dimension " + d);
            shape[i] = (int) d;
        }
        TensorType type;
        try {
            type = TensorType.of(dtype, shape);
        } catch (CompileException e) {
            throw new CompileException(what + ": " + e.getMessage());
        }
        int n = type.size();
        int srcBytes = sourceElementBytes(p.getDataType());
        ByteString raw = null;
        int typed = p.getFloatDataCount() + p.getDoubleDataCount() + p.getInt32DataCount() + p.getInt64DataCount() + p.getUint64DataCount()
                + p.getStringDataCount();
        if ((p.hasRawData() || p.getDataLocation() == TensorProto.DataLocation.EXTERNAL) && typed > 0) {
            throw new CompileException(what + " has typed data fields beside " + (p.hasRawData() ? "raw_data" : "external data") + "; only one source of data is allowed");
        }
        if (p.getDataLocation() == TensorProto.DataLocation.EXTERNAL && p.hasRawData()) {
            throw new CompileException(what + " has raw_data and external data; only one source of data is allowed");
        }
        if (p.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            raw = readExternal(p, baseDir, (long) n * srcBytes);
        } else if (p.hasRawData()) {
            raw = p.getRawData();
        }
        if (raw != null) {
            if (raw.size() != (long) n * srcBytes) {
                throw new CompileException(what + " has " + raw.size() + " bytes of data, expected " + ((long) n * srcBytes) + " for " + type);
            }
            ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            return decodeRaw(b, p.getDataType(), type);
        }
        switch (p.getDataType()) {
            case 1 -> {
                check(what, p.getFloatDataCount(), n);
                double[] d = new double[n];
                for (int i = 0; i < n; i++) d[i] = p.getFloatData(i);
                return Tensor.ofReal(DType.FLOAT, shape, d);
            }
            case 11 -> {
                check(what, p.getDoubleDataCount(), n);
                double[] d = new double[n];
                for (int i = 0; i < n; i++) d[i] = p.getDoubleData(i);
                return Tensor.ofReal(DType.DOUBLE, shape, d);
            }
            case 7 -> {
                check(what, p.getInt64DataCount(), n);
                long[] l = new long[n];
                for (int i = 0; i < n; i++) l[i] = p.getInt64Data(i);
                return Tensor.ofInt(DType.INT64, shape, l);
            }
            case 13 -> {
                check(what, p.getUint64DataCount(), n);
                long[] l = new long[n];
                for (int i = 0; i < n; i++) l[i] = p.getUint64Data(i);
                return Tensor.ofInt(DType.INT64, shape, l);
            }
            default -> {
                check(what, p.getInt32DataCount(), n);
                long[] l = new long[n];
                for (int i = 0; i < n; i++) l[i] = p.getInt32Data(i);
                return Tensor.ofInt(dtype, shape, l);
            }
        }
    }

    private static void check(String what, int have, int want) {
        if (have != want) throw new CompileException(what + " has " + have + " elements, its shape needs " + want);
    }

    /** Small integer types are read into INT64 tensors (they only ever feed shape or index computations). */
    private static DType widenedIntegerType(int code) {
        return switch (code) {
            case 2, 3, 4, 5, 12, 13 -> DType.INT64;
            default -> null;
        };
    }

    private static int sourceElementBytes(int code) {
        return switch (code) {
            case 1, 6, 12 -> 4;
            case 11, 7, 13 -> 8;
            case 2, 3, 9 -> 1;
            case 4, 5 -> 2;
            default -> throw new CompileException("unsupported tensor data type " + code);
        };
    }

    private static Tensor decodeRaw(ByteBuffer b, int code, TensorType type) {
        int n = type.size();
        int[] shape = type.shape();
        switch (code) {
            case 1: {
                // One bulk copy, then widening: a getFloat per element ran interpreted for most of a model's weights.
                float[] f = new float[n];
                b.asFloatBuffer().get(f);
                b.position(b.position() + 4 * n);
                double[] d = new double[n];
                for (int i = 0; i < n; i++) d[i] = f[i];
                return Tensor.ofReal(DType.FLOAT, shape, d);
            }
            case 11: {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) d[i] = b.getDouble();
                return Tensor.ofReal(DType.DOUBLE, shape, d);
            }
            default: {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    l[i] = switch (code) {
                        case 7, 13 -> b.getLong();
                        case 6 -> b.getInt();
                        case 12 -> Integer.toUnsignedLong(b.getInt());
                        case 9, 2 -> Byte.toUnsignedInt(b.get());
                        case 3 -> b.get();
                        case 5 -> b.getShort();
                        case 4 -> Short.toUnsignedInt(b.getShort());
                        default -> throw new CompileException("unsupported tensor data type " + code);
                    };
                }
                return Tensor.ofInt(type.dtype(), shape, l);
            }
        }
    }

    /**
     * Read an external-data blob. The location must be a relative path that stays inside the
     * model's folder, also after resolving symbolic links.
     */
    private static ByteString readExternal(TensorProto p, Path baseDir, long expected) {
        String what = "tensor '" + p.getName() + "'";
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : p.getExternalDataList()) {
            try {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue());
                    case "length" -> length = Long.parseLong(e.getValue());
                    default -> { }
                }
            } catch (NumberFormatException ex) {
                throw new CompileException(what + ": external data " + e.getKey() + " '" + e.getValue() + "' is not a number");
            }
        }
        if (location == null || location.isEmpty()) throw new CompileException(what + ": external data without a location");
        if (baseDir == null) throw new CompileException(what + ": external data is not allowed here");
        Path file = safeResolve(baseDir, location, what);
        boolean lengthGiven = p.getExternalDataList().stream().anyMatch(e -> e.getKey().equals("length"));
        if (offset < 0 || (lengthGiven && length != expected)) {
            throw new CompileException(what + ": external data offset " + offset + " / length " + length + " do not match " + expected + " bytes");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (offset + expected > ch.size()) {
                throw new CompileException(what + ": external file '" + location + "' is too short (" + ch.size() + " bytes, need " + (offset + expected) + ")");
            }
            if (expected > MAX_BYTES) throw new CompileException(what + ": external data larger than " + MAX_BYTES + " bytes");
            ByteBuffer buf = ByteBuffer.allocate((int) expected);
            ch.position(offset);
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) break;
            }
            buf.flip();
            return ByteString.copyFrom(buf);
        } catch (IOException e) {
            throw new CompileException(what + ": cannot read external data '" + location + "': " + OnnxReader.describe(e));
        }
    }

    /**
     * Resolve {@code location} under {@code baseDir}, refusing absolute paths, {@code ..} segments
     * and anything whose real path (links followed) leaves {@code baseDir}.
     */
    public static Path safeResolve(Path baseDir, String location, String what) {
        if (location.indexOf('\0') >= 0) throw new CompileException(what + ": external data location contains a NUL character");
        String norm = location.replace('\\', '/');
        if (norm.startsWith("/") || norm.matches("^[A-Za-z]:.*")) {
            throw new CompileException(what + ": external data location '" + location + "' is absolute; only paths inside the model's folder are allowed");
        }
        for (String seg : norm.split("/")) {
            if (seg.equals("..")) throw new CompileException(what + ": external data location '" + location + "' contains '..'; only paths inside the model's folder are allowed");
        }
        try {
            Path base = baseDir.toRealPath();
            Path file = base.resolve(norm).normalize();
            if (!Files.exists(file)) throw new CompileException(what + ": external data file '" + location + "' does not exist");
            Path real = file.toRealPath();
            if (!real.startsWith(base)) {
                throw new CompileException(what + ": external data location '" + location + "' leads outside the model's folder through a link");
            }
            if (!Files.isRegularFile(real)) throw new CompileException(what + ": external data location '" + location + "' is not a regular file");
            return real;
        } catch (IOException e) {
            throw new CompileException(what + ": cannot resolve external data '" + location + "': " + OnnxReader.describe(e));
        }
    }

    /** Encode a tensor as a TensorProto with raw little-endian data. */
    public static TensorProto toProto(String name, Tensor t) {
        DType d = t.dtype();
        ByteBuffer b = ByteBuffer.allocate(t.size() * d.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < t.size(); i++) {
            switch (d) {
                case FLOAT -> b.putFloat((float) t.getDouble(i));
                case DOUBLE -> b.putDouble(t.getDouble(i));
                case INT64 -> b.putLong(t.getLong(i));
                case INT32 -> b.putInt((int) t.getLong(i));
                case BOOL -> b.put((byte) (t.getLong(i) != 0 ? 1 : 0));
            }
        }
        b.flip();
        TensorProto.Builder p = TensorProto.newBuilder().setName(name).setDataType(d.onnxCode()).setRawData(ByteString.copyFrom(b));
        for (int s : t.shape()) p.addDims(s);
        return p.build();
    }
}
