package dev.kindling.nn.losses

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.nn.functional.F
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.E
import kotlin.math.abs
import kotlin.math.ln

/** MSE, L1, MSLE, SmoothL1 and Huber against loop references, gradcheck in input and target, and their errors. */
class LossRegressionSpec : FunSpec({

    beforeTest { Random.manualSeed(7) }

    fun pointwiseRef(x: DoubleArray, y: DoubleArray, f: (Double) -> Double) = DoubleArray(x.size) { f(x[it] - y[it]) }

    // ------------------------------------------------------------------ values

    test("mseLoss matches (x - y)^2 for every reduction") {
        val x = randn(3, 4); val y = randn(3, 4)
        val per = pointwiseRef(x.toDoubleArray(), y.toDoubleArray()) { it * it }
        for (r in reductions) F.mseLoss(x, y, r) shouldBeClose reduceRef(per, r)
        F.mseLoss(x, y) shouldBeClose reduceRef(per, "mean")
        F.mseLoss(x, y, "none").shape().toList() shouldBe listOf(3, 4)
        F.mseLoss(x, y).dim() shouldBe 0
    }

    test("mseLoss by hand: [1, 2, 3] against [1, 1, 1] is 5/3 (mean) and 5 (sum)") {
        val x = leaf(doubleArrayOf(1.0, 2.0, 3.0)); val y = leaf(doubleArrayOf(1.0, 1.0, 1.0))
        F.mseLoss(x, y) shouldBeClose 5.0 / 3
        F.mseLoss(x, y, "sum") shouldBeClose 5.0
    }

    test("l1Loss matches |x - y| for every reduction; by hand [1, -2] against 0 is 1.5") {
        val x = randn(5, 2); val y = randn(5, 2)
        val per = pointwiseRef(x.toDoubleArray(), y.toDoubleArray()) { abs(it) }
        for (r in reductions) F.l1Loss(x, y, r) shouldBeClose reduceRef(per, r)
        F.l1Loss(leaf(doubleArrayOf(1.0, -2.0)), leaf(doubleArrayOf(0.0, 0.0))) shouldBeClose 1.5
    }

    test("msleLoss matches (ln(1 + x) - ln(1 + y))^2; by hand e - 1 against 0 is 1") {
        val x = uniform(0.0, 3.0, 4, 3); val y = uniform(0.0, 3.0, 4, 3)
        val xs = x.toDoubleArray(); val ys = y.toDoubleArray()
        val per = DoubleArray(xs.size) { val d = ln(1 + xs[it]) - ln(1 + ys[it]); d * d }
        for (r in reductions) F.msleLoss(x, y, r) shouldBeClose reduceRef(per, r)
        F.msleLoss(leaf(doubleArrayOf(E - 1)), leaf(doubleArrayOf(0.0))) shouldBeClose 1.0
    }

    fun smoothL1Ref(d: Double, beta: Double) = if (abs(d) < beta) 0.5 * d * d / beta else abs(d) - 0.5 * beta

    test("smoothL1Loss matches the piecewise formula for beta 1, 0.5 and 2, every reduction") {
        val x = randn(4, 5).mul(2.0); val y = randn(4, 5)
        for (beta in listOf(1.0, 0.5, 2.0)) {
            val per = pointwiseRef(x.toDoubleArray(), y.toDoubleArray()) { smoothL1Ref(it, beta) }
            for (r in reductions) F.smoothL1Loss(x, y, r, beta) shouldBeClose reduceRef(per, r)
        }
    }

    test("smoothL1Loss by hand: d = 0.5 gives 0.125 and d = 2 gives 1.5 (beta 1); beta 0 is l1Loss") {
        val x = leaf(doubleArrayOf(0.5, 2.0)); val y = leaf(doubleArrayOf(0.0, 0.0))
        F.smoothL1Loss(x, y, "none") shouldBeClose doubleArrayOf(0.125, 1.5)
        val a = randn(6); val b = randn(6)
        F.smoothL1Loss(a, b, "none", 0.0) shouldBeClose F.l1Loss(a, b, "none").toDoubleArray()
    }

    fun huberRef(d: Double, delta: Double) = if (abs(d) < delta) 0.5 * d * d else delta * (abs(d) - 0.5 * delta)

    test("huberLoss matches the piecewise formula for delta 1 and 2.5, every reduction, and equals delta * smoothL1(beta = delta)") {
        val x = randn(3, 6).mul(3.0); val y = randn(3, 6)
        for (delta in listOf(1.0, 2.5)) {
            val per = pointwiseRef(x.toDoubleArray(), y.toDoubleArray()) { huberRef(it, delta) }
            for (r in reductions) F.huberLoss(x, y, r, delta) shouldBeClose reduceRef(per, r)
            F.huberLoss(x, y, "sum", delta) shouldBeClose F.smoothL1Loss(x, y, "sum", delta).item() * delta
        }
        F.huberLoss(leaf(doubleArrayOf(3.0)), leaf(doubleArrayOf(0.0)), "sum", 2.0) shouldBeClose 4.0
    }

    // ------------------------------------------------------------------ gradients

    test("mseLoss, l1Loss and msleLoss: gradcheck w.r.t. input and target, every reduction") {
        for (r in reductions) {
            gradcheck(randn(3, 4).fresh(), randn(3, 4).fresh()) { F.mseLoss(it[0], it[1], r) }
            gradcheck(randn(3, 4).fresh(), randn(3, 4).add(5.0).fresh()) { F.l1Loss(it[0], it[1], r) }   // |d| well away from 0
            gradcheck(uniform(0.0, 3.0, 3, 4).fresh(), uniform(0.0, 3.0, 3, 4).fresh()) { F.msleLoss(it[0], it[1], r) }
        }
    }

    test("smoothL1Loss and huberLoss: gradcheck w.r.t. input and target on both sides of the kink, every reduction") {
        // |d| in {0.2, 0.7, 1.4, 3.1}: inside and outside beta = delta = 1, away from |d| = 1.
        val d = doubleArrayOf(0.2, -0.7, 1.4, -3.1, 0.7, -0.2)
        val y = randn(6)
        val x = y.add(Tensor.of(d))
        for (r in reductions) {
            gradcheck(x.fresh(), y.fresh()) { F.smoothL1Loss(it[0], it[1], r) }
            gradcheck(x.fresh(), y.fresh()) { F.huberLoss(it[0], it[1], r) }
            gradcheck(x.fresh(), y.fresh()) { F.smoothL1Loss(it[0], it[1], r, 0.5) }
            gradcheck(x.fresh(), y.fresh()) { F.huberLoss(it[0], it[1], r, 2.0) }
        }
    }

    test("mseLoss gradient by hand: d/dx mean((x - y)^2) = 2 (x - y) / n, and the target gets its negative") {
        val x = leaf(doubleArrayOf(1.0, 2.0, 4.0)); val y = leaf(doubleArrayOf(0.0, 0.0, 1.0))
        F.mseLoss(x, y).backward()
        x.grad() shouldBeClose doubleArrayOf(2.0 / 3, 4.0 / 3, 2.0)
        y.grad() shouldBeClose doubleArrayOf(-2.0 / 3, -4.0 / 3, -2.0)
    }

    // ------------------------------------------------------------------ errors

    test("pointwise losses refuse targets of another shape, naming both shapes and a reshape when the counts agree") {
        val e = shouldThrow<IllegalArgumentException> { F.mseLoss(randn(4, 1), randn(4)) }
        e.message shouldContain "mseLoss: input [4, 1] and target [4] must have the same shape"
        e.message shouldContain "target.reshape([4, 1])"
        shouldThrow<IllegalArgumentException> { F.l1Loss(randn(3), randn(4)) }.message shouldContain "l1Loss: input [3] and target [4]"
        shouldThrow<IllegalArgumentException> { F.huberLoss(randn(2, 3), randn(3)) }.message shouldContain "broadcasting"
    }

    test("an unknown reduction is refused with the three that exist") {
        val e = shouldThrow<IllegalArgumentException> { F.mseLoss(randn(3), randn(3), "avg") }
        e.message shouldBe "mseLoss: reduction must be \"mean\", \"sum\" or \"none\", got \"avg\""
        shouldThrow<IllegalArgumentException> { F.smoothL1Loss(randn(3), randn(3), "Mean") }.message shouldContain "smoothL1Loss: reduction"
    }

    test("bad hyperparameters and integer inputs are refused") {
        shouldThrow<IllegalArgumentException> { F.smoothL1Loss(randn(3), randn(3), "mean", -1.0) }.message shouldContain "beta must be >= 0"
        shouldThrow<IllegalArgumentException> { F.huberLoss(randn(3), randn(3), "mean", 0.0) }.message shouldContain "delta must be > 0"
        shouldThrow<IllegalArgumentException> { F.mseLoss(longs(1, 2, 3), randn(3)) }.message shouldContain
            "mseLoss: input must be a floating point tensor, got [3] INT64"
    }
})
