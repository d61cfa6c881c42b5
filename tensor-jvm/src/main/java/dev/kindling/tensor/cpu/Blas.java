package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Batched GEMM on OpenBLAS ({@link ThreadedGemm}). Storage is on the heap, and JavaCPP copies a whole Java array in and out
 * on every call it is passed to, so each operand is instead copied once into a reusable per-thread
 * off-heap buffer (a memcpy of just the elements the matrices span) and BLAS gets pointers.
 * Transposed views are passed with BLAS's transpose flag and leading dimension instead of copied.
 * Products too small to repay the native call run in plain Java.
 */
final class Blas {
    /** Below this many multiply-adds a Java loop beats the JNI call and staging. */
    private static final long JAVA_GEMM_MAX_FLOPS = 16 * 16 * 16;

    private static final ThreadLocal<Staging> STAGING = ThreadLocal.withInitial(Staging::new);

    private Blas() {}

    /** One matrix operand of a batch: where its elements are and how BLAS should read them. */
    private static final class Operand {
        final int offset, batchStride, rowStride, colStride, rows, cols;
        final boolean transposed;
        final int ld;

        Operand(NDArray x) {
            int[] st = x.strides(), sh = x.shape();
            offset = x.offset();
            batchStride = st[0];
            rows = sh[1];
            cols = sh[2];
            rowStride = st[1];
            colStride = st[2];
            // Row-major with unit column stride, or column-major (a transposed view) with unit row stride.
            if (colStride == 1 || cols == 1) {
                transposed = false;
                ld = Math.max(rows == 1 ? cols : rowStride, Math.max(cols, 1));
            } else {
                transposed = true;
                ld = Math.max(cols == 1 ? rows : colStride, Math.max(rows, 1));
            }
        }

        /** BLAS can read this layout directly (no gather needed). */
        static boolean blasReadable(NDArray x) {
            int[] st = x.strides(), sh = x.shape();
            boolean rowMajor = (st[2] == 1 || sh[2] == 1) && (sh[1] == 1 || st[1] >= Math.max(sh[2], 1));
            boolean colMajor = (st[1] == 1 || sh[1] == 1) && (sh[2] == 1 || st[2] >= Math.max(sh[1], 1));
            return rowMajor || colMajor;
        }

        /** Elements from offset to the last one any batch touches. */
        int span(int batch) {
            if (rows == 0 || cols == 0) return 0;
            return (batch - 1) * batchStride + (rows - 1) * rowStride + (cols - 1) * colStride + 1;
        }
    }

    static void matmul(NDArray a, NDArray b, NDArray out) {
        int batch = a.shape()[0], m = a.shape()[1], k = a.shape()[2], n = b.shape()[2];
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0) return; // out is already zero
        if (!Operand.blasReadable(a)) a = a.copy();
        if (!Operand.blasReadable(b)) b = b.copy();
        if ((long) m * n * k <= JAVA_GEMM_MAX_FLOPS) {
            javaGemm(a, b, out);
            return;
        }
        Operand oa = new Operand(a), ob = new Operand(b);
        Staging s = STAGING.get();
        if (out.dtype() == DType.FLOAT32) {
            float[] ad = (float[]) ((CpuStorage) a.storage()).array;
            float[] bd = (float[]) ((CpuStorage) b.storage()).array;
            float[] cd = (float[]) ((CpuStorage) out.storage()).array;
            int sa = oa.span(batch), sb = ob.span(batch), sc = batch * m * n;
            FloatPointer pa = s.floats(0, sa), pb = s.floats(1, sb), pc = s.floats(2, sc);
            put(pa, ad, oa.offset, sa);
            put(pb, bd, ob.offset, sb);
            products(batch, (long) m * n * k, i -> ThreadedGemm.sgemm(oa.transposed, ob.transposed, m, n, k,
                    1f, pa, (long) i * oa.batchStride, oa.ld, pb, (long) i * ob.batchStride, ob.ld, 0f, pc, (long) i * m * n, n));
            pc.position(0).asBuffer().get(cd, out.offset(), sc);
        } else {
            double[] ad = (double[]) ((CpuStorage) a.storage()).array;
            double[] bd = (double[]) ((CpuStorage) b.storage()).array;
            double[] cd = (double[]) ((CpuStorage) out.storage()).array;
            int sa = oa.span(batch), sb = ob.span(batch), sc = batch * m * n;
            DoublePointer pa = s.doubles(0, sa), pb = s.doubles(1, sb), pc = s.doubles(2, sc);
            put(pa, ad, oa.offset, sa);
            put(pb, bd, ob.offset, sb);
            products(batch, (long) m * n * k, i -> ThreadedGemm.dgemm(oa.transposed, ob.transposed, m, n, k,
                    1.0, pa, (long) i * oa.batchStride, oa.ld, pb, (long) i * ob.batchStride, ob.ld, 0.0, pc, (long) i * m * n, n));
            pc.position(0).asBuffer().get(cd, out.offset(), sc);
        }
    }

    /**
     * Runs the batch's products: one after another when each is large enough for {@link ThreadedGemm}
     * to split, otherwise whole products spread over the threads.
     */
    private static void products(int batch, long macs, java.util.function.IntConsumer product) {
        if (batch == 1 || macs >= ThreadedGemm.MIN_SPLIT_MACS) {
            for (int i = 0; i < batch; i++) product.accept(i);
            return;
        }
        // Parallel's unit of cost is one elementwise item; a multiply-add in a small GEMM is about an eighth of one.
        Parallel.forRange(batch, Math.max(1, macs / 8), (from, to) -> {
            for (long i = from; i < to; i++) product.accept((int) i);
        });
    }

    /**
     * Copies n elements into the staging buffer on the calling thread: a copy is memory-bound, and when
     * it was split over cores (back when OpenBLAS ran its own spinning threads) the MLP step was slower,
     * 7.6 ms against 4.7 ms.
     */
    private static void put(FloatPointer p, float[] src, int offset, int n) {
        if (n > 0) p.position(0).asBuffer().put(src, offset, n);
    }

    private static void put(DoublePointer p, double[] src, int offset, int n) {
        if (n > 0) p.position(0).asBuffer().put(src, offset, n);
    }

    /** Small products: c[i][j] = sum_p a[i][p] b[p][j], any strides, accumulated in double. */
    private static void javaGemm(NDArray a, NDArray b, NDArray out) {
        int batch = a.shape()[0], m = a.shape()[1], k = a.shape()[2], n = b.shape()[2];
        int[] as = a.strides(), bs = b.strides();
        Buf ab = Buf.of(((CpuStorage) a.storage()).array), bb = Buf.of(((CpuStorage) b.storage()).array);
        Buf cb = Buf.of(((CpuStorage) out.storage()).array);
        int co = out.offset();
        for (int t = 0; t < batch; t++) {
            int ao = a.offset() + t * as[0], bo = b.offset() + t * bs[0];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) acc += ab.getD(ao + i * as[1] + p * as[2]) * bb.getD(bo + p * bs[1] + j * bs[2]);
                    cb.setD(co + (t * m + i) * n + j, acc);
                }
            }
        }
    }

    /** Grow-only off-heap buffers, three per type (A, B, C), owned by one thread. */
    private static final class Staging {
        private final FloatPointer[] floats = new FloatPointer[3];
        private final DoublePointer[] doubles = new DoublePointer[3];

        FloatPointer floats(int slot, long n) {
            FloatPointer p = floats[slot];
            if (p == null || p.capacity() < n) {
                if (p != null) p.close();
                p = new FloatPointer(grow(n));
                floats[slot] = p;
            }
            return p.position(0);
        }

        DoublePointer doubles(int slot, long n) {
            DoublePointer p = doubles[slot];
            if (p == null || p.capacity() < n) {
                if (p != null) p.close();
                p = new DoublePointer(grow(n));
                doubles[slot] = p;
            }
            return p.position(0);
        }

        private static long grow(long n) {
            return Math.max(n + (n >> 2), 4096);
        }
    }
}
