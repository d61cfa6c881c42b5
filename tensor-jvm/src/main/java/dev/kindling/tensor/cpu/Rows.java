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

    /**
     * dst[dp + i] = src[sp + i * stride]. The arrays are cast before System.arraycopy: with Object arguments
     * the JIT cannot see their type and calls a generic copy stub that costs more than a short row.
     */
    static void gather(Object src, int sp, int stride, Object dst, int dp, int n) {
        if (src instanceof float[]) {
            float[] s = (float[]) src, d = (float[]) dst;
            if (stride == 1) System.arraycopy(s, sp, d, dp, n);
            else for (int i = 0; i < n; i++) d[dp + i] = s[sp + i * stride];
        } else {
            double[] s = (double[]) src, d = (double[]) dst;
            if (stride == 1) System.arraycopy(s, sp, d, dp, n);
            else for (int i = 0; i < n; i++) d[dp + i] = s[sp + i * stride];
        }
    }

    /** dst[dp + i] = src[sp + i], typed (see {@link #gather}). */
    static void copy(Object src, int sp, Object dst, int dp, int n) { gather(src, sp, 1, dst, dp, n); }

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

    /** dst[dp + j * rows + i] (+)= src[i * cols + j]: a [rows, cols] matrix written (or added) transposed. */
    static void addTransposed(Object src, int rows, int cols, Object dst, int dp, boolean accumulate) {
        if (src instanceof float[]) {
            float[] s = (float[]) src, d = (float[]) dst;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) d[dp + j * rows + i] = (accumulate ? d[dp + j * rows + i] : 0f) + s[i * cols + j];
            }
        } else {
            double[] s = (double[]) src, d = (double[]) dst;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) d[dp + j * rows + i] = (accumulate ? d[dp + j * rows + i] : 0.0) + s[i * cols + j];
            }
        }
    }

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
