package org.traindeeploy.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
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
        try (InputStream in = InputFile.open(file, InputFile.MAX_BYTES, file.toString())) {
            CodedInputStream cin = CodedInputStream.newInstance(in);
            cin.setSizeLimit(Integer.MAX_VALUE);
            cin.setRecursionLimit(64);
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
