package dev.kindling.autograd

import dev.kindling.tensor.DType
import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import kotlin.math.abs
import kotlin.math.floor

/*
 * Shared by the op gradcheck specs: inputs drawn from the global generator (seeded before every
 * test), moved away from the points where an op has a kink or a jump, and thin wrappers around
 * GradCheck so a check reads as `checkBoth(a, b) { it[0].mul(it[1]) }`.
 */

/** A function of the checked inputs; it must read them from its argument, never capture them. */
internal typealias Fn = (Array<Tensor>) -> Tensor

internal fun gradcheck(vararg inputs: Tensor, fn: Fn) {
    GradCheck.gradcheck(java.util.function.Function<Array<Tensor>, Tensor> { fn(it) }, *inputs) shouldBe true
}

internal fun gradgradcheck(vararg inputs: Tensor, fn: Fn) {
    GradCheck.gradgradcheck(java.util.function.Function<Array<Tensor>, Tensor> { fn(it) }, *inputs) shouldBe true
}

/** gradcheck and gradgradcheck, for ops that are smooth (or piecewise linear) at the sample points. */
internal fun checkBoth(vararg inputs: Tensor, fn: Fn) {
    gradcheck(*inputs, fn = fn)
    gradgradcheck(*inputs, fn = fn)
}

/** Standard normal float64 leaf that requires grad. */
internal fun randn(vararg shape: Int): Tensor = Tensor.randn(DType.FLOAT64, *shape).requiresGrad_(true)

/** Uniform in [low, high), float64, requiring grad. */
internal fun uniform(low: Double, high: Double, vararg shape: Int): Tensor =
    Tensor.rand(DType.FLOAT64, *shape).mul(high - low).add(low).requiresGrad_(true)

/**
 * Standard normal values, each at least {@code gap} from every kink (values closer are pushed out
 * to kink +- gap, on their own side); kinks must be more than 2 gap apart.
 */
internal fun randnAway(vararg shape: Int, kinks: DoubleArray = doubleArrayOf(0.0), gap: Double = 0.2): Tensor {
    val v = Tensor.randn(DType.FLOAT64, *shape).toDoubleArray()
    for (i in v.indices) for (k in kinks) if (abs(v[i] - k) < gap) v[i] = if (v[i] >= k) k + gap else k - gap
    return Tensor.of(v, *shape).requiresGrad_(true)
}

/** The integers in [-4, 4] (where floor and ceil jump). */
internal val integerKinks = DoubleArray(9) { it - 4.0 }

/** The half-integers in [-4.5, 4.5] (where round jumps). */
internal val halfIntegerKinks = DoubleArray(10) { it - 4.5 }

internal fun f64(vararg values: Double, shape: IntArray = intArrayOf(values.size)): Tensor =
    Tensor.of(values, *shape).requiresGrad_(true)

internal fun longs(vararg values: Long, shape: IntArray = intArrayOf(values.size)): Tensor = Tensor.of(values, *shape)

internal fun bools(vararg values: Boolean, shape: IntArray = intArrayOf(values.size)): Tensor = Tensor.of(values, *shape)

/** d(sum of f(x))/dx as plain doubles. */
internal fun gradOf(x: Tensor, f: (Tensor) -> Tensor): DoubleArray {
    val y = f(x)
    return Autograd.grad(if (y.numel() == 1L && y.dim() == 0) y else y.sum(), x)[0].toDoubleArray()
}

internal infix fun DoubleArray.shouldBeClose(expected: DoubleArray) {
    withClue("got ${contentToString()}, expected ${expected.contentToString()}") {
        size shouldBe expected.size
        for (i in indices) {
            withClue("element $i") { (abs(this[i] - expected[i]) <= 1e-10 + 1e-10 * abs(expected[i])) shouldBe true }
        }
    }
}

/** The distance from v to the nearest integer (for checking remainder's sample points). */
internal fun distanceToInteger(v: Double): Double = abs(v - floor(v + 0.5))
