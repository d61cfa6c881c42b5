package dev.kindling.tensor.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * OpenBLAS's GEMM on the Java arrays themselves, through JNI critical access (src/main/native/heap_blas.c):
 * no operand is copied. Staging the operands through off-heap buffers instead ({@link Blas}) costs a copy of
 * every element of A, B and C per product, 12-20% of the MLP step's products and a 1024² product's 12.2 ms
 * against 11.3 (docs/storage.md). While a product runs, the garbage collector waits for it, as it may not move
 * arrays native code is reading.
 *
 * <p>The library is built with the module when a C compiler and JNI headers are there (Linux x86-64), and
 * shipped inside the jar. Without it, on a JVM other than HotSpot, or with {@code -Dkindling.heapBlas=false},
 * {@link #AVAILABLE} is false and {@link Blas} stages: the same results, slower. HotSpot only, because the slabs
 * of a split product write one C array from several threads, each in its own critical region: HotSpot hands
 * each the array itself, while a JVM that may hand out copies (OpenJ9) would write each whole copy back over
 * the other slabs' results. For the same reason a JVM found handing out a copy at load (HotSpot with
 * -Xcheck:jni) stages too. Every call checks that its offsets and leading dimensions stay inside the arrays,
 * as native code reading past one would crash the JVM rather than throw.
 */
final class HeapBlas {
    /** True when products can run on the heap arrays; {@link #status()} says why not otherwise. */
    static final boolean AVAILABLE;
    private static final String STATUS;
    private static final long SGEMM, DGEMM;

    private static final String RESOURCE = "/dev/kindling/tensor/cpu/native/linux-x86_64/libkindling_heapblas.so";

    private HeapBlas() {}

    /** "on the heap arrays", or why products are staged instead. */
    static String status() { return STATUS; }

    /**
     * C (ldc, from cOff) = op(A) op(B) for row-major float32 matrices: op(A) is [m, k], op(B) [k, n], and op
     * transposes where ta or tb is set. Offsets and leading dimensions are in elements.
     */
    static void sgemm(boolean ta, boolean tb, int m, int n, int k, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        checkExtents(ta, tb, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        requireAvailable();
        gemm0(SGEMM, false, ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }

    /** {@link #sgemm} or {@link #dgemm} as the arrays are float[] or double[] (all three the same). */
    static void gemm(boolean ta, boolean tb, int m, int n, int k, Object a, int aOff, int lda,
                     Object b, int bOff, int ldb, Object c, int cOff, int ldc) {
        if (a instanceof float[] fa) sgemm(ta, tb, m, n, k, fa, aOff, lda, (float[]) b, bOff, ldb, (float[]) c, cOff, ldc);
        else dgemm(ta, tb, m, n, k, (double[]) a, aOff, lda, (double[]) b, bOff, ldb, (double[]) c, cOff, ldc);
    }

    /** The float64 twin of {@link #sgemm}. */
    static void dgemm(boolean ta, boolean tb, int m, int n, int k, double[] a, int aOff, int lda,
                      double[] b, int bOff, int ldb, double[] c, int cOff, int ldc) {
        checkExtents(ta, tb, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        requireAvailable();
        gemm0(DGEMM, true, ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    }

    private static void requireAvailable() {
        if (!AVAILABLE) throw new IllegalStateException("heap GEMM called while unavailable: " + STATUS);
    }

    /** Refuses, before any native code runs, a call that would read or write outside one of the arrays. */
    static void checkExtents(boolean ta, boolean tb, int m, int n, int k, int aLength, int aOff, int lda,
                             int bLength, int bOff, int ldb, int cLength, int cOff, int ldc) {
        if (m <= 0 || n <= 0 || k <= 0) {
            throw new IllegalStateException("heap GEMM: empty product m=" + m + " n=" + n + " k=" + k + " reached native code");
        }
        checkMatrix("A", ta ? k : m, ta ? m : k, aLength, aOff, lda, m, n, k);
        checkMatrix("B", tb ? n : k, tb ? k : n, bLength, bOff, ldb, m, n, k);
        checkMatrix("C", m, n, cLength, cOff, ldc, m, n, k);
    }

    /** A stored [rows, cols] row-major with leading dimension ld from off must lie inside length elements. */
    private static void checkMatrix(String name, int rows, int cols, int length, int off, int ld, int m, int n, int k) {
        long last = off + (long) (rows - 1) * ld + cols;
        if (off < 0 || ld < cols || last > length) {
            throw new IllegalStateException("heap GEMM (m=" + m + ", n=" + n + ", k=" + k + "): " + name + " stored as ["
                    + rows + ", " + cols + "] with leading dimension " + ld + " from offset " + off
                    + " does not fit its array of " + length + " elements");
        }
    }

    private static native boolean copiesArrays0(float[] probe);

    /** The GEMM at fn (cblas_sgemm, or cblas_dgemm when doubles) on a, b and c: float[] or double[], all three alike. */
    private static native void gemm0(long fn, boolean doubles, boolean ta, boolean tb, int m, int n, int k, Object a, int aOff,
                                     int lda, Object b, int bOff, int ldb, Object c, int cOff, int ldc);

    static {
        String status;
        long s = 0, d = 0;
        try {
            status = load();
            if (status == null && copiesArrays0(new float[16])) {
                status = "this JVM hands native code copies of arrays (as HotSpot does under -Xcheck:jni), which the slabs of a split product would write back over each other";
            }
            if (status == null) {
                s = address("cblas_sgemm");
                d = address("cblas_dgemm");
            }
        } catch (IOException | LinkageError | RuntimeException e) {
            status = "the heap GEMM library did not load (" + e + ")";
        }
        SGEMM = s;
        DGEMM = d;
        AVAILABLE = status == null;
        STATUS = status == null ? "on the heap arrays" : status;
    }

    /** Loads the library; null when loaded, else why not. */
    private static String load() throws IOException {
        if (!Boolean.parseBoolean(System.getProperty("kindling.heapBlas", "true"))) return "turned off by -Dkindling.heapBlas=false";
        if (!System.getProperty("os.name", "").startsWith("Linux") || !System.getProperty("os.arch", "").equals("amd64")) {
            return "no heap GEMM library for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        }
        String vm = System.getProperty("java.vm.name", "");
        if (!(vm.contains("HotSpot") || vm.startsWith("OpenJDK") || vm.contains("GraalVM"))) {
            return "the JVM (" + vm + ") is not HotSpot, which alone is known to hand native code the arrays themselves";
        }
        try (InputStream in = HeapBlas.class.getResourceAsStream(RESOURCE)) {
            if (in == null) return "this build has no heap GEMM library (no C compiler when tensor-jvm was built)";
            // The library is loaded from a private copy, removed at once: Linux keeps a loaded file mapped.
            Path file = Files.createTempFile("kindling-heapblas", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            } finally {
                Files.deleteIfExists(file);
            }
        }
        Loader.load(openblas_nolapack.class);
        return null;
    }

    /** The address of an OpenBLAS entry point in the library JavaCPP loaded. */
    private static long address(String symbol) {
        Pointer p = Loader.addressof(symbol);
        if (p == null || p.isNull()) throw new UnsatisfiedLinkError(symbol + " not found in the loaded OpenBLAS");
        return p.address();
    }
}
