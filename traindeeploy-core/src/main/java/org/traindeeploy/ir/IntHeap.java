package org.traindeeploy.ir;

/** A binary min-heap of ints, for the passes' priority orders over dense node indexes (no boxing). */
public final class IntHeap {
    private int[] a;
    private int size;

    public IntHeap(int capacity) { a = new int[Math.max(4, capacity)]; }

    public boolean isEmpty() { return size == 0; }

    public void push(int x) {
        if (size == a.length) a = java.util.Arrays.copyOf(a, 2 * size);
        int i = size++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (a[p] <= x) break;
            a[i] = a[p];
            i = p;
        }
        a[i] = x;
    }

    /** Removes and returns the smallest element. */
    public int pop() {
        int top = a[0];
        int x = a[--size];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && a[c + 1] < a[c]) c++;
            if (a[c] >= x) break;
            a[i] = a[c];
            i = c;
        }
        if (size > 0) a[i] = x;
        return top;
    }
}
