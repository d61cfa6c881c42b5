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
 * The four large products of the MLP step (784-512-512-10, batch 128), as the step computes them: the
 * forward {@code x W1^T}, the weight gradients {@code dY^T x} and {@code dY^T h}, and the input gradient
 * {@code dY W2}. Each against raw {@code cblas_sgemm} on off-heap memory with OpenBLAS's own threads, so
 * the difference is what staging, slab splitting and allocating the result cost.
 *
 * <p>{@code product} reads {@code FLAGS:MxKxN}: C[M, N] = op(A)[M, K] op(B)[K, N], with T where the
 * operand is a transposed view.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class TrainingProductsBench {
    @Param({"NT:128x784x512", "TN:512x128x784", "NN:128x512x512", "TN:512x128x512"})
    String product;

    Tensor a, b;
    boolean ta, tb;
    int m, k, n;
    FloatPointer pa, pb, pc;

    @Setup
    public void setup(BenchmarkParams params) {
        dev.kindling.Random.manualSeed(1);
        String[] parts = product.split(":"), dims = parts[1].split("x");
        ta = parts[0].charAt(0) == 'T';
        tb = parts[0].charAt(1) == 'T';
        m = Integer.parseInt(dims[0]);
        k = Integer.parseInt(dims[1]);
        n = Integer.parseInt(dims[2]);
        // A transposed operand is the transpose of a contiguous tensor, as w.t() in a linear layer is.
        Tensor aStored = ta ? Tensor.rand(k, m) : Tensor.rand(m, k), bStored = tb ? Tensor.rand(n, k) : Tensor.rand(k, n);
        a = ta ? aStored.t() : aStored;
        b = tb ? bStored.t() : bStored;
        a.matmul(b);
        if (params.getBenchmark().contains(".raw")) {
            openblas_nolapack.blas_set_num_threads(Runtime.getRuntime().availableProcessors());
        }
        pa = new FloatPointer(aStored.toFloatArray());
        pb = new FloatPointer(bStored.toFloatArray());
        pc = new FloatPointer((long) m * n);
    }

    @Benchmark
    public Tensor kindling() { return a.matmul(b); }

    @Benchmark
    public FloatPointer rawSgemmOffHeap() {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, flag(ta), flag(tb), m, n, k,
                1f, pa, ta ? m : k, pb, tb ? k : n, 0f, pc, n);
        return pc;
    }

    private static int flag(boolean transposed) {
        return transposed ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
    }
}
