package dev.kindling.nn

import dev.kindling.Random
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.GradMode
import dev.kindling.autograd.Tensor
import dev.kindling.nn.functional.F
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs
import kotlin.math.exp
import kotlin.math.sqrt
import kotlin.math.tanh

/**
 * Layers and activations against references written with plain loops over DoubleArrays (row-major),
 * and gradcheck of their functional forms in float64.
 */
class LayersSpec : FunSpec({
    beforeTest { Random.manualSeed(5) }

    fun f64(vararg shape: Int) = Tensor.randn(DType.FLOAT64, *shape)
    fun leaf(vararg shape: Int) = f64(*shape).requiresGrad_(true)
    fun close(actual: DoubleArray, expected: DoubleArray, tol: Double = 1e-10) {
        actual.size shouldBe expected.size
        for (i in actual.indices) withClue("element $i: ${actual[i]} vs ${expected[i]}") { (abs(actual[i] - expected[i]) <= tol) shouldBe true }
    }

    // ------------------------------------------------------------------ Linear and Bilinear

    test("Linear computes x W^T + b") {
        val fc = Linear(3, 2)
        val x = Tensor.randn(4, 3)
        val xs = x.toDoubleArray(); val w = fc.weight.toDoubleArray(); val b = fc.bias!!.toDoubleArray()
        val expected = DoubleArray(8) { k -> val n = k / 2; val o = k % 2; b[o] + (0 until 3).sumOf { xs[n * 3 + it] * w[o * 3 + it] } }
        close(fc.forward(x).toDoubleArray(), expected, 1e-5)
    }

    test("Linear's default init keeps weight and bias inside 1/sqrt(in), as PyTorch") {
        val fc = Linear(400, 50)
        val bound = 1 / sqrt(400.0)
        fc.weight.toDoubleArray().all { abs(it) <= bound } shouldBe true
        fc.bias!!.toDoubleArray().all { abs(it) <= bound } shouldBe true
        (fc.weight.toDoubleArray().maxOf { abs(it) } > 0.9 * bound) shouldBe true
    }

    test("Linear refuses an input whose last dim does not fit, naming both shapes") {
        val e = shouldThrow<IllegalArgumentException> { Linear(784, 128).forward(Tensor.zeros(64, 783)) }
        e.message shouldContain "[64, 783]"
        e.message shouldContain "[128, 784]"
    }

    test("F.linear passes gradcheck and gradgradcheck, with and without bias, on a batched input") {
        GradCheck.gradcheck({ a -> F.linear(a[0], a[1], a[2]) }, leaf(2, 3, 4), leaf(5, 4), leaf(5)) shouldBe true
        GradCheck.gradgradcheck({ a -> F.linear(a[0], a[1]).tanh() }, leaf(3, 4), leaf(2, 4)) shouldBe true
    }

    test("Bilinear computes x1^T W x2 + b per output and passes gradcheck") {
        val layer = Bilinear(2, 3, 2)
        val x1 = Tensor.randn(4, 2); val x2 = Tensor.randn(4, 3)
        val a = x1.toDoubleArray(); val c = x2.toDoubleArray(); val w = layer.weight.toDoubleArray(); val b = layer.bias!!.toDoubleArray()
        val expected = DoubleArray(8) { k ->
            val n = k / 2; val o = k % 2
            b[o] + (0 until 2).sumOf { i -> (0 until 3).sumOf { j -> a[n * 2 + i] * w[o * 6 + i * 3 + j] * c[n * 3 + j] } }
        }
        close(layer.forward(x1, x2).toDoubleArray(), expected, 1e-5)
        GradCheck.gradcheck({ t -> F.bilinear(t[0], t[1], t[2], t[3]) }, leaf(3, 2), leaf(3, 3), leaf(2, 2, 3), leaf(2)) shouldBe true
    }

    // ------------------------------------------------------------------ activations

    val activations: List<Triple<String, (Tensor) -> Tensor, (Double) -> Double>> = listOf(
        Triple("ReLU", { x -> ReLU().forward(x) }, { v -> if (v > 0) v else 0.0 }),
        Triple("LeakyReLU(0.2)", { x -> LeakyReLU(0.2).forward(x) }, { v -> if (v > 0) v else 0.2 * v }),
        Triple("ELU(1.5)", { x -> ELU(1.5).forward(x) }, { v -> if (v > 0) v else 1.5 * (exp(v) - 1) }),
        Triple("GELU", { x -> GELU().forward(x) }, { v -> 0.5 * v * (1 + erfReference(v / sqrt(2.0))) }),
        Triple("GELU(tanh)", { x -> GELU("tanh").forward(x) }, { v -> 0.5 * v * (1 + tanh(sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))) }),
        Triple("SiLU", { x -> SiLU().forward(x) }, { v -> v / (1 + exp(-v)) }),
        Triple("Sigmoid", { x -> Sigmoid().forward(x) }, { v -> 1 / (1 + exp(-v)) }),
        Triple("Tanh", { x -> Tanh().forward(x) }, { v -> tanh(v) }),
        Triple("Softplus", { x -> Softplus().forward(x) }, { v -> kotlin.math.ln(1 + exp(v)) }),
        Triple("Softplus(beta=2)", { x -> Softplus(2.0, 20.0).forward(x) }, { v -> kotlin.math.ln(1 + exp(2 * v)) / 2 }),
        Triple("Hardtanh", { x -> Hardtanh().forward(x) }, { v -> v.coerceIn(-1.0, 1.0) }),
        Triple("PReLU", { x -> PReLU().forward(x) }, { v -> if (v > 0) v else 0.25 * v }),
    )

    for ((name, layer, reference) in activations) {
        test("$name matches its formula elementwise") {
            val x = f64(3, 5).mul(2.0)
            close(layer(x).toDoubleArray(), x.toDoubleArray().map(reference).toDoubleArray(), 1e-9)
        }
    }

    test("activations pass gradcheck in float64 away from their kinks") {
        val x = f64(2, 6).mul(2.0).let { t -> Tensor.where(t.abs().lt(0.2), t.add(0.5), t) }.requiresGrad_(true)
        for ((name, layer, _) in activations) {
            withClue(name) { GradCheck.gradcheck({ a -> layer(a[0]) }, x) shouldBe true }
        }
        for (name in listOf("GELU", "SiLU", "Softplus", "ELU(1.5)")) {
            val layer = activations.first { it.first == name }.second
            withClue(name) { GradCheck.gradgradcheck({ a -> layer(a[0]) }, x) shouldBe true }
        }
    }

    test("Softplus and ELU stay finite with finite gradients for large inputs") {
        val x = Tensor.of(doubleArrayOf(-800.0, -50.0, 50.0, 800.0)).requiresGrad_(true)
        val y = F.softplus(x).add(F.elu(x))
        y.toDoubleArray().all { it.isFinite() } shouldBe true
        y.sum().backward()
        x.grad()!!.toDoubleArray().all { it.isFinite() } shouldBe true
    }

    test("softplus has gradient 1/2 at 0, like sigmoid(0)") {
        val x = Tensor.of(doubleArrayOf(0.0)).requiresGrad_(true)
        F.softplus(x).sum().backward()
        x.grad()!!.item() shouldBe 0.5
    }

    test("float32 softplus keeps the digits of e^z far below 0 and of z + e^-z far above, where 1 + e^z rounds to 1") {
        val z = floatArrayOf(-30f, -17f, 0f, 17f, 30f)
        val y = F.softplus(Tensor.of(z)).toDoubleArray()
        for (i in z.indices) {
            val exact = kotlin.math.ln1p(exp(-kotlin.math.abs(z[i].toDouble()))) + maxOf(z[i].toDouble(), 0.0)
            withClue("z = ${z[i]}") { kotlin.math.abs(y[i] - exact) / exact shouldBeLessThan 1e-6 }
        }
    }

    test("PReLU with one weight per channel scales dim 1's channels separately") {
        val p = PReLU(2, 0.25)
        GradMode.noGrad().use { p.weight.copy_(Tensor.of(floatArrayOf(0.5f, 2f))) }
        val x = Tensor.of(floatArrayOf(-1f, -1f, 1f, -2f), 2, 2)
        p.forward(x).toFloatArray().toList() shouldBe listOf(-0.5f, -2f, 1f, -4f)
        GradCheck.gradcheck({ a -> F.prelu(a[0], a[1]) }, f64(3, 2, 2).add(0.3).requiresGrad_(true), leaf(2)) shouldBe true
    }

    test("Softmax and LogSoftmax layers normalise along their dim") {
        val x = Tensor.randn(2, 3)
        Softmax(1).forward(x).sum(1, false).toFloatArray().all { abs(it - 1f) < 1e-6f } shouldBe true
        close(LogSoftmax(1).forward(x).exp().toDoubleArray(), Softmax(1).forward(x).toDoubleArray(), 1e-6)
    }

    test("erf matches reference values to double precision") {
        val xs = doubleArrayOf(0.0, 0.5, 1.0, -1.0, 2.0, 3.5, 5.0, 7.0, -0.1)
        val expected = doubleArrayOf(0.0, 0.5204998778130465, 0.8427007929497149, -0.8427007929497149, 0.9953222650189527,
            0.9999992569016276, 0.9999999999984626, 1.0, -0.1124629160182849)
        close(Tensor.of(xs).erf().toDoubleArray(), expected, 1e-15)
    }

    // ------------------------------------------------------------------ dropout

    test("Dropout is the identity in eval mode and zeroes about p of the elements in training, scaling the rest by 1/(1-p)") {
        val d = Dropout(0.3)
        val x = Tensor.ones(100_000)
        d.eval()
        (d.forward(x) === x) shouldBe true
        d.train()
        val y = d.forward(x).toFloatArray()
        val zeros = y.count { it == 0f } / 100_000.0
        (abs(zeros - 0.3) < 0.01) shouldBe true
        y.filter { it != 0f }.all { abs(it - 1 / 0.7f) < 1e-6f } shouldBe true
    }

    test("dropout keeps exactly the elements torch.bernoulli(1 - p) would, from the same seed, in float32 and float64") {
        for (dtype in listOf(DType.FLOAT32, DType.FLOAT64)) {
            Random.manualSeed(11)
            val kept = Tensor.bernoulli(Tensor.full(0.7, dtype, 5000)).toDoubleArray().map { it == 1.0 }
            Random.manualSeed(11)
            val y = F.dropout(Tensor.ones(dtype, 5000), 0.3, true).toDoubleArray()
            y.map { it != 0.0 } shouldBe kept
            y.filter { it != 0.0 }.all { abs(it - 1 / 0.7) < 1e-6 } shouldBe true
        }
    }

    test("dropout's gradient flows exactly through the kept elements") {
        val x = Tensor.ones(DType.FLOAT64, 1000).requiresGrad_(true)
        val y = F.dropout(x, 0.5, true)
        y.sum().backward()
        x.grad()!!.toDoubleArray().toList() shouldBe y.toDoubleArray().toList()
    }

    // ------------------------------------------------------------------ embedding

    test("Embedding looks up rows for indices of any shape") {
        val e = Embedding(5, 3)
        val idx = Tensor.of(longArrayOf(4, 0, 4, 2), 2, 2)
        val out = e.forward(idx)
        out.shape().toList() shouldBe listOf(2, 2, 3)
        val w = e.weight.toFloatArray()
        out.toFloatArray().toList() shouldBe listOf(4, 0, 4, 2).flatMap { r -> (0 until 3).map { w[r * 3 + it] } }
    }

    test("Embedding's padding row starts at zero and receives no gradient") {
        val e = Embedding(4, 2, 1, null)
        e.weight.select(0, 1).toFloatArray().toList() shouldBe listOf(0f, 0f)
        e.forward(Tensor.of(longArrayOf(1, 2, 1, 3))).sum().backward()
        e.weight.grad()!!.toFloatArray().toList() shouldBe listOf(0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f)
    }

    test("Embedding with maxNorm rescales the looked-up rows to that norm") {
        val e = Embedding(3, 4, null, 1.0)
        GradMode.noGrad().use { e.weight.mul_(10.0) }
        e.forward(Tensor.of(longArrayOf(0, 2)))
        val w = e.weight.toDoubleArray()
        for (r in listOf(0, 2)) (abs(sqrt((0 until 4).sumOf { w[r * 4 + it] * w[r * 4 + it] }) - 1.0) < 1e-5) shouldBe true
        (sqrt((0 until 4).sumOf { w[4 + it] * w[4 + it] }) > 1.5) shouldBe true
    }

    test("Embedding refuses float indices and an out-of-range paddingIdx") {
        shouldThrow<IllegalArgumentException> { Embedding(3, 2).forward(Tensor.zeros(2)) }.message shouldContain "int64"
        shouldThrow<IllegalArgumentException> { Embedding(3, 2, 3, null) }
    }

    // ------------------------------------------------------------------ normalisation

    test("LayerNorm normalises the last dims with the biased variance, then applies weight and bias") {
        val ln = LayerNorm(4)
        GradMode.noGrad().use { ln.weight!!.copy_(Tensor.of(floatArrayOf(1f, 2f, 3f, 4f))); ln.bias!!.fill_(0.5) }
        val x = Tensor.randn(3, 4)
        val xs = x.toDoubleArray()
        val expected = DoubleArray(12)
        for (r in 0 until 3) {
            val row = xs.copyOfRange(r * 4, r * 4 + 4)
            val mean = row.average(); val v = row.map { (it - mean) * (it - mean) }.average()
            for (i in 0 until 4) expected[r * 4 + i] = (row[i] - mean) / sqrt(v + 1e-5) * (i + 1) + 0.5
        }
        close(ln.forward(x).toDoubleArray(), expected, 1e-5)
    }

    test("F.layerNorm over two dims passes gradcheck and gradgradcheck") {
        GradCheck.gradcheck({ a -> F.layerNorm(a[0], intArrayOf(2, 3), a[1], a[2], 1e-5) }, leaf(2, 2, 3), leaf(2, 3), leaf(2, 3)) shouldBe true
        GradCheck.gradgradcheck({ a -> F.layerNorm(a[0], intArrayOf(3), null, null, 1e-5) }, leaf(2, 3)) shouldBe true
        GradCheck.gradcheck({ a -> F.layerNorm(a[0], intArrayOf(3), a[1], null, 1e-5) }, leaf(4, 3), leaf(3)) shouldBe true
        GradCheck.gradcheck({ a -> F.layerNorm(a[0], intArrayOf(3), null, a[1], 1e-5) }, leaf(4, 3), leaf(3)) shouldBe true
        GradCheck.gradgradcheck({ a -> F.layerNorm(a[0], intArrayOf(3), a[1], a[2], 1e-5) }, leaf(2, 3), leaf(3), leaf(3)) shouldBe true
    }

    test("F.layerNorm refuses an input that does not end in the normalized shape, and weights or biases of another shape") {
        shouldThrow<IllegalArgumentException> { F.layerNorm(Tensor.randn(4, 5), intArrayOf(4), null, null, 1e-5) }
            .message shouldContain "does not end in the normalized shape [4]"
        // Six elements, as [2, 3] has, but not its shape: PyTorch refuses it, and so does every path here.
        shouldThrow<IllegalArgumentException> { F.layerNorm(Tensor.randn(4, 2, 3), intArrayOf(2, 3), Tensor.ones(6), null, 1e-5) }
            .message shouldBe "layerNorm: weight [6] must have the normalized shape [2, 3]"
        shouldThrow<IllegalArgumentException> { F.layerNorm(Tensor.randn(4, 2, 3), intArrayOf(2, 3), null, Tensor.ones(3, 2), 1e-5) }
            .message shouldBe "layerNorm: bias [3, 2] must have the normalized shape [2, 3]"
    }

    test("F.layerNorm's fused float32 kernels match the Tensor-op form, values and the gradients of x, weight and bias") {
        val x = Tensor.randn(37, 64).requiresGrad_(true)
        val w = Tensor.randn(64).requiresGrad_(true)
        val b = Tensor.randn(64).requiresGrad_(true)
        val dy = Tensor.randn(37, 64)
        val fused = F.layerNorm(x, intArrayOf(64), w, b, 1e-5)
        fused.gradFn()!!.name() shouldBe "NativeLayerNormBackward"
        fused.mul(dy).sum().backward()
        val got = listOf(fused, x.grad()!!, w.grad()!!, b.grad()!!).map { it.toDoubleArray() }
        val xr = x.detach().requiresGrad_(true)
        val wr = w.detach().requiresGrad_(true)
        val br = b.detach().requiresGrad_(true)
        val centered = xr.sub(xr.mean(intArrayOf(1), true))
        val ref = centered.mul(centered.mul(centered).mean(intArrayOf(1), true).add(1e-5).rsqrt()).mul(wr).add(br)
        ref.mul(dy).sum().backward()
        val want = listOf(ref, xr.grad()!!, wr.grad()!!, br.grad()!!).map { it.toDoubleArray() }
        for (i in got.indices) close(got[i], want[i], 1e-4)
    }

    test("BatchNorm1d in training normalises per channel and updates running stats with momentum and the unbiased variance") {
        val bn = BatchNorm1d(2)
        val x = Tensor.of(floatArrayOf(1f, 10f, 3f, 20f, 5f, 30f, 7f, 40f), 4, 2)
        val y = bn.forward(x).toDoubleArray()
        val c0 = doubleArrayOf(1.0, 3.0, 5.0, 7.0)
        val mean0 = 4.0; val var0 = c0.map { (it - mean0) * (it - mean0) }.average()
        close(doubleArrayOf(y[0], y[2], y[4], y[6]), c0.map { (it - mean0) / sqrt(var0 + 1e-5) }.toDoubleArray(), 1e-5)
        close(bn.runningMean.toDoubleArray(), doubleArrayOf(0.1 * 4.0, 0.1 * 25.0), 1e-5)
        close(bn.runningVar.toDoubleArray(), doubleArrayOf(0.9 + 0.1 * var0 * 4 / 3, 0.9 + 0.1 * 125.0 * 4 / 3), 1e-4)
        bn.numBatchesTracked.item() shouldBe 1.0
    }

    test("BatchNorm1d in eval mode uses the running statistics and changes nothing") {
        val bn = BatchNorm1d(2)
        GradMode.noGrad().use { bn.runningMean.copy_(Tensor.of(floatArrayOf(1f, 2f))); bn.runningVar.copy_(Tensor.of(floatArrayOf(4f, 9f))) }
        bn.eval()
        val y = bn.forward(Tensor.of(floatArrayOf(3f, 8f), 1, 2)).toDoubleArray()
        close(y, doubleArrayOf(2 / sqrt(4 + 1e-5), 6 / sqrt(9 + 1e-5)), 1e-6)
        bn.runningMean.toFloatArray().toList() shouldBe listOf(1f, 2f)
        bn.numBatchesTracked.item() shouldBe 0.0
    }

    test("BatchNorm1d with momentum null keeps a cumulative average over batches") {
        val bn = BatchNorm1d(1, 1e-5, null, true, true)
        bn.forward(Tensor.of(floatArrayOf(1f, 3f), 2, 1))
        bn.forward(Tensor.of(floatArrayOf(5f, 7f), 2, 1))
        close(bn.runningMean.toDoubleArray(), doubleArrayOf(4.0), 1e-6)
    }

    test("F.batchNorm in training mode, on [N, C, L], passes gradcheck") {
        GradCheck.gradcheck({ a -> F.batchNorm(a[0], null, null, a[1], a[2], true, 0.1, 1e-5) }, leaf(3, 2, 4), leaf(2), leaf(2)) shouldBe true
    }

    test("F.batchNorm's fused float32 training kernels match the Tensor-op form: values, gradients and running statistics") {
        val x = Tensor.randn(6, 5, 7).requiresGrad_(true)
        val w = Tensor.randn(5).requiresGrad_(true)
        val b = Tensor.randn(5).requiresGrad_(true)
        val dy = Tensor.randn(6, 5, 7)
        val runningMean = Tensor.zeros(5)
        val runningVar = Tensor.ones(5)
        val fused = F.batchNorm(x, runningMean, runningVar, w, b, true, 0.1, 1e-5)
        fused.gradFn()!!.name() shouldBe "NativeBatchNormBackward"
        fused.mul(dy).sum().backward()
        val got = listOf(fused, x.grad()!!, w.grad()!!, b.grad()!!).map { it.toDoubleArray() }
        val xr = x.detach().requiresGrad_(true)
        val wr = w.detach().requiresGrad_(true)
        val br = b.detach().requiresGrad_(true)
        val mean = xr.mean(intArrayOf(0, 2), true)
        val centered = xr.sub(mean)
        val variance = centered.mul(centered).mean(intArrayOf(0, 2), true)
        val ref = centered.mul(variance.add(1e-5).rsqrt()).mul(wr.reshape(1, 5, 1)).add(br.reshape(1, 5, 1))
        ref.mul(dy).sum().backward()
        val want = listOf(ref, xr.grad()!!, wr.grad()!!, br.grad()!!).map { it.toDoubleArray() }
        for (i in got.indices) close(got[i], want[i], 1e-4)
        close(runningMean.toDoubleArray(), mean.reshape(5).mul(0.1).toDoubleArray(), 1e-6)
        close(runningVar.toDoubleArray(), variance.reshape(5).mul(0.1 * 42 / 41).add(0.9).toDoubleArray(), 1e-6)
    }

    test("BatchNorm1d refuses a wrong channel count, and training on one value per channel") {
        shouldThrow<IllegalArgumentException> { BatchNorm1d(3).forward(Tensor.zeros(4, 2)) }.message shouldContain "[N, 3]"
        shouldThrow<IllegalArgumentException> { BatchNorm1d(2).forward(Tensor.zeros(1, 2)) }.message shouldContain "more than one value"
    }

    // ------------------------------------------------------------------ shape layers

    test("Flatten keeps the batch dim, Unflatten splits one dim, Identity passes through") {
        val x = Tensor.zeros(2, 3, 4)
        Flatten().forward(x).shape().toList() shouldBe listOf(2, 12)
        Unflatten(1, 3, 4).forward(Tensor.zeros(2, 12)).shape().toList() shouldBe listOf(2, 3, 4)
        (Identity().forward(x) === x) shouldBe true
        shouldThrow<IllegalArgumentException> { Unflatten(1, 5, 2).forward(Tensor.zeros(2, 12)) }.message shouldContain "multiply to 10"
    }

    test("a Sequential MLP learns a small regression with plain gradient descent") {
        val net = Sequential(Linear(2, 16), Tanh(), Linear(16, 1))
        val x = Tensor.rand(64, 2).mul(2.0).sub(1.0)
        val y = x.select(1, 0).mul(x.select(1, 1)).unsqueeze(1)
        var last = 0.0
        repeat(400) {
            net.zeroGrad()
            val loss = net.forward(x).sub(y).pow(2.0).mean()
            loss.backward()
            GradMode.noGrad().use { for (p in net.parameters()) p.sub_(p.grad()!!.mul(0.2)) }
            last = loss.item()
        }
        (last < 0.01) shouldBe true
    }
})

/** erf by its Taylor series in plain doubles (|x| <= 3 here): an independent reference for GELU. */
private fun erfReference(x: Double): Double {
    var term = x
    var sum = x
    var n = 0
    while (abs(term) > 1e-17) {
        n++
        term *= -x * x / n
        sum += term / (2 * n + 1)
    }
    return 2 / sqrt(Math.PI) * sum
}
