package dev.kindling.benchmarks;

import dev.kindling.autograd.Tensor;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * PERF.md's matmul target: {@code Tensor.matmul} (allocating its output, as users call it) against raw
 * {@code cblas_sgemm} on off-heap memory with OpenBLAS's own threads, the physical limit, in the same
 * run. GFLOP/s = 2 n^3 / time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class MatmulBench {
    @Param({"1024"})
    int n;

    Tensor a, b, at;
    FloatPointer pa, pb, pc;

    @Setup
    public void setup(BenchmarkParams params) {
        dev.kindling.Random.manualSeed(1);
        a = Tensor.rand(n, n);
        b = Tensor.rand(n, n);
        at = Tensor.rand(n, n).t();
        // Kindling runs OpenBLAS single-threaded under its own threads; the raw reference gets OpenBLAS's
        // threads, one per core (JMH forks a JVM per benchmark, so this never leaks into Kindling's).
        a.matmul(b);
        if (params.getBenchmark().contains(".raw")) {
            openblas_nolapack.blas_set_num_threads(Runtime.getRuntime().availableProcessors());
        }
        pa = new FloatPointer(a.toFloatArray());
        pb = new FloatPointer(b.toFloatArray());
        pc = new FloatPointer((long) n * n);
    }

    @Benchmark
    public Tensor kindlingMatmul() { return a.matmul(b); }

    /** {@link #kindlingMatmul} with the operands staged through off-heap buffers instead of read in place (docs/storage.md). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dkindling.heapBlas=false")
    public Tensor kindlingMatmulStaged() { return a.matmul(b); }

    /** A transposed view goes to BLAS with its transpose flag, not copied. */
    @Benchmark
    public Tensor kindlingMatmulTransposed() { return at.matmul(b); }

    /** Raw sgemm with A read transposed, the reference for {@link #kindlingMatmulTransposed}. */
    @Benchmark
    public FloatPointer rawSgemmOffHeapTransA() {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasTrans,
                openblas_nolapack.CblasNoTrans, n, n, n, 1f, pa, n, pb, n, 0f, pc, n);
        return pc;
    }

    @Benchmark
    public FloatPointer rawSgemmOffHeap() {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, n, n, n, 1f, pa, n, pb, n, 0f, pc, n);
        return pc;
    }
}
