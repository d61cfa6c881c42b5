package dev.kindling.nn.init

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.nn.Linear
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.doubles.shouldBeGreaterThan
import io.kotest.matchers.doubles.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs
import kotlin.math.sqrt

/** Initialisers checked by their bounds and by the mean and std of many samples against PyTorch's formulas. */
class InitSpec : FunSpec({
    beforeTest { Random.manualSeed(1234) }

    fun stats(t: Tensor): DoubleArray {
        val v = t.toDoubleArray()
        val mean = v.average()
        val std = sqrt(v.sumOf { (it - mean) * (it - mean) } / (v.size - 1))
        return doubleArrayOf(mean, std, v.minOrNull()!!, v.maxOrNull()!!)
    }

    /** Mean within 1% of std of `mean` (about 4.5 standard errors at 200k samples) and std within 1.5%. */
    fun Tensor.shouldHaveMoments(mean: Double, std: Double) {
        val (m, s) = stats(this)
        m shouldBe (mean plusOrMinus 0.01 * std)
        s shouldBe (std plusOrMinus 0.015 * std)
    }

    /** All within [-bound, bound] and reaching close to it, as a uniform sample this large does. */
    fun Tensor.shouldFillUniformly(bound: Double) {
        val (m, s, lo, hi) = stats(this)
        // float32 samples may round to one float ulp past a double bound.
        hi shouldBeLessThanOrEqual bound * (1 + 1e-7)
        -lo shouldBeLessThanOrEqual bound * (1 + 1e-7)
        hi shouldBeGreaterThan 0.99 * bound
        -lo shouldBeGreaterThan 0.99 * bound
        m shouldBe (0.0 plusOrMinus 0.01 * bound)
        s shouldBe (bound / sqrt(3.0) plusOrMinus 0.01 * bound)
    }

    test("uniform_ fills [a, b) with mean (a+b)/2 and std (b-a)/sqrt(12)") {
        val t = Init.uniform_(Tensor.zeros(200_000), -1.0, 3.0)
        val (_, _, lo, hi) = stats(t)
        lo shouldBe (-1.0 plusOrMinus 1e-3)
        hi shouldBe (3.0 plusOrMinus 1e-3)
        t.shouldHaveMoments(1.0, 4 / sqrt(12.0))
    }

    test("normal_ has the requested mean and std") {
        Init.normal_(Tensor.zeros(200_000), 2.0, 0.5).shouldHaveMoments(2.0, 0.5)
    }

    test("constant_, zeros_ and ones_ fill every element, in place, without recording") {
        val w = Tensor.zeros(3, 4).requiresGrad_(true)
        Init.constant_(w, 0.25).toFloatArray().all { it == 0.25f } shouldBe true
        w.isLeaf shouldBe true
        Init.ones_(w).sum().item() shouldBe 12.0
        Init.zeros_(w).sum().item() shouldBe 0.0
    }

    test("calculateGain gives PyTorch's values") {
        for (n in listOf("linear", "conv1d", "conv2d", "conv3d", "conv_transpose2d", "sigmoid")) Init.calculateGain(n) shouldBe 1.0
        Init.calculateGain("tanh") shouldBe (5.0 / 3 plusOrMinus 1e-15)
        Init.calculateGain("relu") shouldBe (sqrt(2.0) plusOrMinus 1e-15)
        Init.calculateGain("leaky_relu") shouldBe (sqrt(2.0 / (1 + 0.01 * 0.01)) plusOrMinus 1e-15)
        Init.calculateGain("leaky_relu", 0.2) shouldBe (sqrt(2.0 / 1.04) plusOrMinus 1e-15)
        Init.calculateGain("leaky_relu", sqrt(5.0)) shouldBe (sqrt(1.0 / 3) plusOrMinus 1e-15)
        Init.calculateGain("selu") shouldBe 0.75
        shouldThrow<IllegalArgumentException> { Init.calculateGain("swish") }.message shouldContain "\"swish\""
    }

    test("fans of a conv weight [out, in, kh, kw] multiply in and out by the kernel size") {
        Init.fans(Tensor.zeros(16, 8, 3, 5)).toList() shouldBe listOf(8 * 15, 16 * 15)
        Init.fans(Tensor.zeros(10, 784)).toList() shouldBe listOf(784, 10)
        Init.fans(Tensor.zeros(6, 2, 7)).toList() shouldBe listOf(14, 42)
        shouldThrow<IllegalArgumentException> { Init.fans(Tensor.zeros(5)) }.message shouldContain "[5]"
    }

    test("kaimingUniform_ has bound gain * sqrt(3 / fan_in), or fan_out on request") {
        val w = Tensor.zeros(400, 50, 3, 3) // fan_in 450, fan_out 3600
        Init.kaimingUniform_(w, 0.0, "fan_in", "relu").shouldFillUniformly(sqrt(2.0) * sqrt(3.0 / 450))
        Init.kaimingUniform_(w, 0.0, "fan_out", "relu").shouldFillUniformly(sqrt(2.0) * sqrt(3.0 / 3600))
        Init.kaimingUniform_(w, sqrt(5.0)).shouldFillUniformly(sqrt(1.0 / 3) * sqrt(3.0 / 450))
        shouldThrow<IllegalArgumentException> { Init.kaimingUniform_(w, 0.0, "fan_avg", "relu") }.message shouldContain "fan_avg"
    }

    test("kaimingNormal_ has std gain / sqrt(fan)") {
        val w = Tensor.zeros(500, 400)
        Init.kaimingNormal_(w, 0.0, "fan_in", "relu").shouldHaveMoments(0.0, sqrt(2.0 / 400))
        Init.kaimingNormal_(w, 0.0, "fan_out", "tanh").shouldHaveMoments(0.0, 5.0 / 3 / sqrt(500.0))
    }

    test("xavierUniform_ has bound gain * sqrt(6 / (fan_in + fan_out)) and xavierNormal_ std gain * sqrt(2 / (fan_in + fan_out))") {
        val w = Tensor.zeros(300, 700)
        Init.xavierUniform_(w).shouldFillUniformly(sqrt(6.0 / 1000))
        Init.xavierUniform_(w, 2.0).shouldFillUniformly(2 * sqrt(6.0 / 1000))
        Init.xavierNormal_(w).shouldHaveMoments(0.0, sqrt(2.0 / 1000))
        Init.xavierNormal_(Tensor.zeros(64, 32, 5, 5), 0.5).shouldHaveMoments(0.0, 0.5 * sqrt(2.0 / (32 * 25 + 64 * 25)))
    }

    fun gram(w: DoubleArray, rows: Int, cols: Int, ofRows: Boolean): Array<DoubleArray> {
        val k = if (ofRows) rows else cols
        return Array(k) { i ->
            DoubleArray(k) { j ->
                if (ofRows) (0 until cols).sumOf { w[i * cols + it] * w[j * cols + it] }
                else (0 until rows).sumOf { w[it * cols + i] * w[it * cols + j] }
            }
        }
    }

    fun maxDeviationFromScaledIdentity(g: Array<DoubleArray>, scale: Double) =
        g.indices.maxOf { i -> g.indices.maxOf { j -> abs(g[i][j] - if (i == j) scale else 0.0) } }

    test("orthogonal_ on a wide matrix gives orthonormal rows: W W^T = I") {
        val w = Init.orthogonal_(Tensor.zeros(DType.FLOAT64, 30, 80), 1.0)
        maxDeviationFromScaledIdentity(gram(w.toDoubleArray(), 30, 80, true), 1.0) shouldBeLessThanOrEqual 1e-12
    }

    test("orthogonal_ on a tall matrix gives orthonormal columns: W^T W = I") {
        val w = Init.orthogonal_(Tensor.zeros(DType.FLOAT64, 90, 20), 1.0)
        maxDeviationFromScaledIdentity(gram(w.toDoubleArray(), 90, 20, false), 1.0) shouldBeLessThanOrEqual 1e-12
    }

    test("orthogonal_ on a square matrix, scaled by gain, in float32") {
        val w = Init.orthogonal_(Tensor.zeros(64, 64), 2.0)
        maxDeviationFromScaledIdentity(gram(w.toDoubleArray(), 64, 64, true), 4.0) shouldBeLessThanOrEqual 1e-5
        maxDeviationFromScaledIdentity(gram(w.toDoubleArray(), 64, 64, false), 4.0) shouldBeLessThanOrEqual 1e-5
    }

    test("orthogonal_ flattens a conv weight to [out, in * kh * kw]") {
        val w = Init.orthogonal_(Tensor.zeros(DType.FLOAT64, 8, 3, 3, 3), 1.0)
        w.shape().toList() shouldBe listOf(8, 3, 3, 3)
        maxDeviationFromScaledIdentity(gram(w.toDoubleArray(), 8, 27, true), 1.0) shouldBeLessThanOrEqual 1e-12
    }

    test("orthogonal_ spreads its entries as a uniformly random orthogonal matrix does: mean 0, std 1/sqrt(n)") {
        val n = 300
        val w = Init.orthogonal_(Tensor.zeros(DType.FLOAT64, n, n), 1.0)
        val (m, s) = stats(w)
        m shouldBe (0.0 plusOrMinus 0.01 / sqrt(n.toDouble()))
        s shouldBe (1 / sqrt(n.toDouble()) plusOrMinus 0.02 / sqrt(n.toDouble()))
        // The sign correction makes the diagonal as likely negative as positive (no +1 bias from the QR convention).
        val diag = (0 until n).map { w.toDoubleArray()[it * n + it] }
        diag.count { it > 0 }.toDouble() shouldBe (n / 2.0 plusOrMinus 4 * sqrt(n / 4.0))
    }

    test("orthogonal_ needs at least 2 dims and leaves empty tensors alone") {
        shouldThrow<IllegalArgumentException> { Init.orthogonal_(Tensor.zeros(5), 1.0) }.message shouldContain "[5]"
        Init.orthogonal_(Tensor.zeros(0, 4), 1.0).numel() shouldBe 0L
    }

    test("truncNormal_ stays within [a, b] with the truncated normal's mean and std") {
        val t = Init.truncNormal_(Tensor.zeros(200_000))
        val (_, _, lo, hi) = stats(t)
        lo shouldBe (-2.0 plusOrMinus 0.01)
        hi shouldBe (2.0 plusOrMinus 0.01)
        // N(0, 1) on [-2, 2]: variance 1 - 4 phi(2) / (Phi(2) - Phi(-2)) = 0.77376.
        t.shouldHaveMoments(0.0, sqrt(0.773741))
        // A one-sided truncation: the half-normal, mean sqrt(2 / pi), std sqrt(1 - 2 / pi).
        val half = Init.truncNormal_(Tensor.zeros(200_000), 0.0, 1.0, 0.0, Double.POSITIVE_INFINITY)
        stats(half)[2] shouldBe (0.0 plusOrMinus 1e-3)
        half.shouldHaveMoments(sqrt(2 / Math.PI), sqrt(1 - 2 / Math.PI))
        val shifted = Init.truncNormal_(Tensor.zeros(DType.FLOAT64, 50_000), 5.0, 0.1, 4.9, 5.3)
        stats(shifted)[2] shouldBeGreaterThan 4.9 - 1e-12
        stats(shifted)[3] shouldBeLessThanOrEqual 5.3
    }

    test("the inverse normal CDF inverts the CDF to near double precision") {
        // Beyond 5 std, p = 0.5 (1 + erf) itself carries too few digits to pin x down this tightly.
        for (i in -50..50) {
            val x = i / 10.0
            val p = 0.5 * (1 + dev.kindling.tensor.SpecialFunctions.erf(x / sqrt(2.0)))
            Init.inverseNormalCdf(p) shouldBe (x plusOrMinus 1e-9)
        }
        Init.inverseNormalCdf(0.0) shouldBe Double.NEGATIVE_INFINITY
        Init.inverseNormalCdf(1.0) shouldBe Double.POSITIVE_INFINITY
    }

    test("eye_ and dirac_ place ones where PyTorch does") {
        Init.eye_(Tensor.zeros(2, 3)).toFloatArray().toList() shouldBe listOf(1f, 0f, 0f, 0f, 1f, 0f)
        val d = Init.dirac_(Tensor.ones(4, 2, 3, 3), 2)
        d.sum().item() shouldBe 4.0
        for ((o, i) in listOf(0 to 0, 1 to 1, 2 to 0, 3 to 1)) d.data().get(o, i, 1, 1) shouldBe 1.0
        Init.dirac_(Tensor.zeros(3, 5, 4)).data().get(2, 2, 2) shouldBe 1.0
        shouldThrow<IllegalArgumentException> { Init.dirac_(Tensor.zeros(3, 3)) }.message shouldContain "[3, 3]"
    }

    test("a seed makes every initialiser reproducible") {
        fun draw(seed: Long): List<List<Float>> {
            Random.manualSeed(seed)
            return listOf(
                Init.kaimingUniform_(Tensor.zeros(5, 7)), Init.kaimingNormal_(Tensor.zeros(5, 7)), Init.xavierNormal_(Tensor.zeros(5, 7)),
                Init.orthogonal_(Tensor.zeros(5, 7), 1.0), Init.truncNormal_(Tensor.zeros(9)), Linear(7, 5).weight,
            ).map { it.toFloatArray().toList() }
        }
        draw(7) shouldBe draw(7)
        draw(7) shouldNotBe draw(8)
    }

    test("Linear's default init keeps weight and bias within 1/sqrt(in_features), spread up to the bound") {
        val fc = Linear(256, 512)
        val bound = 1 / sqrt(256.0)
        fc.weight.shouldFillUniformly(bound)
        val (_, _, lo, hi) = stats(fc.bias)
        hi shouldBeLessThanOrEqual bound * (1 + 1e-7)
        -lo shouldBeLessThanOrEqual bound * (1 + 1e-7)
        hi shouldBeGreaterThan 0.9 * bound
    }
})
