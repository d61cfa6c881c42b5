package dev.kindling.tensor.cpu;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Row-major GEMM, C = op(A) op(B), on single-threaded OpenBLAS with the product split over
 * {@link Parallel}'s threads: C's rows (or columns, when it is wider than tall) are cut into one slab
 * per thread, and each slab is one OpenBLAS call on offsets into the same operands.
 *
 * <p>Why not OpenBLAS's own threads: they busy-wait for each other with a static split of the work, so
 * when anything else wants the cores (another process, or Kindling's pool on the next elementwise op)
 * a GEMM waits for a descheduled thread. On a loaded 2-core machine an LSTM step took 450-770 ms with
 * OpenBLAS threads and 45-60 ms with one. Slabs are claimed ({@link Parallel#forRange}): a thread that
 * has not started leaves its slab to the caller instead of making it wait. The price is that each slab
 * packs the shared operand again, a few percent on a large square product.
 */
final class ThreadedGemm {
    /** A slab below this many multiply-adds (~50 us on one core) does not repay waking a thread. */
    private static final long MIN_SLAB_MACS = 1L << 22;
    /** Products at least this large are split in two or more slabs. */
    static final long MIN_SPLIT_MACS = 2 * MIN_SLAB_MACS;
    /** Slab edges fall on multiples of the micro-kernel's tile, so no slab ends in a ragged tile. */
    private static final int ALIGN = 16;

    private ThreadedGemm() {}

    /** One slab's product: C[rows, cols] at cOff from A at aOff and B at bOff. */
    private interface Slab {
        void run(long aOff, long bOff, long cOff, int rows, int cols);
    }

    /**
     * Moves one slab's share of the operands between the heap and the off-heap buffers BLAS reads, on
     * the thread that computes the slab: its rows (or columns) [lo, hi) of the split operand before the
     * product and of C after it. Copying there puts the copies on every core instead of the caller
     * alone, and C is copied out while it is still in that core's cache.
     */
    interface SlabCopies {
        void in(boolean byRows, int lo, int hi);

        void out(boolean byRows, int lo, int hi);

        /** For products whose operands need no copies, or whose copies are made around them. */
        SlabCopies NONE = new SlabCopies() {
            @Override
            public void in(boolean byRows, int lo, int hi) {}

            @Override
            public void out(boolean byRows, int lo, int hi) {}
        };
    }

    /**
     * True when a product is cut by rows of C (A is split, B shared by every slab), false when by
     * columns (B split, A shared). The caller stages the shared operand before the slabs start.
     */
    static boolean splitsRows(int m, int n) {
        return m >= n;
    }

    /**
     * C (ldc) = op(A) op(B); op transposes where ta/tb; offsets are in elements. Each slab runs
     * {@code copies} around its product, on its own thread.
     */
    static void sgemm(boolean ta, boolean tb, int m, int n, int k, FloatPointer a, long aOff, int lda,
                      FloatPointer b, long bOff, int ldb, FloatPointer c, long cOff, int ldc, SlabCopies copies) {
        split(ta, tb, m, n, k, lda, ldb, ldc, copies, (ao, bo, co, rows, cols) -> openblas_nolapack.cblas_sgemm(
                openblas_nolapack.CblasRowMajor, flag(ta), flag(tb), rows, cols, k,
                1f, at(a, aOff + ao), lda, at(b, bOff + bo), ldb, 0f, at(c, cOff + co), ldc));
    }

    /** The float64 twin of {@link #sgemm}. */
    static void dgemm(boolean ta, boolean tb, int m, int n, int k, DoublePointer a, long aOff, int lda,
                      DoublePointer b, long bOff, int ldb, DoublePointer c, long cOff, int ldc, SlabCopies copies) {
        split(ta, tb, m, n, k, lda, ldb, ldc, copies, (ao, bo, co, rows, cols) -> openblas_nolapack.cblas_dgemm(
                openblas_nolapack.CblasRowMajor, flag(ta), flag(tb), rows, cols, k,
                1.0, at(a, aOff + ao), lda, at(b, bOff + bo), ldb, 0.0, at(c, cOff + co), ldc));
    }

    /**
     * C (ldc, from cOff) = op(A) op(B) on the Java arrays themselves ({@link HeapBlas}: float[] or double[], all
     * three the same), cut into slabs as {@link #sgemm} cuts them; nothing is copied.
     */
    static void onHeap(boolean ta, boolean tb, int m, int n, int k, Object a, int aOff, int lda,
                       Object b, int bOff, int ldb, Object c, int cOff, int ldc) {
        split(ta, tb, m, n, k, lda, ldb, ldc, SlabCopies.NONE, (ao, bo, co, rows, cols) -> HeapBlas.gemm(
                ta, tb, rows, cols, k, a, aOff + (int) ao, lda, b, bOff + (int) bo, ldb, c, cOff + (int) co, ldc));
    }

    /**
     * One product on the Java arrays ({@link #onHeap}), whole, on the calling thread. It goes through this
     * class, not straight to {@link HeapBlas}, so that this class's initialiser has made OpenBLAS single-threaded.
     */
    static void onHeapHere(boolean ta, boolean tb, int m, int n, int k, Object a, int aOff, int lda,
                           Object b, int bOff, int ldb, Object c, int cOff, int ldc) {
        HeapBlas.gemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }

    /**
     * One OpenBLAS call on the calling thread, for callers that split the work over the threads
     * themselves ({@link RecurrentSlabs}): no slabs, no pool.
     */
    static void sgemmHere(boolean ta, boolean tb, int m, int n, int k, FloatPointer a, int lda, FloatPointer b, int ldb,
                          FloatPointer c, int ldc) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, flag(ta), flag(tb), m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc);
    }

    /** The float64 twin of {@link #sgemmHere}. */
    static void dgemmHere(boolean ta, boolean tb, int m, int n, int k, DoublePointer a, int lda, DoublePointer b, int ldb,
                          DoublePointer c, int ldc) {
        openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, flag(ta), flag(tb), m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
    }

    private static void split(boolean ta, boolean tb, int m, int n, int k, int lda, int ldb, int ldc, SlabCopies copies, Slab slab) {
        boolean byRows = splitsRows(m, n);
        int extent = byRows ? m : n;
        long slabs = Math.min(Math.min(Parallel.threads(), (long) m * n * k / MIN_SLAB_MACS), extent / ALIGN);
        if (slabs <= 1) {
            copies.in(byRows, 0, extent);
            slab.run(0, 0, 0, m, n);
            copies.out(byRows, 0, extent);
            return;
        }
        int count = (int) slabs, tiles = (extent + ALIGN - 1) / ALIGN;
        Parallel.forRange(count, Long.MAX_VALUE / count, (from, to) -> {
            for (long s = from; s < to; s++) {
                int lo = (int) (tiles * s / count) * ALIGN, hi = Math.min(extent, (int) (tiles * (s + 1) / count) * ALIGN);
                copies.in(byRows, lo, hi);
                if (byRows) slab.run(ta ? lo : (long) lo * lda, 0, (long) lo * ldc, hi - lo, n);
                else slab.run(0, tb ? (long) lo * ldb : lo, lo, m, hi - lo);
                copies.out(byRows, lo, hi);
            }
        });
    }

    private static int flag(boolean transposed) {
        return transposed ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
    }

    /**
     * p moved on by index elements: a new pointer, as p is shared with the other slabs, except at index 0,
     * where p itself will do (nothing moves p while the slabs run, and the native call only reads its
     * address and position). That spares a per-image convolution's small products three pointer copies
     * each, and JavaCPP gives each copy of a pointer that owns its memory a deallocator of its own (a
     * PhantomReference).
     */
    private static FloatPointer at(FloatPointer p, long index) {
        return index == 0 ? p : new FloatPointer(p).position(p.position() + index);
    }

    private static DoublePointer at(DoublePointer p, long index) {
        return index == 0 ? p : new DoublePointer(p).position(p.position() + index);
    }

    static {
        // Fail at first use with the cause, not with a bare UnsatisfiedLinkError deep in a kernel.
        try {
            org.bytedeco.javacpp.Loader.load(openblas_nolapack.class);
        } catch (LinkageError e) {
            throw new IllegalStateException("OpenBLAS natives could not be loaded on "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                    + ": check that org.bytedeco:openblas with this platform's classifier is on the class path", e);
        }
        openblas_nolapack.blas_set_num_threads(1);
    }
}
