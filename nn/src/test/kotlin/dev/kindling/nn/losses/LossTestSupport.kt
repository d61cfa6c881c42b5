package dev.kindling.nn.losses

import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.Tensor
import dev.kindling.tensor.DType
import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import kotlin.math.abs

/*
 * Shared by the Loss*Spec files: float64 data from the global generator (seeded before every
 * test), references written as plain loops over DoubleArrays (no Kindling ops), and thin wrappers
 * around GradCheck.
 */

internal val reductions = listOf("mean", "sum", "none")

/** The reference's reduction of per-element losses: one value for "mean" and "sum", all of them for "none". */
internal fun reduceRef(perElement: DoubleArray, reduction: String): DoubleArray = when (reduction) {
    "mean" -> doubleArrayOf(perElement.sum() / perElement.size)
    "sum" -> doubleArrayOf(perElement.sum())
    else -> perElement
}

/** A float64 leaf that requires grad. */
internal fun leaf(values: DoubleArray, vararg shape: Int): Tensor =
    Tensor.of(values, *(if (shape.isEmpty()) intArrayOf(values.size) else shape)).requiresGrad_(true)

internal fun randn(vararg shape: Int): Tensor = Tensor.randn(DType.FLOAT64, *shape)

/** Uniform in [low, high), float64. */
internal fun uniform(low: Double, high: Double, vararg shape: Int): Tensor =
    Tensor.rand(DType.FLOAT64, *shape).mul(high - low).add(low)

/** Labels drawn from {-1, 1}, float64. */
internal fun signs(vararg shape: Int): Tensor = Tensor.rand(DType.FLOAT64, *shape).lt(0.5).to(DType.FLOAT64).mul(2.0).sub(1.0)

internal fun longs(vararg values: Long, shape: IntArray = intArrayOf(values.size)): Tensor = Tensor.of(values, *shape)

/** The tensor's values equal the expected ones within 1e-10 (relative and absolute); NaN matches NaN. */
internal infix fun Tensor.shouldBeClose(expected: DoubleArray) = toDoubleArray().shouldBeClose(expected, 1e-10)

internal infix fun Tensor.shouldBeClose(expected: Double) = shouldBeClose(doubleArrayOf(expected))

internal fun DoubleArray.shouldBeClose(expected: DoubleArray, tol: Double) {
    withClue("got ${contentToString()}, expected ${expected.contentToString()}") {
        size shouldBe expected.size
        for (i in indices) {
            val ok = (this[i].isNaN() && expected[i].isNaN()) || abs(this[i] - expected[i]) <= tol + tol * abs(expected[i])
            withClue("element $i") { ok shouldBe true }
        }
    }
}

/** GradCheck.gradcheck of fn over the inputs that require grad (float64). */
internal fun gradcheck(vararg inputs: Tensor, fn: (Array<Tensor>) -> Tensor) {
    GradCheck.gradcheck(java.util.function.Function<Array<Tensor>, Tensor> { fn(it) }, *inputs) shouldBe true
}

/** The inputs as fresh float64 leaves requiring grad, so each gradcheck starts from clean leaves. */
internal fun Tensor.fresh(): Tensor = detach().to(DType.FLOAT64).clone().requiresGrad_(true)
