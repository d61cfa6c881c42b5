package dev.kindling.dsl

import dev.kindling.autograd.GradCheck
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

class DslOperatorsSpec : FunSpec({
    beforeTest { seed(1) }

    val a = Tensor.randn(3, 4)
    val b = Tensor.randn(3, 4)
    val row = Tensor.randn(4)
    val ints = Tensor.of(longArrayOf(1, -2, 3, 4))

    test("+ - * / between tensors are the Java ops, broadcasting") {
        (a + b).shouldMatch(a.add(b))
        (a - row).shouldMatch(a.sub(row))
        (a * b).shouldMatch(a.mul(b))
        (a / b).shouldMatch(a.div(b))
        (a % b).shouldMatch(a.remainder(b))
    }

    test("a number on the right: Int and Long act as Python ints, Float and Double as Python floats") {
        (a + 2).shouldMatch(a.add(2L))
        (a - 1.5).shouldMatch(a.sub(1.5))
        (a * 3f).shouldMatch(a.mul(3.0))
        (a / 4L).shouldMatch(a.div(4L))
        (a % 2).shouldMatch(a.remainder(Tensor.scalar(2.0)))
        (ints + 1).shouldMatch(Tensor.of(longArrayOf(2, -1, 4, 5)))
        (ints * 2L).dtype() shouldBe DType.INT64
        (ints + 0.5).shouldMatch(Tensor.of(floatArrayOf(1.5f, -1.5f, 3.5f, 4.5f)))
        (ints / 2).shouldMatch(Tensor.of(floatArrayOf(0.5f, -1f, 1.5f, 2f)))
        (ints % 3).shouldMatch(Tensor.of(longArrayOf(1, 1, 0, 1)))
    }

    test("a number on the left") {
        (2 + a).shouldMatch(a.add(2L))
        (1.5 - a).shouldMatch(a.rsub(1.5))
        (3f * a).shouldMatch(a.mul(3.0))
        (2.0 / a).shouldMatch(a.rdiv(2.0))
        (10 - ints).shouldMatch(Tensor.of(longArrayOf(9, 12, 7, 6)))
        (1 / ints).shouldMatch(Tensor.of(floatArrayOf(1f, -0.5f, 1f / 3, 0.25f)))
    }

    test("unary minus, unary plus and not") {
        (-a).shouldMatch(a.neg())
        (+a).shouldMatch(a)
        (!(a gt 0)).shouldMatch(a.gt(0.0).logicalNot())
    }

    test("infix matmul, pow and the transpose property T") {
        (a matmul b.T).shouldMatch(a.matmul(b.t()))
        (a matmul row).shouldMatch(a.matmul(row))
        (a pow 2).shouldMatch(a.pow(2.0))
        (a.abs() pow b).shouldMatch(a.abs().pow(b))
        a.T.shouldMatch(a.t())
        row.T.shouldMatch(row)
        val cube = Tensor.randn(2, 3, 4)
        cube.T.shouldMatch(cube.permute(2, 1, 0))
    }

    test("comparisons give bool masks, with a tensor or a number on the right") {
        (a eq b).shouldMatch(a.eq(b))
        (a ne 0).shouldMatch(a.ne(0.0))
        (a lt b).shouldMatch(a.lt(b))
        (a le 0.5).shouldMatch(a.le(0.5))
        (a gt row).shouldMatch(a.gt(row))
        (a ge 0f).shouldMatch(a.ge(0.0))
        (ints gt 2).shouldMatch(Tensor.of(booleanArrayOf(false, false, true, true)))
        ((a gt 0) and (b gt 0)).shouldMatch(a.gt(0.0).logicalAnd(b.gt(0.0)))
        ((a gt 0) or (b gt 0)).shouldMatch(a.gt(0.0).logicalOr(b.gt(0.0)))
    }

    test("where with tensors or numbers in either branch") {
        where(a gt 0, a, b).shouldMatch(Tensor.where(a.gt(0.0), a, b))
        where(a gt 0, a, 0).shouldMatch(a.relu())
        where(a gt 0, 1f, a).shouldMatch(Tensor.where(a.gt(0.0), Tensor.ones(3, 4), a))
    }

    test("reductions along a dim default keepdim to false and take named arguments") {
        a.sum(1).shouldMatch(a.sum(1, false))
        a.sum(dim = 0).shouldMatch(a.sum(0, false))
        a.mean(dim = 1, keepdim = true).shouldMatch(a.mean(1, true))
        a.prod(0).shouldMatch(a.prod(0, false))
        a.std(dim = 1).shouldMatch(a.std(1, true, false))
        a.std(1, unbiased = false).shouldMatch(a.std(1, false, false))
        a.logsumexp(1).shouldMatch(a.logsumexp(1, false))
        val (values, indices) = a.max(dim = 1)
        values.shouldMatch(a.max(1, false).values())
        indices.shouldMatch(a.max(1, false).indices())
        a.min(0).indices().shouldMatch(a.min(0, false).indices())
        a.argmax(dim = 1).shouldMatch(a.argmax(1, false))
        a.argmin(0, keepdim = true).shouldMatch(a.argmin(0, true))
    }

    test("+= on a var rebinds it to a new tensor and leaves the old one alone (out of place, safe for autograd)") {
        val original = Tensor.zeros(3)
        var x = original
        x += 1
        x += tensor(1f, 2f, 3f)
        x.values() shouldBe listOf(2.0, 3.0, 4.0)
        original.values() shouldBe listOf(0.0, 0.0, 0.0)
    }

    test("gradients flow through every operator (float64 gradcheck)") {
        seed(2)
        val x = randn(3, 3, dtype = DType.FLOAT64, requiresGrad = true)
        val y = randn(3, 3, dtype = DType.FLOAT64, requiresGrad = true)
        GradCheck.gradcheck({ t ->
            val (p, q) = t
            ((2 * p - q / 3.0 + 1) * (p matmul q.T) - (1.5 / (q * q + 1)) + (-p) + (p pow 2)).sum()
        }, x, y) shouldBe true
    }
})
