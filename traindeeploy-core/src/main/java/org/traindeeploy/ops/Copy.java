package org.traindeeploy.ops;

/** Region copies between row-major tensors, shared by Split, Concat, Slice and their gradients. */
final class Copy {
    private Copy() {}

    /**
     * Copy a block: for outer index o in [0, outer), copy {@code len} elements from
     * src[srcOff + o*srcStride] to dst[dstOff + o*dstStride].
     */
    static void blocks(Object src, int srcOff, int srcStride, Object dst, int dstOff, int dstStride, int outer, int len) {
        for (int o = 0; o < outer; o++) {
            System.arraycopy(src, srcOff + o * srcStride, dst, dstOff + o * dstStride, len);
        }
    }
}
