package dev.kindling.nn.losses

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.nn.functional.F
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs
import kotlin.math.max
import kotlin.math.pow
import kotlin.math.sqrt

/**
 * Hinge embedding, squared hinge, multi-margin, cosine embedding and margin ranking losses against
 * loop references; gradcheck at sample points away from their kinks; errors.
 */
class LossMarginSpec : FunSpec({

    beforeTest { Random.manualSeed(5) }

    /** Draws until every kink distance the check computes is above 1e-3, so finite differences never straddle a kink. */
    fun <T> awayFromKinks(draw: () -> T, kinkDistances: (T) -> DoubleArray): T {
        repeat(100) {
            val v = draw()
            if (kinkDistances(v).all { abs(it) > 1e-3 }) return v
        }
        error("no sample away from the kinks in 100 draws")
    }

    // ------------------------------------------------------------------ hingeEmbeddingLoss

    fun hingeEmbeddingRef(x: DoubleArray, y: DoubleArray, margin: Double) = DoubleArray(x.size) {
        (if (y[it] != 1.0) max(0.0, margin - x[it]) else 0.0) + (if (y[it] != -1.0) x[it] else 0.0)
    }

    test("hingeEmbeddingLoss matches x for y = 1 and max(0, margin - x) for y = -1, margins 1 and 2.5, every reduction") {
        val x = uniform(0.0, 3.0, 4, 5); val y = signs(4, 5)
        for (m in listOf(1.0, 2.5)) {
            val per = hingeEmbeddingRef(x.toDoubleArray(), y.toDoubleArray(), m)
            for (r in reductions) F.hingeEmbeddingLoss(x, y, m, r) shouldBeClose reduceRef(per, r)
        }
        F.hingeEmbeddingLoss(x, y) shouldBeClose reduceRef(hingeEmbeddingRef(x.toDoubleArray(), y.toDoubleArray(), 1.0), "mean")
    }

    test("hingeEmbeddingLoss by hand: distances [0.3, 0.3, 2] with labels [1, -1, -1] cost [0.3, 0.7, 0]") {
        F.hingeEmbeddingLoss(leaf(doubleArrayOf(0.3, 0.3, 2.0)), Tensor.of(doubleArrayOf(1.0, -1.0, -1.0)), 1.0, "none") shouldBeClose
            doubleArrayOf(0.3, 0.7, 0.0)
    }

    test("hingeEmbeddingLoss: gradcheck w.r.t. the input away from x = margin, every reduction") {
        val y = signs(3, 4)
        val x = awayFromKinks({ uniform(0.0, 3.0, 3, 4) }) { t -> t.toDoubleArray().map { 1.5 - it }.toDoubleArray() }
        for (r in reductions) gradcheck(x.fresh()) { F.hingeEmbeddingLoss(it[0], y, 1.5, r) }
    }

    // ------------------------------------------------------------------ squaredHingeLoss

    test("squaredHingeLoss matches max(0, 1 - y x)^2, every reduction; by hand scores [2, 0.5, -1] for y = 1 cost [0, 0.25, 4]") {
        val x = randn(5, 3).mul(2.0); val y = signs(5, 3)
        val xs = x.toDoubleArray(); val ys = y.toDoubleArray()
        val per = DoubleArray(xs.size) { max(0.0, 1 - ys[it] * xs[it]).pow(2) }
        for (r in reductions) F.squaredHingeLoss(x, y, r) shouldBeClose reduceRef(per, r)
        F.squaredHingeLoss(leaf(doubleArrayOf(2.0, 0.5, -1.0)), Tensor.of(doubleArrayOf(1.0, 1.0, 1.0)), "none") shouldBeClose
            doubleArrayOf(0.0, 0.25, 4.0)
    }

    test("squaredHingeLoss: gradcheck w.r.t. input and target (the square makes the hinge smooth), every reduction") {
        for (r in reductions) gradcheck(randn(3, 4).fresh(), signs(3, 4).fresh()) { F.squaredHingeLoss(it[0], it[1], r) }
    }

    // ------------------------------------------------------------------ multiMarginLoss

    fun multiMarginRef(x: DoubleArray, n: Int, c: Int, t: LongArray, p: Int, margin: Double, w: DoubleArray?) = DoubleArray(n) { i ->
        val y = t[i].toInt()
        var sum = 0.0
        for (j in 0 until c) if (j != y) sum += (w?.get(y) ?: 1.0) * max(0.0, margin - x[i * c + y] + x[i * c + j]).pow(p)
        sum / c
    }

    test("multiMarginLoss matches the per-sample sum of hinges over the other classes, p 1 and 2, margins, weights, every reduction") {
        val x = randn(6, 4); val t = Tensor.randint(0, 4, 6); val w = uniform(0.2, 3.0, 4)
        for (p in listOf(1, 2)) for (m in listOf(1.0, 0.3)) for (weight in listOf(null, w)) {
            val per = multiMarginRef(x.toDoubleArray(), 6, 4, t.toLongArray(), p, m, weight?.toDoubleArray())
            for (r in reductions) F.multiMarginLoss(x, t, p, m, weight, r) shouldBeClose reduceRef(per, r)
        }
        F.multiMarginLoss(x, t) shouldBeClose reduceRef(multiMarginRef(x.toDoubleArray(), 6, 4, t.toLongArray(), 1, 1.0, null), "mean")
    }

    test("multiMarginLoss by hand: scores [0.1, 0.2, 0.4, 0.8] for class 3 cost ((1 - 0.7) + (1 - 0.6) + (1 - 0.4)) / 4 = 0.325; unbatched") {
        val x = leaf(doubleArrayOf(0.1, 0.2, 0.4, 0.8))
        val t0 = Tensor.of(longArrayOf(3)).reshape()
        F.multiMarginLoss(x, t0) shouldBeClose 0.325
        F.multiMarginLoss(x, t0, 1, 1.0, null, "none").dim() shouldBe 0
        F.multiMarginLoss(x, longs(3), 1, 1.0, null, "none").shape().toList() shouldBe listOf(1)
    }

    test("multiMarginLoss: gradcheck w.r.t. the input away from the hinges, p 1 and 2, with weights, every reduction") {
        val t = longs(0, 2, 1, 2); val w = uniform(0.2, 3.0, 3)
        val x = awayFromKinks({ randn(4, 3) }) { s ->
            val v = s.toDoubleArray()
            DoubleArray(12) { e -> val i = e / 3; 0.7 - v[i * 3 + t.toLongArray()[i].toInt()] + v[e] }
        }
        for (p in listOf(1, 2)) for (r in reductions) gradcheck(x.fresh()) { F.multiMarginLoss(it[0], t, p, 0.7, w, r) }
    }

    test("multiMarginLoss refuses p other than 1 or 2, class indices out of range, and targets of the wrong shape") {
        shouldThrow<IllegalArgumentException> { F.multiMarginLoss(randn(2, 3), longs(0, 1), 3, 1.0) }.message shouldContain
            "multiMarginLoss: p must be 1 or 2, got 3"
        shouldThrow<IndexOutOfBoundsException> { F.multiMarginLoss(randn(2, 3), longs(0, 3)) }.message shouldBe
            "multiMarginLoss: class index 3 (target element 1) is out of range for 3 classes: indices must be in [0, 2]"
        shouldThrow<IllegalArgumentException> { F.multiMarginLoss(randn(2, 3), longs(0, 1, 2)) }.message shouldContain
            "multiMarginLoss: target [3] does not fit input [2, 3]: it needs one class index per sample, [2]"
        shouldThrow<IllegalArgumentException> { F.multiMarginLoss(randn(2, 3), randn(2)) }.message shouldContain "int64"
        shouldThrow<IllegalArgumentException> { F.multiMarginLoss(randn(2, 3, 4), longs(0, 1)) }.message shouldContain "[C] or [N, C]"
    }

    // ------------------------------------------------------------------ cosineEmbeddingLoss

    fun cosineRef(a: DoubleArray, b: DoubleArray, n: Int, d: Int, y: DoubleArray, margin: Double) = DoubleArray(n) { i ->
        var dot = 0.0; var na = 0.0; var nb = 0.0
        for (k in 0 until d) { dot += a[i * d + k] * b[i * d + k]; na += a[i * d + k] * a[i * d + k]; nb += b[i * d + k] * b[i * d + k] }
        val cos = dot / sqrt((na + 1e-12) * (nb + 1e-12))
        if (y[i] == 1.0) 1 - cos else if (y[i] == -1.0) max(0.0, cos - margin) else 0.0
    }

    test("cosineEmbeddingLoss matches 1 - cos for y = 1 and max(0, cos - margin) for y = -1, every reduction, batched and unbatched") {
        val a = randn(6, 5); val b = randn(6, 5); val y = signs(6)
        for (m in listOf(0.0, -0.2, 0.3)) {
            val per = cosineRef(a.toDoubleArray(), b.toDoubleArray(), 6, 5, y.toDoubleArray(), m)
            for (r in reductions) F.cosineEmbeddingLoss(a, b, y, m, r) shouldBeClose reduceRef(per, r)
        }
        val a1 = randn(4); val b1 = randn(4)
        F.cosineEmbeddingLoss(a1, b1, Tensor.scalar(1.0)) shouldBeClose cosineRef(a1.toDoubleArray(), b1.toDoubleArray(), 1, 4, doubleArrayOf(1.0), 0.0)
    }

    test("cosineEmbeddingLoss by hand: parallel vectors labelled similar cost 0, orthogonal ones 1; opposite ones labelled dissimilar cost 0") {
        val a = Tensor.of(doubleArrayOf(1.0, 2.0, 1.0, 0.0, 1.0, 1.0), 3, 2)
        val b = Tensor.of(doubleArrayOf(2.0, 4.0, 0.0, 3.0, -1.0, -1.0), 3, 2)
        F.cosineEmbeddingLoss(a, b, Tensor.of(doubleArrayOf(1.0, 1.0, -1.0)), 0.0, "none").toDoubleArray()
            .shouldBeClose(doubleArrayOf(0.0, 1.0, 0.0), 1e-9)
    }

    test("cosineEmbeddingLoss: gradcheck w.r.t. both inputs away from cos = margin, every reduction") {
        val y = signs(4)
        val (a, b) = awayFromKinks({ randn(4, 3) to randn(4, 3) }) { (a, b) ->
            // 1 - cos(a, b) for label 1 is the cosine's distance from 1; shift it to the distance from the margin -0.1.
            cosineRef(a.toDoubleArray(), b.toDoubleArray(), 4, 3, DoubleArray(4) { 1.0 }, 0.0).map { 1 - it + 0.1 }.toDoubleArray()
        }
        for (r in reductions) gradcheck(a.fresh(), b.fresh()) { F.cosineEmbeddingLoss(it[0], it[1], y, -0.1, r) }
    }

    test("cosineEmbeddingLoss refuses mismatched inputs and targets that do not fit") {
        shouldThrow<IllegalArgumentException> { F.cosineEmbeddingLoss(randn(4, 3), randn(4, 2), signs(4)) }.message shouldContain
            "cosineEmbeddingLoss: input1 [4, 3] and input2 [4, 2] must have the same shape"
        shouldThrow<IllegalArgumentException> { F.cosineEmbeddingLoss(randn(4, 3), randn(4, 3), signs(3)) }.message shouldContain
            "cosineEmbeddingLoss: target [3] does not fit inputs [4, 3]: it needs one label (1 or -1) per pair, [4]"
    }

    // ------------------------------------------------------------------ marginRankingLoss

    test("marginRankingLoss matches max(0, -y (x1 - x2) + margin), every reduction; by hand") {
        val a = randn(7); val b = randn(7); val y = signs(7)
        for (m in listOf(0.0, 0.5)) {
            val av = a.toDoubleArray(); val bv = b.toDoubleArray(); val yv = y.toDoubleArray()
            val per = DoubleArray(7) { max(0.0, -yv[it] * (av[it] - bv[it]) + m) }
            for (r in reductions) F.marginRankingLoss(a, b, y, m, r) shouldBeClose reduceRef(per, r)
        }
        F.marginRankingLoss(leaf(doubleArrayOf(1.0, 1.0)), leaf(doubleArrayOf(0.8, 0.8)), Tensor.of(doubleArrayOf(1.0, -1.0)), 0.5, "none") shouldBeClose
            doubleArrayOf(0.3, 0.7)
    }

    test("marginRankingLoss: gradcheck w.r.t. both inputs away from the hinge, every reduction") {
        val y = signs(6)
        val (a, b) = awayFromKinks({ randn(6) to randn(6) }) { (a, b) ->
            val av = a.toDoubleArray(); val bv = b.toDoubleArray(); val yv = y.toDoubleArray()
            DoubleArray(6) { -yv[it] * (av[it] - bv[it]) + 0.2 }
        }
        for (r in reductions) gradcheck(a.fresh(), b.fresh()) { F.marginRankingLoss(it[0], it[1], y, 0.2, r) }
    }

    test("marginRankingLoss refuses tensors of different shapes") {
        shouldThrow<IllegalArgumentException> { F.marginRankingLoss(randn(4), randn(4), signs(4, 1)) }.message shouldContain
            "marginRankingLoss: input1 [4] and target [4, 1] must have the same shape"
    }
})
