package dev.kindling.benchmarks;

import dev.kindling.autograd.Tensor;
import java.util.concurrent.TimeUnit;
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

/**
 * Cost per backward node on tiny tensors: a chain of {@code ops} recorded ops on float32 [4]
 * (alternating mul, which saves both inputs, and add, which saves nothing), forward only and forward
 * plus backward. Per node backward = (forwardBackward - forward) / (ops + 1), the +1 being the final sum.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class BackwardBench {
    @Param({"100"})
    int ops;

    Tensor x, w;

    @Setup
    public void setup() {
        x = Tensor.of(new float[]{0.1f, 0.2f, 0.3f, 0.4f}, 4).requiresGrad_(true);
        w = Tensor.of(new float[]{1.0f, 0.9f, 1.1f, 1.0f}, 4).requiresGrad_(true);
    }

    private Tensor chain() {
        Tensor y = x;
        for (int i = 0; i < ops; i++) y = (i & 1) == 0 ? y.mul(w) : y.add(x);
        return y.sum();
    }

    @Benchmark
    public Tensor forward() { return chain(); }

    @Benchmark
    public Tensor forwardBackward() {
        Tensor loss = chain();
        loss.backward();
        x.setGrad(null);
        w.setGrad(null);
        return loss;
    }
}
