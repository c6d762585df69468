package org.traindeeploy.fuzz;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Byte-level damage to a serialized model: what a bad download, a disk error or a file of another
 * kind looks like. Each mutation is a pure function of the random source, so a seed reproduces it.
 */
final class ByteMutator {
    private ByteMutator() {}

    /** One mutated copy of {@code in}; {@code log} receives a short description. */
    static byte[] mutate(byte[] in, SplittableRandom r, StringBuilder log) {
        switch (r.nextInt(7)) {
            case 0 -> {
                int flips = 1 + r.nextInt(8);
                byte[] out = in.clone();
                for (int i = 0; i < flips; i++) {
                    int at = r.nextInt(out.length);
                    out[at] ^= (byte) (1 << r.nextInt(8));
                }
                log.append("flip ").append(flips).append(" bits");
                return out;
            }
            case 1 -> {
                int len = r.nextInt(in.length);
                log.append("truncate to ").append(len);
                return Arrays.copyOf(in, len);
            }
            case 2 -> {
                // overwrite a chunk with random bytes
                byte[] out = in.clone();
                int at = r.nextInt(out.length);
                int len = Math.min(out.length - at, 1 + r.nextInt(64));
                for (int i = 0; i < len; i++) out[at + i] = (byte) r.nextInt(256);
                log.append("random bytes at ").append(at).append(" x").append(len);
                return out;
            }
            case 3 -> {
                // copy a chunk of the file over another place (splice)
                byte[] out = in.clone();
                int from = r.nextInt(out.length);
                int to = r.nextInt(out.length);
                int len = Math.min(Math.min(out.length - from, out.length - to), 1 + r.nextInt(256));
                System.arraycopy(in, from, out, to, len);
                log.append("splice ").append(len).append(" bytes ").append(from).append("->").append(to);
                return out;
            }
            case 4 -> {
                // insert or delete a chunk (shifts every later field)
                int at = r.nextInt(in.length);
                if (r.nextBoolean()) {
                    int len = 1 + r.nextInt(16);
                    byte[] out = new byte[in.length + len];
                    System.arraycopy(in, 0, out, 0, at);
                    for (int i = 0; i < len; i++) out[at + i] = (byte) r.nextInt(256);
                    System.arraycopy(in, at, out, at + len, in.length - at);
                    log.append("insert ").append(len).append(" at ").append(at);
                    return out;
                }
                int len = Math.min(in.length - at, 1 + r.nextInt(16));
                byte[] out = new byte[in.length - len];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, at + len, out, at, in.length - at - len);
                log.append("delete ").append(len).append(" at ").append(at);
                return out;
            }
            case 5 -> {
                // set a varint-looking byte to a huge varint continuation (lengths, dims)
                byte[] out = in.clone();
                int at = r.nextInt(out.length);
                int len = Math.min(out.length - at, 1 + r.nextInt(9));
                for (int i = 0; i < len; i++) out[at + i] = (byte) (i == len - 1 ? 0x7f : 0xff);
                log.append("varint 0xff.. at ").append(at);
                return out;
            }
            default -> {
                byte[] out = new byte[r.nextInt(2048)];
                for (int i = 0; i < out.length; i++) out[i] = (byte) r.nextInt(256);
                log.append("random file of ").append(out.length).append(" bytes");
                return out;
            }
        }
    }
}
