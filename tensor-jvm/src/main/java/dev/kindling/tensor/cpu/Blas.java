package dev.kindling.tensor.cpu;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Batched GEMM on OpenBLAS ({@link ThreadedGemm}). Storage is on the heap. Where the JNI library is there
 * ({@link HeapBlas}), OpenBLAS reads and writes the Java arrays themselves. Elsewhere JavaCPP would copy a whole
 * Java array in and out on every call it is passed to, so the elements the matrices hold are instead copied into
 * reusable per-thread off-heap buffers and BLAS gets pointers ({@link Staged}).
 * Transposed views are passed with BLAS's transpose flag and leading dimension instead of copied.
 * Products too small to repay the native call run in plain Java.
 */
final class Blas {
    /** Below this many multiply-adds a Java loop beats the JNI call and staging. */
    private static final long JAVA_GEMM_MAX_FLOPS = 16 * 16 * 16;

    private static final ThreadLocal<Staging> STAGING = ThreadLocal.withInitial(Staging::new);

    private Blas() {}

    /** out = a @ b for [batch, m, k] and [batch, k, n]; out is dense, fresh, and shares no storage with a or b. */
    static void matmul(NDArray a, NDArray b, NDArray out) {
        matmul(a, b, out, HeapBlas.AVAILABLE);
    }

    /** {@link #matmul(NDArray, NDArray, NDArray)} on the heap arrays or staged: tests compare the two. */
    static void matmul(NDArray a, NDArray b, NDArray out, boolean onHeap) {
        int batch = a.shapeRef()[0], m = a.shapeRef()[1], k = a.shapeRef()[2], n = b.shapeRef()[2];
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0) return; // out is already zero
        // Slabs write their part of C to the heap while others still read A and B from it.
        if (CpuBackend.data(out) == CpuBackend.data(a) || CpuBackend.data(out) == CpuBackend.data(b)) {
            throw new IllegalStateException("matmul: the result may not share storage with an operand");
        }
        if (!GemmOperand.blasReadable(a)) a = a.copy();
        if (!GemmOperand.blasReadable(b)) b = b.copy();
        if ((long) m * n * k <= JAVA_GEMM_MAX_FLOPS) {
            javaGemm(a, b, out);
            return;
        }
        Products p = onHeap ? new OnHeap(a, b, out) : new Staged(STAGING.get(), a, b, out);
        long macs = (long) m * n * k;
        if (batch == 1 || macs >= ThreadedGemm.MIN_SPLIT_MACS) {
            for (int i = 0; i < batch; i++) p.split(i);
            return;
        }
        // A batch of small products: each thread runs whole products.
        p.prepareWhole();
        // Parallel's unit of cost is one elementwise item; a multiply-add in a small GEMM is about an eighth of one.
        Parallel.forRange(batch, Math.max(1, macs / 8), (from, to) -> {
            for (long i = from; i < to; i++) p.whole((int) i);
        });
    }

    /** The products of one matmul, run one of two ways, over the operands both ways read. */
    private abstract static class Products {
        final GemmOperand a, b, c;
        final int m, n, k;
        /** The heap arrays behind a, b and out. */
        final Object ha, hb, hc;

        Products(NDArray a, NDArray b, NDArray out) {
            this.a = new GemmOperand(a);
            this.b = new GemmOperand(b);
            m = this.a.rows;
            k = this.a.cols;
            n = this.b.cols;
            c = GemmOperand.dense(out.offset(), m, n);
            ha = CpuBackend.data(a);
            hb = CpuBackend.data(b);
            hc = CpuBackend.data(out);
        }

        /** Product i, cut into slabs over the threads ({@link ThreadedGemm}). */
        abstract void split(int i);

        /** Called once before {@link #whole} runs the products of a batch on several threads. */
        abstract void prepareWhole();

        /** Product i whole, on the calling thread. */
        abstract void whole(int i);
    }

    /** Products on the Java arrays themselves ({@link HeapBlas}): nothing is copied. */
    private static final class OnHeap extends Products {
        OnHeap(NDArray a, NDArray b, NDArray out) { super(a, b, out); }

        @Override
        void split(int i) {
            ThreadedGemm.onHeap(a.transposed, b.transposed, m, n, k, ha, a.offset + i * a.batchStride, a.ld,
                    hb, b.offset + i * b.batchStride, b.ld, hc, c.offset + i * c.batchStride, n);
        }

        @Override
        void prepareWhole() {}

        @Override
        void whole(int i) {
            ThreadedGemm.onHeapHere(a.transposed, b.transposed, m, n, k, ha, a.offset + i * a.batchStride, a.ld,
                    hb, b.offset + i * b.batchStride, b.ld, hc, c.offset + i * c.batchStride, n);
        }
    }

    /**
     * One matmul's operands and their off-heap copies (float32 or float64). Staged element {@code e} of an
     * operand sits at {@code e - offset}, so its strides and BLAS leading dimension are the heap view's.
     * Which elements are copied when: the operand every slab shares, by the caller before the slabs start;
     * each slab's rows or columns of the other operand and of C, by the thread that computes that slab.
     */
    private static final class Staged extends Products {
        private final boolean single;
        private final Pointer pa, pb, pc;
        private final Buffer va, vb, vc;

        Staged(Staging s, NDArray a, NDArray b, NDArray out) {
            super(a, b, out);
            int batch = a.shapeRef()[0];
            single = out.dtype() == DType.FLOAT32;
            pa = s.buffer(single, 0, this.a.span(batch));
            pb = s.buffer(single, 1, this.b.span(batch));
            pc = s.buffer(single, 2, c.span(batch));
            va = s.view(single, 0);
            vb = s.view(single, 1);
            vc = s.view(single, 2);
        }

        /** Product i through {@link ThreadedGemm}: the shared operand staged here, the rest by the slabs. */
        @Override
        void split(int i) {
            GemmOperand shared = ThreadedGemm.splitsRows(m, n) ? b : a;
            // A broadcast operand is the same matrix for every i: staged once.
            if (i == 0 || shared.batchStride != 0) stage(shared, i);
            gemm(i, new ThreadedGemm.SlabCopies() {
                @Override
                public void in(boolean byRows, int lo, int hi) {
                    if (byRows) a.forEachRun(i, lo, hi, 0, k, copyIn(a));
                    else b.forEachRun(i, 0, k, lo, hi, copyIn(b));
                }

                @Override
                public void out(boolean byRows, int lo, int hi) {
                    if (byRows) c.forEachRun(i, lo, hi, 0, n, copyOut());
                    else c.forEachRun(i, 0, m, lo, hi, copyOut());
                }
            });
        }

        /** Stages the operands that are one matrix for the whole batch (batch stride 0): once, here. */
        @Override
        void prepareWhole() {
            if (a.batchStride == 0) stage(a, 0);
            if (b.batchStride == 0) stage(b, 0);
        }

        /** Product i whole, on the calling thread: its operands in, its C out. */
        @Override
        void whole(int i) {
            if (a.batchStride != 0) stage(a, i);
            if (b.batchStride != 0) stage(b, i);
            gemm(i, ThreadedGemm.SlabCopies.NONE);
            c.forEachRun(i, 0, m, 0, n, copyOut());
        }

        private void stage(GemmOperand o, int i) {
            o.forEachRun(i, 0, o.rows, 0, o.cols, copyIn(o));
        }

        /** Copies runs of o from the heap into its buffer. */
        private GemmOperand.Run copyIn(GemmOperand o) {
            return new Copy(o == a ? va : vb, o == a ? ha : hb, o.offset, false);
        }

        /** Copies runs of C from its buffer back to the heap. */
        private GemmOperand.Run copyOut() {
            return new Copy(vc, hc, c.offset, true);
        }

        /** Product i, cut into slabs over the threads, each running {@code copies} around its share. */
        private void gemm(int i, ThreadedGemm.SlabCopies copies) {
            long ao = (long) i * a.batchStride, bo = (long) i * b.batchStride, co = (long) i * c.batchStride;
            if (single) {
                ThreadedGemm.sgemm(a.transposed, b.transposed, m, n, k, (FloatPointer) pa, ao, a.ld, (FloatPointer) pb, bo, b.ld,
                        (FloatPointer) pc, co, n, copies);
            } else {
                ThreadedGemm.dgemm(a.transposed, b.transposed, m, n, k, (DoublePointer) pa, ao, a.ld, (DoublePointer) pb, bo, b.ld,
                        (DoublePointer) pc, co, n, copies);
            }
        }
    }

    /**
     * Runs of one matrix between its heap array (from {@code offset}) and its off-heap buffer, in one
     * direction. One final class for every copy, both ways and both types, so the call in
     * GemmOperand.forEachRun's loops always meets the same receiver: with a lambda per direction C2 had
     * speculated on one and recompiled the loops twice after failed speculation (~40 ms of compile time
     * in the peers' MLP window, -XX:+LogCompilation).
     */
    private static final class Copy implements GemmOperand.Run {
        private final FloatBuffer floats;
        private final DoubleBuffer doubles;
        private final Object heap;
        private final int offset;
        private final boolean toHeap;

        Copy(Buffer view, Object heap, int offset, boolean toHeap) {
            this.floats = view instanceof FloatBuffer f ? f : null;
            this.doubles = floats == null ? (DoubleBuffer) view : null;
            this.heap = heap;
            this.offset = offset;
            this.toHeap = toHeap;
        }

        @Override
        public void copy(int at, int count) {
            if (floats != null) {
                if (toHeap) floats.get(at, (float[]) heap, offset + at, count);
                else floats.put(at, (float[]) heap, offset + at, count);
            } else if (toHeap) {
                doubles.get(at, (double[]) heap, offset + at, count);
            } else {
                doubles.put(at, (double[]) heap, offset + at, count);
            }
        }
    }

    /** Small products: c[i][j] = sum_p a[i][p] b[p][j], any strides, accumulated in double. */
    private static void javaGemm(NDArray a, NDArray b, NDArray out) {
        int batch = a.shapeRef()[0], m = a.shapeRef()[1], k = a.shapeRef()[2], n = b.shapeRef()[2];
        int[] as = a.stridesRef(), bs = b.stridesRef();
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

    /**
     * Grow-only off-heap buffers, three per type (A, B, C), owned by one thread, each with a java.nio view
     * made once when it is allocated. Making a view per copy instead was a JNI call (NewDirectByteBuffer)
     * and two buffer objects each time: a per-image convolution makes three copies around each of the ~300
     * small products of a LeNet step, and the view-making code was about a quarter of the bytecode the C2
     * compile of {@link #matmul} inlined (-XX:+LogCompilation: 5190 bytes before, about 3700 after). The
     * slab threads share a view: they only use its absolute bulk get/put, on disjoint runs, which read the
     * view's address and limit and never change its state.
     */
    private static final class Staging {
        /** Slots 0-2 hold float32 A, B and C, slots 3-5 float64. */
        private final Pointer[] buffers = new Pointer[6];
        private final Buffer[] views = new Buffer[6];

        /** The A (0), B (1) or C (2) buffer of the type, grown to hold at least n elements. */
        Pointer buffer(boolean single, int slot, long n) {
            int i = index(single, slot);
            Pointer p = buffers[i];
            return p != null && p.capacity() >= n ? p.position(0) : grow(i, single, n);
        }

        /** The view of that buffer, as last sized by {@link #buffer}. */
        Buffer view(boolean single, int slot) {
            return views[index(single, slot)];
        }

        private static int index(boolean single, int slot) { return single ? slot : 3 + slot; }

        // Growing is a method of its own so that C2, seeing it called rarely, leaves JavaCPP's allocation
        // code out of the compiled matmul (it was a sixth of the bytecode inlined there).
        private Pointer grow(int i, boolean single, long n) {
            if (buffers[i] != null) buffers[i].close();
            Pointer p;
            if (single) {
                FloatPointer f = new FloatPointer(capacityFor(n));
                views[i] = f.asBuffer();
                p = f;
            } else {
                DoublePointer d = new DoublePointer(capacityFor(n));
                views[i] = d.asBuffer();
                p = d;
            }
            buffers[i] = p;
            return p;
        }

        /** A quarter more than asked, so a growing size does not reallocate on every call. */
        private static long capacityFor(long n) {
            return Math.max(n + (n >> 2), 4096);
        }
    }
}
