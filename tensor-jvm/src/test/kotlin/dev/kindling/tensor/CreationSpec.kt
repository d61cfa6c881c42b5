package dev.kindling.tensor

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.ints.shouldBeInRange
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.sqrt

class CreationSpec : FunSpec({
    test("zeros, ones and full fill every element with the value in the requested dtype") {
        for (dtype in DType.values()) {
            NDArray.zeros(dtype, 2, 3).shouldMatch(Ref(intArrayOf(2, 3), DoubleArray(6)))
            NDArray.ones(dtype, 4).shouldMatch(Ref(intArrayOf(4), DoubleArray(4) { 1.0 }))
            NDArray.ones(dtype, 4).dtype() shouldBe dtype
        }
        NDArray.full(2.5, DType.FLOAT32, 2, 2).shouldMatch(Ref(intArrayOf(2, 2), DoubleArray(4) { 2.5 }))
        NDArray.full(7.0, DType.INT32, 0, 3).shape().str() shouldBe "[0, 3]"
        NDArray.scalar(3.0, DType.FLOAT64).dim() shouldBe 0
    }

    test("of copies its data and checks the element count against the shape") {
        val data = floatArrayOf(1f, 2f, 3f, 4f)
        val x = NDArray.of(data, 2, 2)
        data[0] = 9f
        x.get(0, 0) shouldBe 1.0
        x.get(-1, -1) shouldBe 4.0
        shouldThrow<IllegalArgumentException> { NDArray.of(data, 3) }.message shouldContain "4 values cannot fill shape [3]"
    }

    test("arange follows Python: end excluded, element count ceil((end - start) / step)") {
        NDArray.arange(0.0, 1.0, 0.1, DType.FLOAT32).numel() shouldBe 10L
        NDArray.arange(0.0, 5.0, 1.0, DType.INT64).toLongArray().toList() shouldBe listOf(0L, 1L, 2L, 3L, 4L)
        val r = NDArray.arange(1.0, 2.0, 0.3, DType.FLOAT64).toDoubleArray()
        r.size shouldBe 4
        r[3] shouldBe (1.9 plusOrMinus 1e-12)
        NDArray.arange(5.0, 0.0, -2.0, DType.INT64).toLongArray().toList() shouldBe listOf(5L, 3L, 1L)
        NDArray.arange(3.0, 3.0, 1.0, DType.FLOAT32).numel() shouldBe 0L
    }

    test("arange with a step away from end is an error") {
        shouldThrow<IllegalArgumentException> { NDArray.arange(0.0, 5.0, -1.0, DType.FLOAT32) }.message shouldContain "arange"
        shouldThrow<IllegalArgumentException> { NDArray.arange(0.0, 5.0, 0.0, DType.FLOAT32) }.message shouldContain "non-zero"
    }

    test("linspace spaces values evenly and ends exactly at end") {
        for (steps in listOf(2, 3, 7, 10, 100, 1001)) {
            for (dtype in FLOATS) {
                val v = NDArray.linspace(-1.3, 2.7, steps, dtype).toDoubleArray()
                v.size shouldBe steps
                v.first() shouldBe (if (dtype == DType.FLOAT32) (-1.3).toFloat().toDouble() else -1.3)
                v.last() shouldBe (if (dtype == DType.FLOAT32) 2.7f.toDouble() else 2.7)
                val step = 4.0 / (steps - 1)
                for (i in v.indices) v[i] shouldBe ((-1.3 + step * i) plusOrMinus 1e-6)
            }
        }
    }

    test("linspace with one step gives start, and with zero steps is empty") {
        NDArray.linspace(0.0, 10.0, 1, DType.FLOAT32).toDoubleArray().toList() shouldBe listOf(0.0)
        NDArray.linspace(0.0, 10.0, 0, DType.FLOAT32).numel() shouldBe 0L
    }

    test("eye has ones on the main diagonal of an n x m matrix") {
        for ((n, m) in listOf(3 to 3, 2 to 4, 4 to 2, 0 to 3, 1 to 1)) {
            NDArray.eye(n, m, DType.FLOAT32).shouldMatch(Ref.build(intArrayOf(n, m)) { (i, j) -> if (i == j) 1.0 else 0.0 })
        }
    }

    test("the same seed gives the same numbers, a different seed different ones") {
        val a = NDArray.randn(Generator(42), DType.FLOAT32, 100).toDoubleArray()
        val b = NDArray.randn(Generator(42), DType.FLOAT32, 100).toDoubleArray()
        val c = NDArray.randn(Generator(43), DType.FLOAT32, 100).toDoubleArray()
        a.toList() shouldBe b.toList()
        (a.toList() != c.toList()).shouldBeTrue()
        NDArray.rand(Generator(1), DType.FLOAT64, 5).toDoubleArray().toList() shouldBe
            NDArray.rand(Generator(1), DType.FLOAT64, 5).toDoubleArray().toList()
        NDArray.randint(Generator(1), 0, 100, DType.INT64, 5).toLongArray().toList() shouldBe
            NDArray.randint(Generator(1), 0, 100, DType.INT64, 5).toLongArray().toList()
    }

    test("bulk draws give exactly the values of as many single draws, and leave the stream where they would") {
        val one = Generator(7)
        val bulk = Generator(7)
        // An odd count of normals: the spare half of a Box-Muller pair carries over to the next call.
        val u = DoubleArray(5).also { bulk.nextDoubles(it, 1, 5) }
        val n = DoubleArray(7).also { bulk.nextGaussians(it, 0, 7) }
        u.drop(1) shouldBe List(4) { one.nextDouble() }
        u[0] shouldBe 0.0
        n.toList() shouldBe List(7) { one.nextGaussian() }
        bulk.nextGaussian() shouldBe one.nextGaussian()
        bulk.nextLong() shouldBe one.nextLong()
    }

    test("manualSeed restarts a generator's stream") {
        val g = Generator(5)
        val first = NDArray.randn(g, DType.FLOAT64, 7).toDoubleArray().toList()
        g.manualSeed(5)
        NDArray.randn(g, DType.FLOAT64, 7).toDoubleArray().toList() shouldBe first
    }

    test("rand is uniform in [0, 1)") {
        val v = NDArray.rand(Generator(11), DType.FLOAT64, 100_000).toDoubleArray()
        v.all { it >= 0.0 && it < 1.0 }.shouldBeTrue()
        v.average() shouldBe (0.5 plusOrMinus 0.005)
        v.count { it < 0.25 }.toDouble() / v.size shouldBe (0.25 plusOrMinus 0.005)
    }

    test("float32 rand never rounds up to 1.0") {
        // This seed's first double is 0.99999998926..., which is nearer 1.0f than any float below it.
        NDArray.rand(Generator(63433462), DType.FLOAT32, 1).item() shouldBe Math.nextDown(1.0f).toDouble()
    }

    test("randn has mean about 0 and standard deviation about 1 over 100k samples") {
        val v = NDArray.randn(Generator(12), DType.FLOAT32, 100_000).toDoubleArray()
        val mean = v.average()
        val std = sqrt(v.sumOf { (it - mean) * (it - mean) } / (v.size - 1))
        mean shouldBe (0.0 plusOrMinus 0.015)
        std shouldBe (1.0 plusOrMinus 0.015)
        v.count { kotlin.math.abs(it) < 1.0 }.toDouble() / v.size shouldBe (0.6827 plusOrMinus 0.01)
    }

    test("randint draws every value of [low, high) and nothing outside it") {
        val v = NDArray.randint(Generator(13), -3, 4, DType.INT32, 10_000).toLongArray()
        v.forEach { it.toInt() shouldBeInRange -3..3 }
        v.toSet() shouldBe (-3L..3L).toSet()
        NDArray.randint(Generator(13), -3, 4, DType.INT32, 2).dtype() shouldBe DType.INT32
        shouldThrow<IllegalArgumentException> { NDArray.randint(Generator(1), 5, 5, DType.INT64, 1) }.message shouldContain "randint"
    }

    test("bernoulli draws 1 with probability p, in p's dtype") {
        val p = NDArray.of(floatArrayOf(0f, 1f, 0.3f), 1, 3).expand(20_000, 3)
        val draws = NDArray.bernoulli(Generator(14), p)
        draws.dtype() shouldBe DType.FLOAT32
        val mean = draws.reduce(ReduceOp.MEAN, intArrayOf(0), false).toDoubleArray()
        mean[0] shouldBe 0.0
        mean[1] shouldBe 1.0
        mean[2] shouldBe (0.3 plusOrMinus 0.015)
        shouldThrow<IllegalArgumentException> { NDArray.bernoulli(Generator(1), NDArray.of(floatArrayOf(1.5f), 1)) }
            .message shouldContain "[0, 1]"
    }

    test("rand and randn refuse integer dtypes") {
        shouldThrow<IllegalArgumentException> { NDArray.rand(Generator(1), DType.INT64, 2) }.message shouldContain "rand"
        shouldThrow<IllegalArgumentException> { NDArray.randn(Generator(1), DType.INT32, 2) }.message shouldContain "randn"
    }

    test("negative sizes are refused, naming the op") {
        shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.FLOAT32, 2, -1) }.message shouldContain "zeros: sizes must be non-negative"
    }
})
