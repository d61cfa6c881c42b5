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

/** Per-op overhead on tiny tensors: one add of two float32 [4] tensors (PERF.md's small-op row). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class SmallOpBench {
    Tensor a, b;

    @Setup
    public void setup() {
        a = Tensor.of(new float[]{1, 2, 3, 4}, 4);
        b = Tensor.of(new float[]{5, 6, 7, 8}, 4);
    }

    @Benchmark
    public Tensor addFloat4() { return a.add(b); }
}
