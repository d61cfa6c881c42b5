package dev.kindling.autograd

import dev.kindling.Random
import dev.kindling.tensor.DType
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlin.math.abs
import kotlin.math.exp

/** The examples of docs/autograd.md, run as written, so the document stays true. */
class DocsExamplesSpec : FunSpec({

    class Softplus : Function() {
        override fun forward(ctx: FunctionContext, vararg inputs: Tensor): Tensor {
            val x = inputs[0]
            ctx.saveForBackward(x)
            return x.relu().add(x.abs().neg().exp().log1p())
        }

        override fun backward(ctx: FunctionContext, gradOutput: Tensor): Array<Tensor?> =
            arrayOf(gradOutput.mul(ctx.savedTensors()[0].sigmoid()))
    }

    test("the first example: d(sum x^2)/dx = 2x") {
        val x = Tensor.of(doubleArrayOf(1.0, 2.0, 3.0)).requiresGrad_(true)
        val y = x.mul(x).sum()
        y.toString() shouldBe "tensor(14., dtype=torch.float64, gradFn=<SumBackward>)"
        y.backward()
        x.grad().toString() shouldBe "tensor([2., 4., 6.], dtype=torch.float64)"
    }

    test("createGraph example: d/dx of x^3 is 3x^2, and its derivative is 6x") {
        val x = Tensor.of(doubleArrayOf(1.0, 2.0, 3.0)).requiresGrad_(true)
        val dx = Autograd.grad(x.pow(3.0).sum(), x, true)[0]
        dx.toDoubleArray().toList() shouldBe listOf(3.0, 12.0, 27.0)
        val d2x = Autograd.grad(dx.sum(), x)[0]
        d2x.toDoubleArray().toList() shouldBe listOf(6.0, 12.0, 18.0)
    }

    test("the Softplus Function computes log(1 + e^x), records SoftplusBackward and passes gradcheck and gradgradcheck") {
        Random.manualSeed(7)
        val x = Tensor.randn(DType.FLOAT64, 5).requiresGrad_(true)
        val y = Softplus().apply(x)
        y.gradFn()!!.name() shouldBe "SoftplusBackward"
        val xs = x.toDoubleArray()
        y.toDoubleArray().forEachIndexed { i, v -> (abs(v - kotlin.math.ln(1 + exp(xs[i]))) < 1e-12) shouldBe true }
        GradCheck.gradcheck({ a -> Softplus().apply(a[0]) }, x) shouldBe true
        GradCheck.gradgradcheck({ a -> Softplus().apply(a[0]) }, x) shouldBe true
    }
})
