package dev.kindling.nn.conv

import dev.kindling.Random
import dev.kindling.autograd.ConvOps
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.Tensor
import dev.kindling.nn.functional.F
import dev.kindling.tensor.ConvParams
import dev.kindling.tensor.DType
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * Float64 gradcheck of every convolution, pooling and resampling op, and gradgradcheck where the
 * backward is itself differentiable (all of them: their backward rules are made of the same ops).
 */
class ConvGradcheckSpec : FunSpec({
    beforeTest { Random.manualSeed(13) }

    fun leaf(vararg shape: Int) = Tensor.randn(DType.FLOAT64, *shape).requiresGrad_(true)
    fun check(vararg inputs: Tensor, fn: (Array<Tensor>) -> Tensor) = GradCheck.gradcheck({ fn(it) }, *inputs) shouldBe true
    fun checkTwice(vararg inputs: Tensor, fn: (Array<Tensor>) -> Tensor) {
        check(*inputs, fn = fn)
        GradCheck.gradgradcheck({ fn(it) }, *inputs) shouldBe true
    }

    test("conv2d: gradcheck with stride, padding, dilation and groups, and gradgradcheck") {
        check(leaf(2, 4, 6, 5), leaf(4, 2, 3, 2), leaf(4)) { F.conv2d(it[0], it[1], it[2], intArrayOf(2, 1), intArrayOf(1, 0), intArrayOf(1, 2), 2) }
        checkTwice(leaf(2, 2, 5, 4), leaf(3, 2, 2, 2), leaf(3)) { F.conv2d(it[0], it[1], it[2], 2, 1, 1, 1) }
    }

    test("conv2d with padding \"same\" and an even kernel passes gradcheck") {
        check(leaf(1, 2, 5, 4), leaf(2, 2, 2, 3)) { F.conv2d(it[0], it[1], null, intArrayOf(1), "same", intArrayOf(1), 1) }
    }

    test("conv1d: gradcheck and gradgradcheck") {
        checkTwice(leaf(2, 2, 7), leaf(4, 1, 3), leaf(4)) { F.conv1d(it[0], it[1], it[2], 2, 1, 1, 2) }
    }

    test("convTranspose2d: gradcheck with groups and output padding, and gradgradcheck") {
        check(leaf(2, 4, 3, 3), leaf(4, 1, 3, 2), leaf(2)) {
            F.convTranspose2d(it[0], it[1], it[2], intArrayOf(2), intArrayOf(1), intArrayOf(1), 2, intArrayOf(1))
        }
        checkTwice(leaf(1, 2, 3, 2), leaf(2, 2, 2, 2), leaf(2)) { F.convTranspose2d(it[0], it[1], it[2], 2, 0) }
    }

    test("the weight gradient op (input, gradOutput) -> dW passes gradcheck and gradgradcheck") {
        val p = ConvParams(2, 1, 1, 0, 1, 1, 1)
        checkTwice(leaf(2, 2, 5, 4), leaf(2, 3, 3, 3)) { ConvOps.conv2dBackwardWeight(it[0], it[1], p, 2, 2) }
    }

    test("maxPool2d and maxPool1d: gradcheck and gradgradcheck (distinct values, so the maxima are unique)") {
        checkTwice(leaf(2, 2, 5, 6)) { F.maxPool2d(it[0], intArrayOf(3), intArrayOf(2), intArrayOf(1), intArrayOf(1), true) }
        check(leaf(1, 2, 7, 7)) { F.maxPool2d(it[0], intArrayOf(2), intArrayOf(2), intArrayOf(1), intArrayOf(2), false) }
        checkTwice(leaf(2, 3, 9)) { F.maxPool1d(it[0], 3, 2, 1, 1, false) }
    }

    test("avgPool2d in every divisor mode: gradcheck and gradgradcheck") {
        checkTwice(leaf(1, 2, 5, 6)) { F.avgPool2d(it[0], intArrayOf(3), intArrayOf(2), intArrayOf(1), true, false, null) }
        check(leaf(1, 2, 5, 6)) { F.avgPool2d(it[0], intArrayOf(3), intArrayOf(2), intArrayOf(1), false, true, null) }
        check(leaf(1, 2, 5, 6)) { F.avgPool2d(it[0], intArrayOf(2, 3), intArrayOf(1), intArrayOf(1), false, true, 5) }
    }

    test("adaptiveAvgPool2d: gradcheck and gradgradcheck") {
        checkTwice(leaf(2, 2, 5, 7)) { F.adaptiveAvgPool2d(it[0], intArrayOf(3, 2)) }
    }

    test("interpolate nearest, bilinear (both corner modes) and linear: gradcheck; bilinear gradgradcheck") {
        check(leaf(1, 2, 3, 4)) { F.interpolate(it[0], intArrayOf(5, 7), "nearest") }
        check(leaf(1, 2, 3, 4)) { F.interpolate(it[0], intArrayOf(6, 5), null, "bilinear", false) }
        checkTwice(leaf(1, 2, 3, 4)) { F.interpolate(it[0], null, doubleArrayOf(1.5, 2.0), "bilinear", true) }
        check(leaf(2, 2, 5)) { F.interpolate(it[0], intArrayOf(8), null, "linear", false) }
    }

    test("batchNorm of [N, C, H, W] in training: gradcheck and gradgradcheck") {
        checkTwice(leaf(3, 2, 2, 3), leaf(2), leaf(2)) { F.batchNorm(it[0], null, null, it[1], it[2], true, 0.1, 1e-5) }
    }
})
