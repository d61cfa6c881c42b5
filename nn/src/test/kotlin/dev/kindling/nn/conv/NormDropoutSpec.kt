package dev.kindling.nn.conv

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.nn.BatchNorm2d
import dev.kindling.nn.Dropout2d
import dev.kindling.nn.functional.F
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs
import kotlin.math.sqrt

/** BatchNorm2d against per-channel statistics computed by loops, and Dropout2d's whole-channel masks. */
class NormDropoutSpec : FunSpec({
    beforeTest { Random.manualSeed(14) }

    /** Per channel of [N, C, H, W]: mean and biased variance over N, H, W, by loops. */
    fun channelStats(x: Grid): Pair<DoubleArray, DoubleArray> {
        val (n, c, h, w) = x.shape
        val mean = DoubleArray(c); val variance = DoubleArray(c)
        for (ch in 0 until c) {
            var s = 0.0
            for (i in 0 until n) for (y in 0 until h) for (z in 0 until w) s += x[i, ch, y, z]
            mean[ch] = s / (n * h * w)
            var q = 0.0
            for (i in 0 until n) for (y in 0 until h) for (z in 0 until w) q += (x[i, ch, y, z] - mean[ch]) * (x[i, ch, y, z] - mean[ch])
            variance[ch] = q / (n * h * w)
        }
        return mean to variance
    }

    test("BatchNorm2d in training normalises each channel over batch and positions, then scales and shifts") {
        val bn = BatchNorm2d(3)
        bn.weight.detach().copy_(Tensor.of(floatArrayOf(1f, 2f, 0.5f)))
        bn.bias.detach().copy_(Tensor.of(floatArrayOf(0f, -1f, 3f)))
        val x = Tensor.randn(4, 3, 5, 6).mul(2.0).add(1.0)
        val g = x.grid()
        val (mean, variance) = channelStats(g)
        val expected = Grid(g.shape)
        val w = floatArrayOf(1f, 2f, 0.5f); val b = floatArrayOf(0f, -1f, 3f)
        for (i in 0 until 4) for (c in 0 until 3) for (y in 0 until 5) for (z in 0 until 6) {
            expected[i, c, y, z] = (g[i, c, y, z] - mean[c]) / sqrt(variance[c] + 1e-5) * w[c] + b[c]
        }
        bn.forward(x).shouldMatchGrid(expected, 1e-5)
        // Running stats: 0.9 * initial + 0.1 * batch statistics, the variance unbiased (n = 4 * 5 * 6).
        val n = 120.0
        bn.runningMean.toDoubleArray().zip(mean.toList()).all { (r, m) -> abs(r - 0.1 * m) < 1e-5 } shouldBe true
        bn.runningVar.toDoubleArray().zip(variance.toList()).all { (r, v) -> abs(r - (0.9 + 0.1 * v * n / (n - 1))) < 1e-5 } shouldBe true
        bn.numBatchesTracked.toLongArray().toList() shouldBe listOf(1L)
    }

    test("BatchNorm2d in eval mode normalises with the running statistics") {
        val bn = BatchNorm2d(2)
        bn.runningMean.detach().copy_(Tensor.of(floatArrayOf(1f, -2f)))
        bn.runningVar.detach().copy_(Tensor.of(floatArrayOf(4f, 0.25f)))
        bn.eval()
        val x = Tensor.randn(2, 2, 3, 3)
        val g = x.grid()
        val expected = Grid(g.shape)
        val m = doubleArrayOf(1.0, -2.0); val v = doubleArrayOf(4.0, 0.25)
        for (i in 0 until 2) for (c in 0 until 2) for (y in 0 until 3) for (z in 0 until 3) expected[i, c, y, z] = (g[i, c, y, z] - m[c]) / sqrt(v[c] + 1e-5)
        bn.forward(x).shouldMatchGrid(expected, 1e-5)
        bn.runningMean.toFloatArray().toList() shouldBe listOf(1f, -2f)
    }

    test("BatchNorm2d has PyTorch's state-dict keys and refuses other ranks or channel counts") {
        BatchNorm2d(4).stateDict().keys.toList() shouldBe listOf("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
        BatchNorm2d(4).toString() shouldBe "BatchNorm2d(4, eps=1.0E-5, momentum=0.1)"
        shouldThrow<IllegalArgumentException> { BatchNorm2d(4).forward(Tensor.zeros(2, 4, 3)) }.message shouldContain
            "BatchNorm2d: expects [N, 4, H, W], got [2, 4, 3]"
        shouldThrow<IllegalArgumentException> { BatchNorm2d(4).forward(Tensor.zeros(2, 3, 3, 3)) }.message shouldContain "[N, 4, H, W]"
    }

    test("Dropout2d zeroes whole channels, scales the kept ones by 1/(1-p), and passes gradients the same way") {
        val x = Tensor.rand(DType.FLOAT64, 8, 16, 3, 4).add(1.0).requiresGrad_(true)
        val y = Dropout2d(0.5).forward(x)
        val out = y.grid(); val input = x.grid()
        var dropped = 0
        for (i in 0 until 8) for (c in 0 until 16) {
            val ratios = (0 until 3).flatMap { a -> (0 until 4).map { b -> out[i, c, a, b] / input[i, c, a, b] } }
            val kept = ratios.first()
            (kept == 0.0 || abs(kept - 2.0) < 1e-12) shouldBe true
            ratios.all { it == kept } shouldBe true
            if (kept == 0.0) dropped++
        }
        (dropped in 32..96) shouldBe true   // about half of 128 channels
        y.sum().backward()
        val grad = x.grad()!!.grid()
        for (i in 0 until 8) for (c in 0 until 16) grad[i, c, 1, 2] shouldBe out[i, c, 1, 2] / input[i, c, 1, 2]
    }

    test("Dropout2d is the identity in eval mode and for p = 0; p = 1 zeroes everything") {
        val x = Tensor.randn(2, 3, 4, 4)
        val d = Dropout2d(0.3)
        d.eval()
        d.forward(x).toFloatArray().toList() shouldBe x.toFloatArray().toList()
        F.dropout2d(x, 0.0).toFloatArray().toList() shouldBe x.toFloatArray().toList()
        F.dropout2d(x, 1.0).toFloatArray().all { it == 0f } shouldBe true
        shouldThrow<IllegalArgumentException> { F.dropout2d(Tensor.zeros(3, 4), 0.5) }.message shouldContain "[N, C, H, W] or [N, C, L]"
    }
})
