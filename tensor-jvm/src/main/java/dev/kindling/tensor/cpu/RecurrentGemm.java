package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The per-step product of a recurrence, out = x A^T for a step's rows x [n, K] and a weight matrix
 * A [M, K] (W_hh in forward: h W_hh^T; W_hh^T in backward: dG W_hh), on OpenBLAS. Two measured
 * choices (single core, H = 256, B = 32):
 * <ul>
 * <li>A is copied off-heap once per pass: {@link Blas#matmul} stages every operand on every call, which
 *     for a recurrence means copying the same 1 MiB W_hh again at each of T steps.</li>
 * <li>BLAS computes the transposed product A x^T [M, n], with the weights as the left operand, and it
 *     is transposed back while copied out: OpenBLAS packs both operands on every call, and packing the
 *     big one as the left operand is cheaper (185 us against 240 us for x A^T; the transpose back
 *     costs about 20 us).</li>
 * </ul>
 * Owns native buffers: use it in try-with-resources.
 */
final class RecurrentGemm implements AutoCloseable {
    /** Square tiles for transposing W_hh: 32 x 32 keeps both sides in L1 (4x faster than the strided copy path). */
    private static final int TILE = 32;

    private final int rows, depth;
    private final FloatPointer af, bf, cf;
    private final DoublePointer ad, bd, cd;
    /** Views of bf/cf (bd/cd) made once: wrapping a pointer is a JNI call, and product() copies a row at a time. */
    private final FloatBuffer bfb, cfb;
    private final DoubleBuffer bdb, cdb;
    /** The transposed product on the heap, [M, n]. */
    private final float[] tf;
    private final double[] td;

    /**
     * Stages w (contiguous), or its transpose when {@code transpose}, as A for products with up to
     * {@code maxRows} rows.
     */
    RecurrentGemm(NDArray w, boolean transpose, int maxRows) {
        int wr = w.shapeRef()[0], wc = w.shapeRef()[1];
        rows = transpose ? wc : wr;
        depth = transpose ? wr : wc;
        int n = rows * depth, b = maxRows * depth, c = maxRows * rows;
        if (w.dtype() == DType.FLOAT32) {
            float[] src = (float[]) CpuBackend.data(w);
            af = new FloatPointer(n);
            bf = new FloatPointer(b);
            cf = new FloatPointer(c);
            tf = new float[c];
            if (transpose) {
                float[] t = new float[n];
                for (int r0 = 0; r0 < wr; r0 += TILE) {
                    for (int c0 = 0; c0 < wc; c0 += TILE) {
                        int r1 = Math.min(r0 + TILE, wr), c1 = Math.min(c0 + TILE, wc);
                        for (int k = c0; k < c1; k++) for (int i = r0; i < r1; i++) t[k * wr + i] = src[w.offset() + i * wc + k];
                    }
                }
                af.asBuffer().put(t, 0, n);
            } else {
                af.asBuffer().put(src, w.offset(), n);
            }
            bfb = bf.asBuffer();
            cfb = cf.asBuffer();
            ad = bd = cd = null;
            bdb = cdb = null;
            td = null;
        } else {
            double[] src = (double[]) CpuBackend.data(w);
            ad = new DoublePointer(n);
            bd = new DoublePointer(b);
            cd = new DoublePointer(c);
            td = new double[c];
            if (transpose) {
                double[] t = new double[n];
                for (int i = 0; i < wr; i++) for (int k = 0; k < wc; k++) t[k * wr + i] = src[w.offset() + i * wc + k];
                ad.asBuffer().put(t, 0, n);
            } else {
                ad.asBuffer().put(src, w.offset(), n);
            }
            bdb = bd.asBuffer();
            cdb = cd.asBuffer();
            af = bf = cf = null;
            bfb = cfb = null;
            tf = null;
        }
    }

    /** out rows 0..n-1 [n, M] (contiguous) = x rows first..first+n-1 [n, K] (any row stride) times A^T. */
    void product(NDArray x, int first, int n, NDArray out) {
        int ld = x.stridesRef()[0], start = x.offset() + first * ld, o = out.offset();
        if (af != null) {
            float[] src = (float[]) CpuBackend.data(x), dst = (float[]) CpuBackend.data(out);
            if (ld == depth) bfb.put(0, src, start, n * depth);
            else for (int r = 0; r < n; r++) bfb.put(r * depth, src, start + r * ld, depth);
            ThreadedGemm.sgemm(false, true, rows, n, depth, 1f, af, 0, depth, bf, 0, depth, 0f, cf, 0, n);
            cfb.get(0, tf, 0, rows * n);
            // Column by column: contiguous writes, reads striding by n (row by row is 6x slower at M = 1024).
            for (int b = 0; b < n; b++) for (int i = 0; i < rows; i++) dst[o + b * rows + i] = tf[i * n + b];
        } else {
            double[] src = (double[]) CpuBackend.data(x), dst = (double[]) CpuBackend.data(out);
            if (ld == depth) bdb.put(0, src, start, n * depth);
            else for (int r = 0; r < n; r++) bdb.put(r * depth, src, start + r * ld, depth);
            ThreadedGemm.dgemm(false, true, rows, n, depth, 1.0, ad, 0, depth, bd, 0, depth, 0.0, cd, 0, n);
            cdb.get(0, td, 0, rows * n);
            for (int b = 0; b < n; b++) for (int i = 0; i < rows; i++) dst[o + b * rows + i] = td[i * n + b];
        }
    }

    @Override
    public void close() {
        for (org.bytedeco.javacpp.Pointer p : new org.bytedeco.javacpp.Pointer[]{af, bf, cf, ad, bd, cd}) if (p != null) p.close();
    }
}
