package dev.kindling.dsl

import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import kotlin.math.abs
import kotlin.math.max

/** Same shape, dtype and values (within [tol], relative above 1) as [expected]. */
internal fun Tensor.shouldMatch(expected: Tensor, tol: Double = 1e-6) {
    withClue("shape") { shape().toList() shouldBe expected.shape().toList() }
    withClue("dtype") { dtype() shouldBe expected.dtype() }
    val a = to(DType.FLOAT64).toDoubleArray()
    val b = expected.to(DType.FLOAT64).toDoubleArray()
    for (i in a.indices) {
        withClue("element $i: ${a[i]} vs ${b[i]}") { (abs(a[i] - b[i]) <= tol * max(1.0, abs(b[i])) || a[i] == b[i]) shouldBe true }
    }
}

internal fun Tensor.values(): List<Double> = to(DType.FLOAT64).toDoubleArray().toList()

internal fun Tensor.dims(): List<Int> = shape().toList()

/** Polls [check] for up to [seconds]; true as soon as it holds. */
internal fun eventuallyTrue(seconds: Int = 5, check: () -> Boolean): Boolean {
    val deadline = System.nanoTime() + seconds * 1_000_000_000L
    while (System.nanoTime() < deadline) {
        if (check()) return true
        Thread.sleep(10)
    }
    return check()
}

/** Live DataLoader worker threads. */
internal fun loaderThreads(): Int = Thread.getAllStackTraces().keys.count { it.isAlive && it.name.startsWith("kindling-dataloader-") }

/**
 * Two well-separated Gaussian blobs in 2-D, classes 0 and 1 (n each), float32 inputs and int64 labels,
 * shuffled by a fixed seed.
 */
internal fun blobs(n: Int, seed: Long = 3): Pair<Tensor, Tensor> {
    val rnd = java.util.Random(seed)
    val xs = FloatArray(4 * n)
    val ys = LongArray(2 * n)
    for (i in 0 until 2 * n) {
        val label = i % 2
        val cx = if (label == 0) -2.0 else 2.0
        xs[2 * i] = (cx + rnd.nextGaussian() * 0.7).toFloat()
        xs[2 * i + 1] = (-cx + rnd.nextGaussian() * 0.7).toFloat()
        ys[i] = label.toLong()
    }
    return Tensor.of(xs, 2 * n, 2) to Tensor.of(ys)
}
