package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The per-step products of a recurrence, h W_hh^T (forward) and dG W_hh (backward), on OpenBLAS with
 * W_hh copied off-heap once per pass. {@link Blas#matmul} stages every operand on every call, which for
 * a recurrence means copying the same W_hh (1 MiB for H = 256) at each of T steps in both passes,
 * about a third of the product's own time; here only the step's rows go in and out. Owns native
 * buffers: use it in try-with-resources.
 */
final class RecurrentGemm implements AutoCloseable {
    private final int width, hidden;
    private final FloatPointer wf, af, cf;
    private final DoublePointer wd, ad, cd;

    /** Stages w [G*H, H] (contiguous) for products with up to {@code maxRows} rows. */
    RecurrentGemm(NDArray w, int maxRows) {
        width = w.shapeRef()[0];
        hidden = w.shapeRef()[1];
        long n = (long) width * hidden, rows = (long) maxRows * width;
        if (w.dtype() == DType.FLOAT32) {
            wf = new FloatPointer(n);
            af = new FloatPointer(rows);
            cf = new FloatPointer(rows);
            wf.asBuffer().put((float[]) CpuBackend.data(w), w.offset(), (int) n);
            wd = ad = cd = null;
        } else {
            wd = new DoublePointer(n);
            ad = new DoublePointer(rows);
            cd = new DoublePointer(rows);
            wd.asBuffer().put((double[]) CpuBackend.data(w), w.offset(), (int) n);
            wf = af = cf = null;
        }
    }

    /** out rows 0..n-1 [n, G*H] = h rows 0..n-1 [n, H] W^T; h and out contiguous. */
    void timesTransposed(NDArray h, int n, NDArray out) {
        if (wf != null) {
            af.asBuffer().put((float[]) CpuBackend.data(h), h.offset(), n * hidden);
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                    openblas_nolapack.CblasTrans, n, width, hidden, 1f, af, hidden, wf, hidden, 0f, cf, width);
            cf.asBuffer().get((float[]) CpuBackend.data(out), out.offset(), n * width);
        } else {
            ad.asBuffer().put((double[]) CpuBackend.data(h), h.offset(), n * hidden);
            openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                    openblas_nolapack.CblasTrans, n, width, hidden, 1.0, ad, hidden, wd, hidden, 0.0, cd, width);
            cd.asBuffer().get((double[]) CpuBackend.data(out), out.offset(), n * width);
        }
    }

    /** out rows 0..n-1 [n, H] = g rows first..first+n-1 [n, G*H] W; g may have any row stride, out is contiguous. */
    void times(NDArray g, int first, int n, NDArray out) {
        int ld = g.stridesRef()[0], start = g.offset() + first * ld;
        if (wf != null) {
            float[] src = (float[]) CpuBackend.data(g);
            FloatBuffer a = af.asBuffer();
            for (int r = 0; r < n; r++) a.put(src, start + r * ld, width);
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                    openblas_nolapack.CblasNoTrans, n, hidden, width, 1f, af, width, wf, hidden, 0f, cf, hidden);
            cf.asBuffer().get((float[]) CpuBackend.data(out), out.offset(), n * hidden);
        } else {
            double[] src = (double[]) CpuBackend.data(g);
            DoubleBuffer a = ad.asBuffer();
            for (int r = 0; r < n; r++) a.put(src, start + r * ld, width);
            openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                    openblas_nolapack.CblasNoTrans, n, hidden, width, 1.0, ad, width, wd, hidden, 0.0, cd, hidden);
            cd.asBuffer().get((double[]) CpuBackend.data(out), out.offset(), n * hidden);
        }
    }

    @Override
    public void close() {
        for (org.bytedeco.javacpp.Pointer p : new org.bytedeco.javacpp.Pointer[]{wf, af, cf, wd, ad, cd}) if (p != null) p.close();
    }
}
