package dev.kindling.benchmarks;

import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * PERF.md's elementwise targets over 1M contiguous float32 values: add/mul/relu against a plain Java
 * loop over float[] (target: within 1.2x), and exp/tanh/sigmoid against Kindling's own add (within 5x).
 * Kindling's ops allocate their output as users' code does; so does the reference loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class ElementwiseBench {
    static final int N = 1 << 20;

    Tensor x, y;
    float[] xa, ya;
    GradMode.Scope noGrad;

    @Setup
    public void setup() {
        dev.kindling.Random.manualSeed(1);
        x = Tensor.randn(N);
        y = Tensor.randn(N);
        xa = x.toFloatArray();
        ya = y.toFloatArray();
        noGrad = GradMode.noGrad();
    }

    @Benchmark
    public float[] plainLoopAdd() {
        float[] a = xa, b = ya, o = new float[N];
        for (int i = 0; i < N; i++) o[i] = a[i] + b[i];
        return o;
    }

    @Benchmark
    public float[] plainLoopMul() {
        float[] a = xa, b = ya, o = new float[N];
        for (int i = 0; i < N; i++) o[i] = a[i] * b[i];
        return o;
    }

    @Benchmark
    public float[] plainLoopRelu() {
        float[] a = xa, o = new float[N];
        for (int i = 0; i < N; i++) o[i] = Math.max(a[i], 0f);
        return o;
    }

    @Benchmark
    public float[] plainLoopExp() {
        float[] a = xa, o = new float[N];
        for (int i = 0; i < N; i++) o[i] = (float) Math.exp(a[i]);
        return o;
    }

    @Benchmark
    public Tensor add() { return x.add(y); }

    @Benchmark
    public Tensor mul() { return x.mul(y); }

    @Benchmark
    public Tensor relu() { return x.relu(); }

    @Benchmark
    public Tensor exp() { return x.exp(); }

    @Benchmark
    public Tensor tanh() { return x.tanh(); }

    @Benchmark
    public Tensor sigmoid() { return x.sigmoid(); }

    @Benchmark
    public Tensor sum() { return x.sum(); }
}
