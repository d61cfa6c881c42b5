package dev.kindling.benchmarks;

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
 * Per-op overhead on tiny tensors: one add of two float32 [4] tensors (PERF.md's small-op row), with
 * recording off (inputs do not require grad) and on (both inputs require grad, so each add records a
 * node), beside a plain Java loop over float[4] as the floor.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class SmallOpBench {
    Tensor a, b, ra, rb;
    float[] fa, fb;

    @Setup
    public void setup() {
        fa = new float[]{1, 2, 3, 4};
        fb = new float[]{5, 6, 7, 8};
        a = Tensor.of(fa.clone(), 4);
        b = Tensor.of(fb.clone(), 4);
        ra = Tensor.of(fa.clone(), 4).requiresGrad_(true);
        rb = Tensor.of(fb.clone(), 4).requiresGrad_(true);
    }

    @Benchmark
    public Tensor addFloat4() { return a.add(b); }

    @Benchmark
    public Tensor addFloat4Recording() { return ra.add(rb); }

    @Benchmark
    public float[] plainLoopFloat4() {
        float[] out = new float[4];
        for (int i = 0; i < 4; i++) out[i] = fa[i] + fb[i];
        return out;
    }
}
