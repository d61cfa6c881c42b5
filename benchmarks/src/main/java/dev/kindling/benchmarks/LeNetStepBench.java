package dev.kindling.benchmarks;

import dev.kindling.Random;
import dev.kindling.autograd.Tensor;
import dev.kindling.nn.Conv2d;
import dev.kindling.nn.Flatten;
import dev.kindling.nn.Linear;
import dev.kindling.nn.MaxPool2d;
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
 * PERF.md's LeNet step, the peers' {@code conv_step} workload: Conv2d(1, 6, 5), ReLU, MaxPool2d(2),
 * Conv2d(6, 16, 5), ReLU, MaxPool2d(2), Flatten, Linear(256, 120), ReLU, Linear(120, 84), ReLU,
 * Linear(84, 10) on a batch of 64 28x28 images, F.crossEntropy, backward, SGD lr 0.01. Compare with
 * the peers' {@code conv_step} on PyTorch run right before or after on the same machine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(1)
public class LeNetStepBench {
    Sequential model;
    SGD sgd;
    Tensor x, y;

    @Setup
    public void setup() {
        Random.manualSeed(1);
        model = new Sequential(new Conv2d(1, 6, 5), new ReLU(), new MaxPool2d(2), new Conv2d(6, 16, 5), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(256, 120), new ReLU(), new Linear(120, 84), new ReLU(), new Linear(84, 10));
        sgd = new SGD(model.parameters(), 0.01);
        x = Tensor.rand(64, 1, 28, 28);
        y = Tensor.randint(0, 10, 64);
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
