package dev.kindling.tensor.cpu;

/**
 * Row primitives of the convolution and pooling kernels, on float[] or double[] alike: the loop
 * nests above them are written once, and the type test here is paid once per row, not per element.
 * Each loop is a plain counted loop the JIT vectorises.
 */
final class Rows {
    private Rows() {}

    static void zero(Object a, int at, int n) {
        if (n <= 0) return;
        if (a instanceof float[]) java.util.Arrays.fill((float[]) a, at, at + n, 0f);
        else java.util.Arrays.fill((double[]) a, at, at + n, 0.0);
    }

    /** dst[dp + i] = src[sp + i * stride]. */
    static void gather(Object src, int sp, int stride, Object dst, int dp, int n) {
        if (stride == 1) {
            System.arraycopy(src, sp, dst, dp, n);
        } else if (src instanceof float[]) {
            float[] s = (float[]) src, d = (float[]) dst;
            for (int i = 0; i < n; i++) d[dp + i] = s[sp + i * stride];
        } else {
            double[] s = (double[]) src, d = (double[]) dst;
            for (int i = 0; i < n; i++) d[dp + i] = s[sp + i * stride];
        }
    }

    /** dst[dp + i * stride] += src[sp + i]. */
    static void scatterAdd(Object src, int sp, Object dst, int dp, int stride, int n) {
        if (src instanceof float[]) {
            float[] s = (float[]) src, d = (float[]) dst;
            if (stride == 1) for (int i = 0; i < n; i++) d[dp + i] += s[sp + i];
            else for (int i = 0; i < n; i++) d[dp + i * stride] += s[sp + i];
        } else {
            double[] s = (double[]) src, d = (double[]) dst;
            if (stride == 1) for (int i = 0; i < n; i++) d[dp + i] += s[sp + i];
            else for (int i = 0; i < n; i++) d[dp + i * stride] += s[sp + i];
        }
    }

    /** dst[dp + i] += src[sp + i]. */
    static void add(Object src, int sp, Object dst, int dp, int n) { scatterAdd(src, sp, dst, dp, 1, n); }

    /** dst[dp + i] = src[sp + i] + bias[bi] (no bias when bias is null). */
    static void copyPlus(Object src, int sp, Object dst, int dp, int n, Object bias, int bi) {
        if (src instanceof float[]) {
            float[] s = (float[]) src, d = (float[]) dst;
            float b = bias == null ? 0f : ((float[]) bias)[bi];
            for (int i = 0; i < n; i++) d[dp + i] = s[sp + i] + b;
        } else {
            double[] s = (double[]) src, d = (double[]) dst;
            double b = bias == null ? 0.0 : ((double[]) bias)[bi];
            for (int i = 0; i < n; i++) d[dp + i] = s[sp + i] + b;
        }
    }
}
