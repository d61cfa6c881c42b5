package dev.kindling.optim

import dev.kindling.autograd.Tensor
import io.kotest.assertions.withClue
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import kotlin.math.abs
import kotlin.math.max
import kotlin.math.sin

/** The starting parameter of the update-rule tests: small, with both signs. */
val X0 = doubleArrayOf(0.5, -1.2, 2.0, 0.03)

/** A fixed gradient for step t (1-based): different every step and element, both signs, shrinking so AMSGrad's max matters. */
fun gradAt(t: Int): DoubleArray =
    DoubleArray(X0.size) { i -> (sin(1.3 * i + 0.7 * t) * (1 + 0.5 * i) - 0.2) / t }

fun param(values: DoubleArray = X0): Tensor = Tensor.of(values.copyOf()).requiresGrad_(true)

/** Element-wise equality within a relative and absolute tolerance. */
fun assertClose(actual: DoubleArray, expected: DoubleArray, tol: Double = 1e-12, clue: String = "") {
    actual.size shouldBe expected.size
    for (i in actual.indices) {
        withClue("$clue element $i") {
            actual[i] shouldBe (expected[i] plusOrMinus tol * max(1.0, abs(expected[i])))
        }
    }
}

/** Least squares y = X w + b on 20 samples, 3 features, with known w and b (float64). */
object Regression {
    val x: Array<DoubleArray>
    val y: DoubleArray
    val trueW = doubleArrayOf(1.5, -2.0, 0.7)
    const val TRUE_B = 0.3

    init {
        val rnd = java.util.Random(7)
        x = Array(20) { DoubleArray(3) { rnd.nextGaussian() } }
        y = DoubleArray(20) { n -> (0 until 3).sumOf { x[n][it] * trueW[it] } + TRUE_B }
    }

    val xs: Tensor get() = Tensor.of(x.flatMap { it.toList() }.toDoubleArray(), 20, 3)
    val ys: Tensor get() = Tensor.of(y.copyOf(), 20, 1)
}
