package dev.kindling.benchmarks;

import dev.kindling.Random;
import dev.kindling.autograd.Tensor;
import dev.kindling.nn.Linear;
import dev.kindling.nn.MultiheadAttention;
import dev.kindling.nn.Transformer;
import dev.kindling.nn.functional.F;
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
 * Self-attention forward + backward of a transformer-sized layer (batch 32, length 64, embedDim 256,
 * 8 heads, batchFirst), split so the run shows where the time goes: {@code mha} is the whole layer,
 * {@code projections} the four embedDim x embedDim linear layers it contains (the GEMM floor), and
 * {@code sdpa} the attention core alone on [N * heads, L, headDim] (scores, mask, softmax, weighted sum).
 * mha - projections ~ sdpa + reshapes; a fused attention kernel could only win back the sdpa share.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(1)
public class AttentionBench {
    static final int N = 32, L = 64, E = 256, HEADS = 8;

    @Param({"none", "causal"})
    public String mask;

    MultiheadAttention mha;
    Linear[] linears;
    Tensor x, q, k, v, causal;

    @Setup
    public void setup() {
        Random.manualSeed(1);
        mha = new MultiheadAttention(E, HEADS, new MultiheadAttention.Options().batchFirst(true));
        linears = new Linear[]{new Linear(E, E), new Linear(E, E), new Linear(E, E), new Linear(E, E)};
        x = Tensor.randn(N, L, E).requiresGrad_(true);
        q = Tensor.randn(N * HEADS, L, E / HEADS).requiresGrad_(true);
        k = Tensor.randn(N * HEADS, L, E / HEADS).requiresGrad_(true);
        v = Tensor.randn(N * HEADS, L, E / HEADS).requiresGrad_(true);
        causal = mask.equals("causal") ? Transformer.generateSquareSubsequentMask(L) : null;
    }

    @Benchmark
    public Tensor mha() {
        mha.zeroGrad();
        x.setGrad(null);
        mha.forward(x, x, x, null, false, causal, true, false).output().sum().backward();
        return x.grad();
    }

    @Benchmark
    public Tensor projections() {
        x.setGrad(null);
        Tensor sum = null;
        for (Linear l : linears) {
            l.zeroGrad();
            Tensor y = l.forward(x).sum();
            sum = sum == null ? y : sum.add(y);
        }
        sum.backward();
        return x.grad();
    }

    @Benchmark
    public Tensor sdpa() {
        q.setGrad(null);
        k.setGrad(null);
        v.setGrad(null);
        F.scaledDotProductAttention(q, k, v, causal == null ? null : causal, 0, false).sum().backward();
        return q.grad();
    }
}
