package org.traindeeploy.codegen;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;

/**
 * The harness's file format on the Java side: a tensor is its elements, row-major, raw
 * little-endian, no header (float32, int64, int32, or one byte per bool). The shape and type
 * come from tensors.json / the program.
 */
public final class HarnessFiles {
    private HarnessFiles() {}

    public static void write(Path file, Tensor t) {
        ByteBuffer b = ByteBuffer.allocate(t.size() * t.dtype().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < t.size(); i++) {
            switch (t.dtype()) {
                case FLOAT -> b.putFloat((float) t.getDouble(i));
                case DOUBLE -> b.putDouble(t.getDouble(i));
                case INT64 -> b.putLong(t.getLong(i));
                case INT32 -> b.putInt((int) t.getLong(i));
                case BOOL -> b.put((byte) (t.getLong(i) != 0 ? 1 : 0));
            }
        }
        try {
            Files.write(file, b.array());
        } catch (IOException e) {
            throw new CompileException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static Tensor read(Path file, TensorType type) {
        byte[] bytes = org.traindeeploy.io.InputFile.readBytes(file, org.traindeeploy.io.InputFile.MAX_BYTES, file.toString());
        long want = type.bytes();
        if (bytes.length != want) throw new CompileException(file + " has " + bytes.length + " bytes, expected " + want + " for " + type);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = type.size();
        DType d = type.dtype();
        if (d.isFloat()) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = d == DType.FLOAT ? b.getFloat() : b.getDouble();
            return Tensor.ofReal(d, type.shape(), v);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (d) {
                case INT64 -> b.getLong();
                case INT32 -> b.getInt();
                default -> b.get();
            };
        }
        return Tensor.ofInt(d, type.shape(), v);
    }
}
