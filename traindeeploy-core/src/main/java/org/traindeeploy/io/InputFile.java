package org.traindeeploy.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.traindeeploy.ir.CompileException;

/**
 * The one way every input file is opened: it must be a regular file (links followed) — a FIFO,
 * a device or a folder is refused before it is opened, so nothing blocks on a pipe or reads
 * {@code /dev/zero} forever — and it is read with a size cap. Every failure is a one-line
 * {@link CompileException} that starts with {@code what} (the file, or the flag and the file).
 */
public final class InputFile {
    private InputFile() {}

    /** Largest model, tensor or data file we read: far above any model for this class of device. */
    public static final long MAX_BYTES = 1L << 30;
    /** Largest JSON or text file (manifests, strategies, tensors.json, targets). */
    public static final long MAX_TEXT_BYTES = 16L << 20;
    /** Deepest nesting of a JSON file (ours are at most 5 deep). */
    public static final int MAX_JSON_DEPTH = 64;

    /** Check that {@code file} names a regular file; returns it. */
    public static Path regular(Path file, String what) {
        if (file == null || file.toString().isEmpty()) throw new CompileException(what + ": no file given");
        if (!Files.exists(file)) throw new CompileException(what + ": no such file");
        if (Files.isDirectory(file)) throw new CompileException(what + ": is a folder, not a file");
        if (!Files.isRegularFile(file)) throw new CompileException(what + ": is not a regular file (a pipe, device or socket); give a file");
        return file;
    }

    /** Open a regular file of at most {@code cap} bytes. */
    public static InputStream open(Path file, long cap, String what) {
        regular(file, what);
        try {
            long size = Files.size(file);
            if (size > cap) throw new CompileException(what + ": larger than " + cap + " bytes (" + size + ")");
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw new CompileException(what + ": cannot read: " + describe(e));
        }
    }

    /** All bytes of a regular file of at most {@code cap} bytes (also when the file grows while it is read). */
    public static byte[] readBytes(Path file, long cap, String what) {
        try (InputStream in = open(file, cap, what)) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, cap + 1));
            if (b.length > cap) throw new CompileException(what + ": larger than " + cap + " bytes");
            return b;
        } catch (IOException e) {
            throw new CompileException(what + ": cannot read: " + describe(e));
        }
    }

    /** A UTF-8 text file of at most {@link #MAX_TEXT_BYTES}; a binary file is an error. */
    public static String readText(Path file, String what) {
        byte[] b = readBytes(file, MAX_TEXT_BYTES, what);
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new CompileException(what + ": is not UTF-8 text (a binary file?)");
        }
        if (s.indexOf('\0') >= 0) throw new CompileException(what + ": is not text (it contains NUL bytes)");
        return s;
    }

    /** A JSON file: at most {@link #MAX_TEXT_BYTES}, nested at most {@link #MAX_JSON_DEPTH} deep, no duplicate keys, nothing after the value. */
    public static JsonNode readJson(Path file, String what) {
        byte[] b = readBytes(file, MAX_TEXT_BYTES, what);
        try {
            return JSON.readTree(b);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            if (msg != null && msg.contains("nesting depth")) msg = "nested deeper than " + MAX_JSON_DEPTH + " levels";
            throw new CompileException(what + ": invalid JSON: " + firstLine(msg));
        } catch (IOException e) {
            throw new CompileException(what + ": cannot read: " + describe(e));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS);

    /** A JSON mapper with the same limits, for callers that bind to classes. */
    public static ObjectMapper mapper() { return JSON; }

    static String firstLine(String msg) {
        if (msg == null) return "unreadable";
        int nl = msg.indexOf('\n');
        return nl >= 0 ? msg.substring(0, nl) : msg;
    }

    /** An I/O error in a few words. */
    public static String describe(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file";
        if (e instanceof AccessDeniedException) return "permission denied";
        return firstLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
}
