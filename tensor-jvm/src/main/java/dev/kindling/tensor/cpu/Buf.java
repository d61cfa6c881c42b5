package dev.kindling.tensor.cpu;

import dev.kindling.tensor.HalfFloats;

/**
 * Typed element access for the generic (any dtype, any strides) kernels. Hot paths bypass it with
 * loops over the raw arrays; everything else goes through here so each op is written once.
 */
abstract class Buf {
    abstract double getD(int i);

    abstract long getL(int i);

    abstract void setD(int i, double v);

    abstract void setL(int i, long v);

    static Buf of(Object array) {
        if (array instanceof float[]) return new F((float[]) array);
        if (array instanceof double[]) return new D((double[]) array);
        if (array instanceof long[]) return new L((long[]) array);
        if (array instanceof int[]) return new I((int[]) array);
        if (array instanceof short[]) return new H((short[]) array);
        if (array instanceof char[]) return new BF((char[]) array);
        return new B((boolean[]) array);
    }

    static final class F extends Buf {
        final float[] a;
        F(float[] a) { this.a = a; }
        double getD(int i) { return a[i]; }
        long getL(int i) { return (long) a[i]; }
        void setD(int i, double v) { a[i] = (float) v; }
        void setL(int i, long v) { a[i] = v; }
    }

    static final class D extends Buf {
        final double[] a;
        D(double[] a) { this.a = a; }
        double getD(int i) { return a[i]; }
        long getL(int i) { return (long) a[i]; }
        void setD(int i, double v) { a[i] = v; }
        void setL(int i, long v) { a[i] = v; }
    }

    static final class L extends Buf {
        final long[] a;
        L(long[] a) { this.a = a; }
        double getD(int i) { return a[i]; }
        long getL(int i) { return a[i]; }
        void setD(int i, double v) { a[i] = (long) v; }
        void setL(int i, long v) { a[i] = v; }
    }

    static final class I extends Buf {
        final int[] a;
        I(int[] a) { this.a = a; }
        double getD(int i) { return a[i]; }
        long getL(int i) { return a[i]; }
        void setD(int i, double v) { a[i] = (int) v; }
        void setL(int i, long v) { a[i] = (int) v; }
    }

    /** float16 bits: reads are exact, writes round once from the double result (ties to even). */
    static final class H extends Buf {
        final short[] a;
        H(short[] a) { this.a = a; }
        double getD(int i) { return HalfFloats.float16ToFloat(a[i]); }
        long getL(int i) { return (long) HalfFloats.float16ToFloat(a[i]); }
        void setD(int i, double v) { a[i] = HalfFloats.toFloat16(v); }
        void setL(int i, long v) { a[i] = HalfFloats.toFloat16(v); }
    }

    /** bfloat16 bits, as {@link H}. */
    static final class BF extends Buf {
        final char[] a;
        BF(char[] a) { this.a = a; }
        double getD(int i) { return HalfFloats.bfloat16ToFloat(a[i]); }
        long getL(int i) { return (long) HalfFloats.bfloat16ToFloat(a[i]); }
        void setD(int i, double v) { a[i] = HalfFloats.toBfloat16(v); }
        void setL(int i, long v) { a[i] = HalfFloats.toBfloat16(v); }
    }

    static final class B extends Buf {
        final boolean[] a;
        B(boolean[] a) { this.a = a; }
        double getD(int i) { return a[i] ? 1 : 0; }
        long getL(int i) { return a[i] ? 1 : 0; }
        void setD(int i, double v) { a[i] = v != 0; }
        void setL(int i, long v) { a[i] = v != 0; }
    }
}
