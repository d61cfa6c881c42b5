package dev.kindling.optim

import dev.kindling.autograd.Tensor
import dev.kindling.nn.utils.ClipGrad
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.pow
import kotlin.math.sqrt

/** clipGradNorm_ and clipGradValue_ against hand-computed values (torch.nn.utils semantics). */
class OptimClipGradSpec : FunSpec({
    /** Two parameters with gradients [3, 4] and [12] (joint 2-norm 13), and one without. */
    fun params(): List<Tensor> {
        val a = Tensor.of(doubleArrayOf(0.0, 0.0)).requiresGrad_(true).also { it.setGrad(Tensor.of(doubleArrayOf(3.0, -4.0))) }
        val b = Tensor.of(doubleArrayOf(0.0)).requiresGrad_(true).also { it.setGrad(Tensor.of(doubleArrayOf(12.0))) }
        val c = Tensor.of(doubleArrayOf(0.0)).requiresGrad_(true)
        return listOf(a, b, c)
    }

    test("clipGradNorm_ scales all gradients by maxNorm / (total + 1e-6) and returns the total norm") {
        val ps = params()
        ClipGrad.clipGradNorm_(ps, 6.5) shouldBe 13.0
        val coef = 6.5 / (13.0 + 1e-6)
        assertClose(ps[0].grad()!!.toDoubleArray(), doubleArrayOf(3 * coef, -4 * coef), 1e-15)
        assertClose(ps[1].grad()!!.toDoubleArray(), doubleArrayOf(12 * coef), 1e-15)
        ps[2].grad() shouldBe null
    }

    test("clipGradNorm_ leaves gradients under the limit unchanged") {
        val ps = params()
        ClipGrad.clipGradNorm_(ps, 20.0) shouldBe 13.0
        ps[0].grad()!!.toDoubleArray().toList() shouldBe listOf(3.0, -4.0)
    }

    test("clipGradNorm_ with other norms: 1, 3 and infinity") {
        ClipGrad.clipGradNorm_(params(), 100.0, 1.0) shouldBe 19.0
        ClipGrad.clipGradNorm_(params(), 100.0, 3.0) shouldBe ((27.0 + 64 + 1728).pow(1.0 / 3) plusOrMinus 1e-12)
        val ps = params()
        ClipGrad.clipGradNorm_(ps, 6.0, Double.POSITIVE_INFINITY) shouldBe 12.0
        val coef = 6.0 / (12.0 + 1e-6)
        assertClose(ps[1].grad()!!.toDoubleArray(), doubleArrayOf(12 * coef), 1e-15)
    }

    test("clipGradNorm_ on float32 gradients, with none at all, and with a NaN") {
        val p = Tensor.of(floatArrayOf(0f, 0f), 2).requiresGrad_(true).also { it.setGrad(Tensor.of(floatArrayOf(6f, 8f), 2)) }
        ClipGrad.clipGradNorm_(listOf(p), 1.0) shouldBe (10.0 plusOrMinus 1e-6)
        sqrt(p.grad()!!.toDoubleArray().sumOf { it * it }) shouldBe (1.0 plusOrMinus 1e-6)
        ClipGrad.clipGradNorm_(listOf(Tensor.of(doubleArrayOf(1.0)).requiresGrad_(true)), 1.0) shouldBe 0.0
        val n = Tensor.of(doubleArrayOf(0.0, 0.0)).requiresGrad_(true).also { it.setGrad(Tensor.of(doubleArrayOf(Double.NaN, 1.0))) }
        shouldThrow<IllegalStateException> { ClipGrad.clipGradNorm_(listOf(n), 1.0, 2.0, true) }.message shouldContain
            "the total norm of order 2.0 of the gradients is NaN"
        ClipGrad.clipGradNorm_(listOf(n), 1.0).isNaN() shouldBe true
        n.grad()!!.toDoubleArray()[1].isNaN() shouldBe true
    }

    test("clipGradValue_ clamps every element into [-clipValue, clipValue]") {
        val ps = params()
        ClipGrad.clipGradValue_(ps, 3.5)
        ps[0].grad()!!.toDoubleArray().toList() shouldBe listOf(3.0, -3.5)
        ps[1].grad()!!.toDoubleArray().toList() shouldBe listOf(3.5)
    }

    test("bad arguments are refused") {
        shouldThrow<IllegalArgumentException> { ClipGrad.clipGradNorm_(params(), 1.0, 0.0) }.message shouldContain "normType must be positive"
        shouldThrow<IllegalArgumentException> { ClipGrad.clipGradNorm_(params(), -1.0) }.message shouldContain "maxNorm must be >= 0"
        shouldThrow<IllegalArgumentException> { ClipGrad.clipGradValue_(params(), -1.0) }.message shouldContain "clipValue must be >= 0"
    }
})
