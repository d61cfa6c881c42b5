package dev.kindling.cuda.kernels

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

class IterationSpec : FunSpec({
    test("a contiguous tensor of any rank is walked as one dim") {
        val it = Iteration.of("op", intArrayOf(2, 3, 4), arrayOf(intArrayOf(12, 4, 1), intArrayOf(12, 4, 1)), intArrayOf(0, 5))
        it.ndim() shouldBe 1
        it.numel() shouldBe 24
        it.sizes().toList() shouldBe listOf(24)
        it.strides(1).toList() shouldBe listOf(1)
        it.meta().toList() shouldBe listOf(24, 24, 0, 5, 1, 1)
    }

    test("a transposed operand keeps both dims, each operand with its own strides") {
        val it = Iteration.of("op", intArrayOf(3, 4), arrayOf(intArrayOf(4, 1), intArrayOf(1, 3)), intArrayOf(0, 0))
        it.ndim() shouldBe 2
        it.strides(0).toList() shouldBe listOf(4, 1)
        it.strides(1).toList() shouldBe listOf(1, 3)
        it.meta().toList() shouldBe listOf(12, 3, 4, 0, 0, 4, 1, 1, 3)
    }

    test("dims of size 1 are dropped and broadcast dims keep stride 0") {
        val it = Iteration.of("op", intArrayOf(5, 1, 6), arrayOf(intArrayOf(6, 6, 1), intArrayOf(0, 0, 1)), intArrayOf(0, 0))
        it.sizes().toList() shouldBe listOf(5, 6)
        it.strides(1).toList() shouldBe listOf(0, 1)
    }

    test("dims merge only where every operand steps over them as one") {
        // Operand 1 is a slice of rows: dims 1 and 2 merge for both, dim 0 does not.
        val it = Iteration.of("op", intArrayOf(2, 3, 4), arrayOf(intArrayOf(12, 4, 1), intArrayOf(24, 4, 1)), intArrayOf(0, 0))
        it.sizes().toList() shouldBe listOf(2, 12)
        it.strides(1).toList() shouldBe listOf(24, 1)
    }

    test("a scalar is one element in one dim") {
        val it = Iteration.of("op", intArrayOf(), arrayOf(intArrayOf()), intArrayOf(7))
        it.numel() shouldBe 1
        it.meta().toList() shouldBe listOf(1, 1, 7, 0)
    }

    test("more dims than the kernels take, after merging, is an error naming the op") {
        val shape = IntArray(13) { 2 }
        val strides = IntArray(13) { d -> 1 shl (2 * (12 - d)) }    // every dim padded: nothing merges
        val e = shouldThrow<UnsupportedOperationException> { Iteration.of("add", shape, arrayOf(strides), intArrayOf(0)) }
        e.message shouldContain "add: the CUDA backend handles at most 12 dims"
    }
})
