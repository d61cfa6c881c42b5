package dev.kindling.autograd

import dev.kindling.tensor.DType
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlin.math.abs

/**
 * x @ w.t(), as every linear layer computes: the gradient of w is built in w.t()'s layout, so w receives
 * a contiguous gradient (accumulated by a plain copy), with the same values and derivatives as before.
 */
class MatmulTransposedGradSpec : FunSpec({
    test("the weight of x @ w.t() gets a contiguous gradient equal to g^T x") {
        val x = Tensor.randn(5, 3)
        val w = Tensor.randn(4, 3).requiresGrad_(true)
        val g = Tensor.randn(5, 4)
        x.matmul(w.t()).backward(g)
        val grad = w.grad()!!
        grad.isContiguous() shouldBe true
        val xs = x.toFloatArray()
        val gs = g.toFloatArray()
        val got = grad.toFloatArray()
        for (o in 0 until 4) for (i in 0 until 3) {
            var want = 0.0
            for (b in 0 until 5) want += gs[b * 4 + o] * xs[b * 3 + i]
            (abs(got[o * 3 + i] - want) < 1e-5) shouldBe true
        }
    }

    test("x @ w.t() passes gradcheck and gradgradcheck for both inputs") {
        val x = Tensor.randn(DType.FLOAT64, 3, 4).requiresGrad_(true)
        val w = Tensor.randn(DType.FLOAT64, 2, 4).requiresGrad_(true)
        checkBoth(x, w) { it[0].matmul(it[1].t()) }
    }
})
