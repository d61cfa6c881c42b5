package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;

/**
 * Grow-only per-thread work arrays for the convolution kernels (column matrices, GEMM products,
 * gathered gradient rows) and for transposing W_hh before a recurrence's backward pass. A fresh Java
 * array would be zeroed by the JVM on every call, an extra pass over the largest buffer of the op;
 * these are reused, and the kernels overwrite what they read. Parallel chunks of one kernel share their
 * caller's arrays, each writing its own part. A thread keeps its largest arrays: for W_hh^T that is
 * G * H * H elements (16 MiB for a float32 LSTM with H = 1024).
 */
final class Scratch {
    private static final ThreadLocal<Scratch> FLOATS = ThreadLocal.withInitial(() -> new Scratch(DType.FLOAT32));
    private static final ThreadLocal<Scratch> DOUBLES = ThreadLocal.withInitial(() -> new Scratch(DType.FLOAT64));

    private final DType dtype;
    private final Object[] slots = new Object[3];

    private Scratch(DType dtype) { this.dtype = dtype; }

    static Scratch get(DType dtype) { return (dtype == DType.FLOAT32 ? FLOATS : DOUBLES).get(); }

    /** A float[] or double[] (this scratch's dtype) of at least n elements, with arbitrary contents. */
    Object array(int slot, long n) {
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("convolution or recurrence: a work buffer of " + n + " elements is too large");
        }
        Object a = slots[slot];
        int have = a == null ? -1 : java.lang.reflect.Array.getLength(a);
        if (have < n) {
            int size = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(n + (n >> 3), 1024));
            a = dtype == DType.FLOAT32 ? new float[size] : new double[size];
            slots[slot] = a;
        }
        return a;
    }
}
