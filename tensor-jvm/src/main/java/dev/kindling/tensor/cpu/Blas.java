package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Batched GEMM on OpenBLAS ({@link ThreadedGemm}). Storage is on the heap, and JavaCPP copies a whole Java array in and out
 * on every call it is passed to, so the elements the matrices hold are instead copied into reusable per-thread
 * off-heap buffers and BLAS gets pointers. The threads that compute a product's slabs make most of those copies,
 * each for its own slab ({@link Staged}): one GEMM of the MLP step took 650 us this way against 710 us when the
 * caller copied everything before the product and C after it.
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

        private Operand(int offset, int batchStride, int rows, int cols) {
            this.offset = offset;
            this.batchStride = batchStride;
            this.rows = rows;
            this.cols = cols;
            rowStride = cols;
            colStride = 1;
            transposed = false;
            ld = Math.max(cols, 1);
        }

        /** A dense row-major batch of [rows, cols] matrices from offset: a product's C. */
        static Operand dense(int offset, int rows, int cols) {
            return new Operand(offset, rows * cols, rows, cols);
        }

        /** One stretch of consecutive elements: {@code count} of them, {@code at} elements past the offset. */
        @FunctionalInterface
        interface Run {
            void copy(int at, int count);
        }

        /** Calls run for each stretch of consecutive elements covering rows [r0, r1) x cols [c0, c1) of matrix i. */
        void forEachRun(int i, int r0, int r1, int c0, int c1, Run run) {
            int nr = r1 - r0, nc = c1 - c0;
            if (nr <= 0 || nc <= 0) return;
            int start = i * batchStride + r0 * rowStride + c0 * colStride;
            if ((colStride == 1 && (nr == 1 || rowStride == nc)) || (rowStride == 1 && (nc == 1 || colStride == nr))) {
                run.copy(start, nr * nc);
            } else if (colStride == 1) {
                for (int r = 0; r < nr; r++) run.copy(start + r * rowStride, nc);
            } else if (rowStride == 1) {
                for (int col = 0; col < nc; col++) run.copy(start + col * colStride, nr);
            } else { // a vector with a non-unit stride
                for (int r = 0; r < nr; r++) {
                    for (int col = 0; col < nc; col++) run.copy(start + r * rowStride + col * colStride, 1);
                }
            }
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
        Operand oa = new Operand(a), ob = new Operand(b), oc = Operand.dense(out.offset(), m, n);
        Staging s = STAGING.get();
        Staged p = out.dtype() == DType.FLOAT32
                ? new StagedFloats(s, oa, ob, oc, array(a), array(b), array(out), batch)
                : new StagedDoubles(s, oa, ob, oc, array(a), array(b), array(out), batch);
        long macs = (long) m * n * k;
        if (batch == 1 || macs >= ThreadedGemm.MIN_SPLIT_MACS) {
            for (int i = 0; i < batch; i++) p.split(i);
            return;
        }
        // A batch of small products: each thread runs whole products, copies and all. An operand
        // broadcast over the batch (batch stride 0) is one matrix, staged once here.
        p.stageBroadcasts();
        // Parallel's unit of cost is one elementwise item; a multiply-add in a small GEMM is about an eighth of one.
        Parallel.forRange(batch, Math.max(1, macs / 8), (from, to) -> {
            for (long i = from; i < to; i++) p.whole((int) i);
        });
    }

    private static Object array(NDArray x) {
        return ((CpuStorage) x.storage()).array;
    }

    /**
     * One matmul's operands and their off-heap copies. Staged element {@code e} of an operand sits at
     * {@code e - offset}, so its strides and BLAS leading dimension are the heap view's. Which elements
     * are copied when: the operand every slab shares, by the caller before the slabs start; each slab's
     * rows or columns of the other operand and of C, by the thread that computes that slab.
     */
    private abstract static class Staged {
        final Operand a, b, c;
        final int m, n, k;

        Staged(Operand a, Operand b, Operand c) {
            this.a = a;
            this.b = b;
            this.c = c;
            this.m = a.rows;
            this.k = a.cols;
            this.n = b.cols;
        }

        /**
         * Copies runs of {@code o} from the heap into its buffer. Each call makes one view of the buffer
         * for the runs it is given: slabs on several threads fill one buffer, and a view is a JNI call.
         */
        abstract Operand.Run in(Operand o);

        /** Copies runs of C from its buffer back to the heap. */
        abstract Operand.Run out();

        /** Product i, cut into slabs over the threads, each running {@code copies} around its share. */
        abstract void gemm(int i, ThreadedGemm.SlabCopies copies);

        /** Product i through {@link ThreadedGemm}: the shared operand staged here, the rest by the slabs. */
        void split(int i) {
            Operand shared = ThreadedGemm.splitsRows(m, n) ? b : a;
            // A broadcast operand is the same matrix for every i: staged once.
            if (i == 0 || shared.batchStride != 0) stage(shared, i);
            gemm(i, new ThreadedGemm.SlabCopies() {
                @Override
                public void in(boolean byRows, int lo, int hi) {
                    if (byRows) a.forEachRun(i, lo, hi, 0, k, Staged.this.in(a));
                    else b.forEachRun(i, 0, k, lo, hi, Staged.this.in(b));
                }

                @Override
                public void out(boolean byRows, int lo, int hi) {
                    if (byRows) c.forEachRun(i, lo, hi, 0, n, Staged.this.out());
                    else c.forEachRun(i, 0, m, lo, hi, Staged.this.out());
                }
            });
        }

        /** Stages the operands that are one matrix for the whole batch. */
        void stageBroadcasts() {
            if (a.batchStride == 0) stage(a, 0);
            if (b.batchStride == 0) stage(b, 0);
        }

        /** Product i whole, on the calling thread: its operands in, its C out. */
        void whole(int i) {
            if (a.batchStride != 0) stage(a, i);
            if (b.batchStride != 0) stage(b, i);
            gemm(i, NO_COPIES);
            c.forEachRun(i, 0, m, 0, n, out());
        }

        private void stage(Operand o, int i) {
            o.forEachRun(i, 0, o.rows, 0, o.cols, in(o));
        }

        /** For a product whose copies are made around it, not by its slabs. */
        private static final ThreadedGemm.SlabCopies NO_COPIES = new ThreadedGemm.SlabCopies() {
            @Override
            public void in(boolean byRows, int lo, int hi) {}

            @Override
            public void out(boolean byRows, int lo, int hi) {}
        };
    }

    private static final class StagedFloats extends Staged {
        private final float[] ha, hb, hc;
        private final FloatPointer pa, pb, pc;

        StagedFloats(Staging s, Operand a, Operand b, Operand c, Object ha, Object hb, Object hc, int batch) {
            super(a, b, c);
            this.ha = (float[]) ha;
            this.hb = (float[]) hb;
            this.hc = (float[]) hc;
            pa = s.floats(0, a.span(batch));
            pb = s.floats(1, b.span(batch));
            pc = s.floats(2, c.span(batch));
        }

        @Override
        Operand.Run in(Operand o) {
            FloatBuffer to = (o == a ? pa : pb).asBuffer();
            float[] from = o == a ? ha : hb;
            return (at, count) -> to.put(at, from, o.offset + at, count);
        }

        @Override
        Operand.Run out() {
            FloatBuffer from = pc.asBuffer();
            return (at, count) -> from.get(at, hc, c.offset + at, count);
        }

        @Override
        void gemm(int i, ThreadedGemm.SlabCopies copies) {
            ThreadedGemm.sgemm(a.transposed, b.transposed, m, n, k, pa, (long) i * a.batchStride, a.ld,
                    pb, (long) i * b.batchStride, b.ld, pc, (long) i * c.batchStride, n, copies);
        }
    }

    /** The float64 twin of {@link StagedFloats}. */
    private static final class StagedDoubles extends Staged {
        private final double[] ha, hb, hc;
        private final DoublePointer pa, pb, pc;

        StagedDoubles(Staging s, Operand a, Operand b, Operand c, Object ha, Object hb, Object hc, int batch) {
            super(a, b, c);
            this.ha = (double[]) ha;
            this.hb = (double[]) hb;
            this.hc = (double[]) hc;
            pa = s.doubles(0, a.span(batch));
            pb = s.doubles(1, b.span(batch));
            pc = s.doubles(2, c.span(batch));
        }

        @Override
        Operand.Run in(Operand o) {
            DoubleBuffer to = (o == a ? pa : pb).asBuffer();
            double[] from = o == a ? ha : hb;
            return (at, count) -> to.put(at, from, o.offset + at, count);
        }

        @Override
        Operand.Run out() {
            DoubleBuffer from = pc.asBuffer();
            return (at, count) -> from.get(at, hc, c.offset + at, count);
        }

        @Override
        void gemm(int i, ThreadedGemm.SlabCopies copies) {
            ThreadedGemm.dgemm(a.transposed, b.transposed, m, n, k, pa, (long) i * a.batchStride, a.ld,
                    pb, (long) i * b.batchStride, b.ld, pc, (long) i * c.batchStride, n, copies);
        }
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
