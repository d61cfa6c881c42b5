package dev.kindling.optim;

import dev.kindling.tensor.Device;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.CpuStorage;

/**
 * Element {@code i} of an array, in row-major order, as a double: what the optimizers' fused update
 * loops read and write. An update reads like its formula and runs in one pass over the parameter,
 * its gradient and its state, with no temporaries, in double, rounding float32 results once on store.
 * The optimizers' own float32 loops (see {@link #floatsFromStart}) take the usual layouts; this is the
 * path for the rest.
 *
 * <p>A contiguous CPU float32 or float64 array (every parameter, gradient and state buffer in
 * practice) is accessed in its backing Java array. Anything else (another device, a strided view) is
 * copied to a CPU array first and written back by {@link #commit()}: correct, but it allocates and
 * transfers each step. Only two concrete classes exist, so the loops' calls stay bimorphic and inline.
 */
abstract class Elements {
    final NDArray array;
    /** Where {@link #commit()} copies a host copy back to, or null when the elements are the array's own. */
    private final NDArray writeBack;

    private Elements(NDArray array, NDArray writeBack) {
        this.array = array;
        this.writeBack = writeBack;
    }

    abstract double get(int i);

    abstract void set(int i, double v);

    /** The backing float32 array when element i is {@code floats()[offset() + i]}, else null. */
    float[] floats() { return null; }

    int offset() { return 0; }

    /**
     * Every one of es (nulls skipped) is a float32 array used from its start: the case the optimizers'
     * float loops handle, one index for every array, which C2 vectorises; the double loops over get/set
     * run scalar, 40-90x slower on a 670k-parameter MLP.
     */
    static boolean floatsFromStart(Elements... es) {
        for (Elements e : es) if (e != null && (e.floats() == null || e.offset() != 0)) return false;
        return true;
    }

    static Elements of(NDArray a) {
        if (a.isContiguous() && a.storage() instanceof CpuStorage s) {
            if (s.array() instanceof double[] d) return new Doubles(a, d, a.offset(), null);
            if (s.array() instanceof float[] f) return new Floats(a, f, a.offset(), null);
        }
        if (!a.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("optimizers update floating point tensors, got " + a.dtype());
        }
        NDArray host = a.device().isCpu() ? a.copy() : a.to(Device.CPU);
        Object arr = ((CpuStorage) host.storage()).array();
        return arr instanceof double[] d ? new Doubles(host, d, 0, a) : new Floats(host, (float[]) arr, 0, a);
    }

    /** After writing: copies a host copy back, and counts the in-place change in the array's version. */
    void commit() {
        if (writeBack != null) writeBack.copy_(array.to(writeBack.device()));
        else array.storage().bumpVersion();
    }

    private static final class Doubles extends Elements {
        private final double[] a;
        private final int off;

        Doubles(NDArray array, double[] a, int off, NDArray writeBack) {
            super(array, writeBack);
            this.a = a;
            this.off = off;
        }

        @Override
        double get(int i) { return a[off + i]; }

        @Override
        void set(int i, double v) { a[off + i] = v; }
    }

    private static final class Floats extends Elements {
        private final float[] a;
        private final int off;

        Floats(NDArray array, float[] a, int off, NDArray writeBack) {
            super(array, writeBack);
            this.a = a;
            this.off = off;
        }

        @Override
        double get(int i) { return a[off + i]; }

        @Override
        void set(int i, double v) { a[off + i] = (float) v; }

        @Override
        float[] floats() { return a; }

        @Override
        int offset() { return off; }
    }
}
