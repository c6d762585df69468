package org.traindeeploy.ops;

import org.traindeeploy.ir.CompileException;

/**
 * Geometry of a 2-D sliding window (convolution or pooling) over [N, C, H, W]: kernel, strides,
 * pads {top, left, bottom, right}, dilations and ceil mode. Output extent per axis:
 * ⌊(in + p_begin + p_end − d(k−1) − 1)/s⌋ + 1 (⌈⌉ in ceil mode, dropping a last window that would
 * start in the end padding, as PyTorch does).
 */
public record Window2d(int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw, boolean ceil) {
    public Window2d {
        if (kh < 1 || kw < 1) throw new CompileException("window kernel " + kh + "x" + kw + " must be positive");
        if (sh < 1 || sw < 1) throw new CompileException("window strides " + sh + "x" + sw + " must be positive");
        if (dh < 1 || dw < 1) throw new CompileException("window dilations " + dh + "x" + dw + " must be positive");
        if (pt < 0 || pl < 0 || pb < 0 || pr < 0) throw new CompileException("window pads must be non-negative");
        if (Math.max(Math.max(kh, kw), Math.max(Math.max(pt, pl), Math.max(pb, pr))) > 1 << 16) throw new CompileException("window kernel or pads too large");
    }

    public static Window2d of(int[] kernel, int[] strides, int[] pads, int[] dilations, boolean ceil) {
        if (kernel.length != 2 || strides.length != 2 || pads.length != 4 || dilations.length != 2) {
            throw new CompileException("only 2-D windows are supported (kernel " + java.util.Arrays.toString(kernel) + ")");
        }
        return new Window2d(kernel[0], kernel[1], strides[0], strides[1], pads[0], pads[1], pads[2], pads[3], dilations[0], dilations[1], ceil);
    }

    static int out(int in, int k, int s, int p0, int p1, int d, boolean ceil) {
        long num = (long) in + p0 + p1 - (long) d * (k - 1) - 1;
        if (num < 0) throw new CompileException("window of extent " + ((long) d * (k - 1) + 1) + " does not fit input extent " + in + " with pads " + p0 + "+" + p1);
        long o = ceil ? (num + s - 1) / s + 1 : num / s + 1;
        if (ceil && (o - 1) * s >= in + p0) o--;
        return (int) o;
    }

    public int outH(int h) { return out(h, kh, sh, pt, pb, dh, ceil); }

    public int outW(int w) { return out(w, kw, sw, pl, pr, dw, ceil); }

    public int[] strides() { return new int[] {sh, sw}; }

    public int[] pads() { return new int[] {pt, pl, pb, pr}; }

    public int[] dilations() { return new int[] {dh, dw}; }

    public int[] kernel() { return new int[] {kh, kw}; }
}
