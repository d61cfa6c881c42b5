package dev.kindling.benchmarks;

import dev.kindling.Random;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.nn.Linear;
import dev.kindling.nn.ReLU;
import dev.kindling.nn.Sequential;
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
    Tensor x, y;

    @Setup
    public void setup() {
        Random.manualSeed(1);
        model = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 512), new ReLU(), new Linear(512, 10));
        x = Tensor.rand(128, 784);
        y = Tensor.randint(0, 10, 128);
    }

    @Benchmark
    public double step() {
        model.zeroGrad();
        Tensor logits = model.forward(x);
        Tensor loss = logits.logSoftmax(1).gather(1, y.unsqueeze(1)).mean().neg();
        loss.backward();
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (Tensor p : model.parameters()) p.sub_(p.grad().mul(0.01));
        }
        return loss.item();
    }
}
