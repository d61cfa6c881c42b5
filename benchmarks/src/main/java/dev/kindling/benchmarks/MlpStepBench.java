package dev.kindling.benchmarks;

import dev.kindling.Random;
import dev.kindling.autograd.Tensor;
import dev.kindling.nn.Linear;
import dev.kindling.nn.ReLU;
import dev.kindling.nn.Sequential;
import dev.kindling.nn.functional.F;
import dev.kindling.optim.SGD;
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
 * PERF.md's MLP step, as ../shared/peers runs it on PyTorch: MLP 784-512-512-10 with ReLU, batch
 * 128, softmax cross-entropy, backward, SGD lr 0.01. Compare with the peers' {@code mlp_step} run
 * right before or after on the same machine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(1)
public class MlpStepBench {
    Sequential model;
    SGD sgd;
    Tensor x, y;

    @Setup
    public void setup() {
        Random.manualSeed(1);
        model = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 512), new ReLU(), new Linear(512, 10));
        sgd = new SGD(model.parameters(), 0.01);
        x = Tensor.rand(128, 784);
        y = Tensor.randint(0, 10, 128);
    }

    @Benchmark
    public double step() {
        model.zeroGrad();
        Tensor loss = F.crossEntropy(model.forward(x), y);
        loss.backward();
        sgd.step();
        return loss.item();
    }
}
