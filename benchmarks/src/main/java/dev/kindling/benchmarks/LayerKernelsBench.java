package dev.kindling.benchmarks;

import dev.kindling.Random;
import dev.kindling.autograd.Tensor;
import dev.kindling.nn.BatchNorm2d;
import dev.kindling.nn.Dropout;
import dev.kindling.nn.Embedding;
import dev.kindling.nn.LayerNorm;
import dev.kindling.nn.Linear;
import dev.kindling.nn.ReLU;
import dev.kindling.nn.Sequential;
import dev.kindling.nn.functional.F;
import dev.kindling.optim.Adam;
import dev.kindling.optim.Optimizer;
import dev.kindling.optim.RMSprop;
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
 * Forward + backward of the layers a model is built from, at sizes a model meets, and one step of two
 * optimizers: the kernels outside PERF.md's three training steps, where a slow generic path hides from
 * the harness (docs/benchmarks.md, "Layer kernels"). Each backward is seeded by a sum, whose own
 * backward is part of the time. Shapes: a language model's [35 * 32, 512] activations, [35, 32] token ids
 * into a 10000 x 256 embedding, a 1M-element GELU, a CNN's [32, 64, 32, 32] feature map, and the MLP's
 * 670k parameters.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Xmn1g", "-XX:+UseParallelGC"})
public class LayerKernelsBench {
    LayerNorm layerNorm;
    Dropout dropout;
    Embedding embedding;
    BatchNorm2d batchNorm;
    Tensor rows, ids, big, image;
    Optimizer adam, rmsprop;

    @Setup
    public void setup() {
        Random.manualSeed(1);
        layerNorm = new LayerNorm(512);
        dropout = new Dropout(0.1);
        embedding = new Embedding(10000, 256);
        batchNorm = new BatchNorm2d(64);
        rows = Tensor.randn(1120, 512).requiresGrad_(true);
        ids = Tensor.randint(0, 10000, 35, 32);
        big = Tensor.randn(1000, 1000).requiresGrad_(true);
        image = Tensor.randn(32, 64, 32, 32).requiresGrad_(true);
        Sequential mlp = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 512), new ReLU(), new Linear(512, 10));
        for (Tensor p : mlp.parameters()) p.setGrad(Tensor.rand(p.shape()));
        adam = new Adam(mlp.parameters(), 1e-3);
        rmsprop = new RMSprop(mlp.parameters());
    }

    /** Runs forward, seeds backward with a sum, and clears the input's gradient for the next call. */
    private static Tensor backward(Tensor out, Tensor input) {
        out.sum().backward();
        Tensor g = input.grad();
        input.setGrad(null);
        return g;
    }

    @Benchmark
    public Tensor layerNorm() { return backward(layerNorm.forward(rows), rows); }

    @Benchmark
    public Tensor dropout() { return backward(dropout.forward(rows), rows); }

    @Benchmark
    public Tensor embedding() {
        embedding.zeroGrad();
        embedding.forward(ids).sum().backward();
        return embedding.weight.grad();
    }

    @Benchmark
    public Tensor gelu() { return backward(F.gelu(big), big); }

    @Benchmark
    public Tensor batchNorm2d() { return backward(batchNorm.forward(image), image); }

    @Benchmark
    public void adamStep() { adam.step(); }

    @Benchmark
    public void rmspropStep() { rmsprop.step(); }
}
