package dev.kindling.autograd

import dev.kindling.Random
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** In-place ops on views while recording: the base's history is rebased (PyTorch's CopySlices). */
class InPlaceViewSpec : FunSpec({
    beforeTest { Random.manualSeed(11) }

    fun leaf(vararg shape: Int) = Tensor.randn(DType.FLOAT64, *shape).requiresGrad_(true)

    test("mul_ into a narrow view of a computed tensor: gradients as if written out of place") {
        val x = leaf(5)
        val w = leaf(2)
        val y = x.mul(1.0)
        y.narrow(0, 1, 2).mul_(w)
        y.gradFn()!!.name() shouldBe "CopySlices"
        y.pow(2.0).sum().backward()
        val xs = x.toDoubleArray()
        val ws = w.toDoubleArray()
        val yv = doubleArrayOf(xs[0], xs[1] * ws[0], xs[2] * ws[1], xs[3], xs[4])
        val expectX = doubleArrayOf(2 * yv[0], 2 * yv[1] * ws[0], 2 * yv[2] * ws[1], 2 * yv[3], 2 * yv[4])
        val expectW = doubleArrayOf(2 * yv[1] * xs[1], 2 * yv[2] * xs[2])
        x.grad()!!.toDoubleArray().zip(expectX.toList()).forEach { (a, e) -> (Math.abs(a - e) < 1e-12) shouldBe true }
        w.grad()!!.toDoubleArray().zip(expectW.toList()).forEach { (a, e) -> (Math.abs(a - e) < 1e-12) shouldBe true }
    }

    test("several in-place ops on views of one tensor pass gradcheck and gradgradcheck") {
        val f = { a: Array<Tensor> ->
            val y = a[0].mul(1.0)
            y.narrow(0, 1, 2).mul_(a[1])
            y.select(0, 0).add_(a[2].sum())
            y.t().narrow(0, 2, 1).copy_(a[1].reshape(-1).narrow(0, 0, 4).reshape(1, 4).mul(3.0))
            y.slice(1, 0, 3, 2).clamp_(-0.5, 0.5)
            y.tanh().sum()
        }
        val x = leaf(4, 3)
        val w = leaf(2, 3)
        val z = leaf(3)
        GradCheck.gradcheck(f, x, w, z) shouldBe true
        GradCheck.gradgradcheck(f, x, w, z) shouldBe true
    }

    test("a view written in place from a value that requires grad makes a plain buffer require grad") {
        val buffer = Tensor.zeros(DType.FLOAT64, 3)
        val v = leaf(2)
        buffer.narrow(0, 1, 2).copy_(v)
        buffer.requiresGrad() shouldBe true
        buffer.mul(buffer).sum().backward()
        v.grad()!!.toDoubleArray().toList() shouldBe v.toDoubleArray().map { 2 * it }
    }

    test("the modified view itself follows the new history") {
        val x = leaf(4)
        val y = x.mul(2.0)
        val v = y.narrow(0, 0, 2)
        v.mul_(3.0)
        v.sum().backward()
        x.grad()!!.toDoubleArray().toList() shouldBe listOf(6.0, 6.0, 0.0, 0.0)
    }

    test("another view taken before the base was modified in place refuses to join a graph") {
        val x = leaf(4)
        val y = x.mul(2.0)
        val early = y.narrow(0, 2, 2)
        y.narrow(0, 0, 2).mul_(3.0)
        val e = shouldThrow<IllegalStateException> { early.sum() }
        e.message shouldContain "modified in place"
    }
})
