package dev.kindling.dsl

import dev.kindling.autograd.GradCheck
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

class DslIndexingSpec : FunSpec({
    // x[i, j] = 10 i + j, so every picked value names its position.
    val x = Tensor.of(FloatArray(20) { (10 * (it / 5) + it % 5).toFloat() }, 4, 5)
    val cube = Tensor.arange(0.0, 24.0, 1.0).reshape(2, 3, 4)

    test("an Int picks one position and drops the dim; negatives count from the end") {
        x[1].shouldMatch(x.select(0, 1))
        x[-1].shouldMatch(x.select(0, 3))
        x[2, 3].shouldMatch(x.select(0, 2).select(0, 3))
        x[-1, -2].item() shouldBe 33.0
        x[2L, 1].item() shouldBe 21.0
        cube[1, 2, 3].item() shouldBe 23.0
    }

    test("ranges keep their dim: until, .., steps, negatives from the end, all") {
        x[0 until 2].shouldMatch(x.slice(0, 0, 2, 1))
        x[0 until 2, all].shouldMatch(x.narrow(0, 0, 2))
        x[all, 1..3 step 2].shouldMatch(x.slice(1, 1, 4, 2))
        x[1..2, 0].shouldMatch(x.slice(0, 1, 3, 1).select(1, 0))
        x[-3..-1].shouldMatch(x.slice(0, 1, 4, 1))
        x[all, -2 until 0].shouldMatch(x.slice(1, 3, 5, 1))
        x[0..10].shouldMatch(x)
    }

    test("a range that is empty in Kotlin selects nothing, even when its end is 0 or negative") {
        x[0 until 0].dims() shouldBe listOf(0, 5)
        x[3..1].dims() shouldBe listOf(0, 5)
        x[2 until 2, all].dims() shouldBe listOf(0, 5)
    }

    test("slice() is Python's start:end:step") {
        x[slice(1, -1)].shouldMatch(x.slice(0, 1, 3, 1))
        x[all, slice(step = 2)].shouldMatch(x.slice(1, 0, 5, 2))
        x[slice(start = -2)].shouldMatch(x.slice(0, 2, 4, 1))
        x[slice(end = 1), slice(3)].shouldMatch(x.slice(0, 0, 1, 1).slice(1, 3, 5, 1))
    }

    test("newAxis inserts a dim of size 1; ellipsis stands for the dims the other indices leave") {
        x[newAxis].shouldMatch(x.unsqueeze(0))
        x[all, newAxis, 2].shouldMatch(x.unsqueeze(1).select(2, 2))
        cube[ellipsis, 0].shouldMatch(cube.select(2, 0))
        cube[0, ellipsis].shouldMatch(cube.select(0, 0))
        cube[ellipsis, newAxis].shouldMatch(cube.unsqueeze(3))
        cube[0, ellipsis, 1..2].shouldMatch(cube.select(0, 0).slice(1, 1, 3, 1))
    }

    test("Ints, ranges and markers give views that share storage") {
        val y = Tensor.zeros(3, 3)
        noGrad { y[1, 0 until 3].fill_(5.0) }
        y[1].values() shouldBe listOf(5.0, 5.0, 5.0)
    }

    test("a bool mask of the full shape picks elements, as maskedSelect") {
        val mask = x gt 25
        x[mask].shouldMatch(x.maskedSelect(mask))
        x[x lt 3].values() shouldBe listOf(0.0, 1.0, 2.0)
    }

    test("a mask of the leading dims picks rows; after other indices it applies to the dims it meets") {
        val rows = tensor(true, false, true, false)
        x[rows].shouldMatch(x.indexSelect(0, Tensor.of(longArrayOf(0, 2))))
        val cols = tensor(false, true, false, false, true)
        x[all, cols].shouldMatch(x.indexSelect(1, Tensor.of(longArrayOf(1, 4))))
        x[1, cols].values() shouldBe listOf(11.0, 14.0)
        val plane = Tensor.of(booleanArrayOf(true, false, false, true, false, true), 2, 3)
        cube[plane].shouldMatch(cube.reshape(6, 4).indexSelect(0, Tensor.of(longArrayOf(0, 3, 5))))
    }

    test("an int64 index tensor picks positions along its dim, and the result takes its shape there") {
        val idx = Tensor.of(longArrayOf(3, 0, 3))
        x[idx].shouldMatch(x.index(idx))
        x[all, idx].shouldMatch(x.indexSelect(1, idx))
        val grid = Tensor.of(longArrayOf(0, 1, 2, 3), 2, 2)
        x[grid].dims() shouldBe listOf(2, 2, 5)
        x[grid].shouldMatch(x.index(grid))
        x[all, grid].dims() shouldBe listOf(4, 2, 2)
        x[tensor(-1, -4)].shouldMatch(x.indexSelect(0, Tensor.of(longArrayOf(3, 0))))
        x[Tensor.of(intArrayOf(1, 2))].shouldMatch(x.indexSelect(0, Tensor.of(longArrayOf(1, 2))))
    }

    test("indexing is differentiable: gradcheck through every form in float64") {
        seed(3)
        val t = randn(4, 5, dtype = DType.FLOAT64, requiresGrad = true)
        val mask = Tensor.rand(4, 5).gt(0.5)
        GradCheck.gradcheck({ inputs ->
            val a = inputs[0]
            val v = a[0]
            (a[1 until 3, all].sum() + a[-1, 1..4 step 2].sum() * 2 + a[mask].sum() * 3 + a[tensor(2, 2)].sum() * 4 +
                a[newAxis, ellipsis, 0].sum() * v[0])
        }, t) shouldBe true
    }

    test("bad indices are errors naming the subscript, the shape and what would fit") {
        shouldThrow<IllegalArgumentException> { x[0, 0, 0] }.message shouldBe
            "index: x[0, 0, 0] on a tensor of shape [4, 5]: too many indices: they address 3 dims, the tensor has 2"
        shouldThrow<IllegalArgumentException> { x["a"] }.message shouldContain "index 0 is a String; use Int, IntRange"
        shouldThrow<IllegalArgumentException> { x[ellipsis, ellipsis] }.message shouldContain "only one ellipsis"
        shouldThrow<IllegalArgumentException> { x[3 downTo 0] }.message shouldContain "negative step"
        shouldThrow<IllegalArgumentException> { x[tensor(true, false)] }.message shouldContain
            "the mask's shape [2] does not match dims 0.. of [4, 5]"
        shouldThrow<IllegalArgumentException> { x[tensor(0), tensor(1)] }.message shouldContain "at most one tensor index"
        shouldThrow<IllegalArgumentException> { x[tensor(1f)] }.message shouldContain "must be bool (a mask) or int64/int32"
        shouldThrow<IndexOutOfBoundsException> { x[4] }.message shouldContain "index 4 is out of range for dim 0 of size 4"
    }

    test("assignment fills or copies into the indexed part in place, broadcasting") {
        val y = Tensor.zeros(3, 4)
        y[0] = 1f
        y[1, 1 until 3] = 2
        y[all, 3] = tensor(7f, 8f, 9f)
        y[2, 0 until 2] = tensor(5f)
        y.shouldMatch(tensor(listOf(listOf(1f, 1f, 1f, 7f), listOf(0f, 2f, 2f, 8f), listOf(5f, 5f, 0f, 9f))))
    }

    test("assignment through a bool mask fills or takes the value where the mask is true") {
        val y = tensor(listOf(listOf(1f, -2f), listOf(-3f, 4f)))
        y[y lt 0] = 0f
        y.shouldMatch(tensor(listOf(listOf(1f, 0f), listOf(0f, 4f))))
        val z = Tensor.zeros(3, 2)
        z[tensor(true, false, true)] = tensor(5f, 6f)
        z.shouldMatch(tensor(listOf(listOf(5f, 6f), listOf(0f, 0f), listOf(5f, 6f))))
        val w = Tensor.zeros(2, 3)
        w[all, tensor(false, true, true)] = 1
        w.shouldMatch(tensor(listOf(listOf(0f, 1f, 1f), listOf(0f, 1f, 1f))))
        shouldThrow<IllegalArgumentException> { w[tensor(0, 1)] = 1f }.message shouldContain "not supported"
    }

    test("assignment is recorded on computed tensors: gradients skip the overwritten part and reach the value") {
        val leaf = ones(4, requiresGrad = true)
        val v = tensor(3f, requiresGrad = true)
        val y = leaf * 2
        y[1 until 3] = v * 1
        y[y gt 2.5] = 0
        y.sum().backward()
        leaf.grad().values() shouldBe listOf(2.0, 0.0, 0.0, 2.0)
        v.grad().values() shouldBe listOf(0.0)
        val u = tensor(1f, requiresGrad = true)
        val z = zeros(3) * u
        z[0] = u * 5
        z.sum().backward()
        u.grad().values() shouldBe listOf(5.0)
    }

    test("assigning into a leaf that requires grad is refused unless inside noGrad, as PyTorch") {
        val w = zeros(3, requiresGrad = true)
        shouldThrow<IllegalStateException> { w[0] = 1f }.message shouldContain "leaf"
        noGrad { w[0] = 1f }
        w.values() shouldBe listOf(1.0, 0.0, 0.0)
    }
})
