package dev.kindling.cuda.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * The parameter block of one {@code cuLaunchKernel} call: the values packed into one native buffer
 * at their C alignment, and the array of pointers to them that the driver reads. One per thread,
 * reused for every launch, so a launch allocates nothing native.
 */
public final class KernelArgs {
    private static final int BYTES = 8192, MAX_ARGS = 64;
    private static final ThreadLocal<KernelArgs> LOCAL = ThreadLocal.withInitial(KernelArgs::new);

    private final BytePointer values = new BytePointer(BYTES);
    private final LongPointer pointers = new LongPointer(MAX_ARGS);
    private int used, count;

    private KernelArgs() {}

    /** This thread's argument block, emptied. */
    public static KernelArgs begin() {
        KernelArgs a = LOCAL.get();
        a.used = 0;
        a.count = 0;
        return a;
    }

    private long slot(int size, int align) {
        if (count == MAX_ARGS) throw new IllegalStateException("a kernel launch takes at most " + MAX_ARGS + " arguments");
        used = (used + align - 1) / align * align;
        if (used + size > BYTES) throw new IllegalStateException("kernel arguments exceed " + BYTES + " bytes");
        long at = used;
        pointers.put(count++, values.address() + at);
        used += size;
        return at;
    }

    /** A struct made of ints only (the iteration metadata), passed by value. */
    public KernelArgs ints(int[] v) {
        long at = slot(4 * v.length, 4);
        for (int i = 0; i < v.length; i++) values.putInt(at + 4L * i, v[i]);
        return this;
    }

    public KernelArgs i32(int v) {
        values.putInt(slot(4, 4), v);
        return this;
    }

    public KernelArgs i64(long v) {
        values.putLong(slot(8, 8), v);
        return this;
    }

    public KernelArgs f64(double v) {
        values.putDouble(slot(8, 8), v);
        return this;
    }

    /** A device address. */
    public KernelArgs ptr(long address) { return i64(address); }

    /** The {@code void**} array for cuLaunchKernel's kernelParams. */
    public LongPointer pointers() { return pointers; }
}
