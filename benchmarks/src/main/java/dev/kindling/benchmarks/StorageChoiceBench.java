package dev.kindling.benchmarks;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import sun.misc.Unsafe;

/**
 * The measurement behind the storage decision (docs/storage.md): the same elementwise add over heap
 * {@code float[]} and over off-heap memory (direct buffer, Unsafe), and sgemm fed from each.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StorageChoiceBench {
    private static final Unsafe UNSAFE = unsafe();

    @Param({"1048576"})
    int n;

    float[] a, b, c;
    FloatBuffer da, db, dc;
    long ua, ub, uc;

    int m = 1024;
    float[] ma, mb, mc;
    FloatPointer pa, pb, pc;

    @Setup
    public void setup() {
        a = new float[n];
        b = new float[n];
        c = new float[n];
        da = direct(n);
        db = direct(n);
        dc = direct(n);
        ua = UNSAFE.allocateMemory(4L * n);
        ub = UNSAFE.allocateMemory(4L * n);
        uc = UNSAFE.allocateMemory(4L * n);
        for (int i = 0; i < n; i++) {
            a[i] = i * 0.5f;
            b[i] = i * 0.25f;
            da.put(i, a[i]);
            db.put(i, b[i]);
            UNSAFE.putFloat(ua + 4L * i, a[i]);
            UNSAFE.putFloat(ub + 4L * i, b[i]);
        }
        ma = new float[m * m];
        mb = new float[m * m];
        mc = new float[m * m];
        for (int i = 0; i < m * m; i++) {
            ma[i] = (i % 7) * 0.1f;
            mb[i] = (i % 5) * 0.2f;
        }
        pa = new FloatPointer(ma);
        pb = new FloatPointer(mb);
        pc = new FloatPointer((long) m * m);
    }

    private static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Benchmark
    public float[] addHeap() {
        float[] x = a, y = b, z = c;
        for (int i = 0; i < x.length; i++) z[i] = x[i] + y[i];
        return z;
    }

    @Benchmark
    public FloatBuffer addDirectBuffer() {
        FloatBuffer x = da, y = db, z = dc;
        for (int i = 0; i < n; i++) z.put(i, x.get(i) + y.get(i));
        return z;
    }

    @Benchmark
    public long addUnsafe() {
        long x = ua, y = ub, z = uc;
        for (long i = 0, end = 4L * n; i < end; i += 4) {
            UNSAFE.putFloat(z + i, UNSAFE.getFloat(x + i) + UNSAFE.getFloat(y + i));
        }
        return z;
    }

    /** Heap arrays handed straight to JavaCPP: it copies each whole array in and out. */
    @Benchmark
    public float[] sgemmHeapArrays() {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, m, m, m, 1f, ma, m, mb, m, 0f, mc, m);
        return mc;
    }

    /** Off-heap operands: JavaCPP passes the pointer. */
    @Benchmark
    public FloatPointer sgemmOffHeap() {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, m, m, m, 1f, pa, m, pb, m, 0f, pc, m);
        return pc;
    }

    /** Heap arrays staged through reused off-heap buffers: copy A and B in, C out. */
    @Benchmark
    public float[] sgemmHeapStaged() {
        pa.put(ma, 0, ma.length);
        pb.put(mb, 0, mb.length);
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, m, m, m, 1f, pa, m, pb, m, 0f, pc, m);
        pc.get(mc, 0, mc.length);
        return mc;
    }

    private static Unsafe unsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
