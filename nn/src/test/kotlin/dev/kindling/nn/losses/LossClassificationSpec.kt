package dev.kindling.nn.losses

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.nn.CrossEntropyLoss
import dev.kindling.nn.functional.F
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.exp
import kotlin.math.ln
import kotlin.math.max

/**
 * Cross entropy (class indices and class probabilities), NLL and KL divergence against loop
 * references, with weights, ignoreIndex, label smoothing, spatial dims and logTarget; gradcheck; errors.
 * Tensors are laid out [n, c, s] (s = the product of spatial dims), as the references index them.
 */
class LossClassificationSpec : FunSpec({

    beforeTest { Random.manualSeed(3) }

    fun at(i: Int, j: Int, k: Int, c: Int, s: Int) = (i * c + j) * s + k

    fun logSoftmaxRef(x: DoubleArray, n: Int, c: Int, s: Int): DoubleArray {
        val out = DoubleArray(x.size)
        for (i in 0 until n) for (k in 0 until s) {
            var m = Double.NEGATIVE_INFINITY
            for (j in 0 until c) m = max(m, x[at(i, j, k, c, s)])
            var z = 0.0
            for (j in 0 until c) z += exp(x[at(i, j, k, c, s)] - m)
            for (j in 0 until c) out[at(i, j, k, c, s)] = x[at(i, j, k, c, s)] - m - ln(z)
        }
        return out
    }

    /** PyTorch's nll with label smoothing: "mean" divides by the summed weights of targets not ignored. */
    fun nllRef(logp: DoubleArray, n: Int, c: Int, s: Int, t: LongArray, w: DoubleArray?, ignore: Long, eps: Double,
               reduction: String): DoubleArray {
        val per = DoubleArray(n * s)
        var denom = 0.0
        for (i in 0 until n) for (k in 0 until s) {
            val ti = t[i * s + k]
            if (ti == ignore) continue
            val wt = w?.get(ti.toInt()) ?: 1.0
            var smooth = 0.0
            for (j in 0 until c) smooth -= (w?.get(j) ?: 1.0) * logp[at(i, j, k, c, s)]
            per[i * s + k] = (1 - eps) * -wt * logp[at(i, ti.toInt(), k, c, s)] + eps / c * smooth
            denom += wt
        }
        return when (reduction) {
            "mean" -> doubleArrayOf(per.sum() / denom)
            else -> reduceRef(per, reduction)
        }
    }

    /** Probability targets: -sum_j w_j y'_j logp_j, y' = (1 - eps) y + eps / C; "mean" over the n * s elements. */
    fun softRef(logp: DoubleArray, n: Int, c: Int, s: Int, y: DoubleArray, w: DoubleArray?, eps: Double, reduction: String) =
        reduceRef(DoubleArray(n * s) { e ->
            val i = e / s; val k = e % s
            var acc = 0.0
            for (j in 0 until c) acc -= (w?.get(j) ?: 1.0) * ((1 - eps) * y[at(i, j, k, c, s)] + eps / c) * logp[at(i, j, k, c, s)]
            acc
        }, reduction)

    fun ceRef(x: Tensor, t: Tensor, w: Tensor? = null, ignore: Long = -100, eps: Double = 0.0, reduction: String = "mean"): DoubleArray {
        val shape = x.shape()
        val n = if (x.dim() == 1) 1 else shape[0]
        val c = if (x.dim() == 1) shape[0] else shape[1]
        val s = (x.numel() / (n.toLong() * c)).toInt()
        val logp = logSoftmaxRef(x.toDoubleArray(), n, c, s)
        return if (t.dtype().isFloatingPoint) softRef(logp, n, c, s, t.toDoubleArray(), w?.toDoubleArray(), eps, reduction)
        else nllRef(logp, n, c, s, t.toLongArray(), w?.toDoubleArray(), ignore, eps, reduction)
    }

    /** Random class probabilities [n, c, ...] along dim 1. */
    fun probabilities(vararg shape: Int) = randn(*shape).mul(2.0).softmax(if (shape.size == 1) 0 else 1)

    // ------------------------------------------------------------------ crossEntropy, class indices

    test("crossEntropy with class indices [N] matches the reference for every reduction") {
        val x = randn(6, 5).mul(2.0); val t = Tensor.randint(0, 5, 6)
        for (r in reductions) F.crossEntropy(x, t, r) shouldBeClose ceRef(x, t, reduction = r)
        F.crossEntropy(x, t) shouldBeClose ceRef(x, t)
        F.crossEntropy(x, t, "none").shape().toList() shouldBe listOf(6)
    }

    test("crossEntropy by hand: uniform logits over C classes cost ln C; logits [0, ln 3] cost ln 4 for class 0, ln 4/3 for class 1") {
        for (c in listOf(2, 5, 10)) F.crossEntropy(Tensor.zeros(DType.FLOAT64, 4, c), Tensor.randint(0, c.toLong(), 4)) shouldBeClose ln(c.toDouble())
        val x = Tensor.of(doubleArrayOf(0.0, ln(3.0), 0.0, ln(3.0)), 2, 2)
        F.crossEntropy(x, longs(0, 1), "none") shouldBeClose doubleArrayOf(ln(4.0), ln(4.0 / 3))
        // Label smoothing cannot make uniform logits better or worse.
        F.crossEntropy(Tensor.zeros(DType.FLOAT64, 3, 7), longs(1, 2, 3), null, -100, "mean", 0.3) shouldBeClose ln(7.0)
    }

    test("crossEntropy with class weights: \"mean\" divides by the summed weights of the targets") {
        val x = randn(8, 4); val t = Tensor.randint(0, 4, 8); val w = uniform(0.2, 3.0, 4)
        for (r in reductions) F.crossEntropy(x, t, w, -100, r, 0.0) shouldBeClose ceRef(x, t, w, reduction = r)
        F.crossEntropy(x, t, w) shouldBeClose ceRef(x, t, w)
        // By hand: two samples with weights 1 and 3 and per-sample losses ln 4 and ln 4/3.
        val h = Tensor.of(doubleArrayOf(0.0, ln(3.0), 0.0, ln(3.0)), 2, 2)
        F.crossEntropy(h, longs(0, 1), Tensor.of(doubleArrayOf(1.0, 3.0))) shouldBeClose (ln(4.0) + 3 * ln(4.0 / 3)) / 4
    }

    test("crossEntropy ignoreIndex: ignored targets cost 0 and leave the mean's denominator, with and without weights") {
        val x = randn(7, 3); val w = uniform(0.2, 3.0, 3)
        val t = longs(0, -100, 2, 1, -100, 2, 0)
        for (r in reductions) {
            F.crossEntropy(x, t, null, -100, r, 0.0) shouldBeClose ceRef(x, t, reduction = r)
            F.crossEntropy(x, t, w, -100, r, 0.0) shouldBeClose ceRef(x, t, w, reduction = r)
        }
        F.crossEntropy(x, t, "none").toDoubleArray().let { it[1] shouldBe 0.0; it[4] shouldBe 0.0 }
        // A valid class can be the ignored one.
        val t2 = longs(0, 1, 2, 1, 1, 2, 0)
        for (r in reductions) F.crossEntropy(x, t2, w, 1, r, 0.0) shouldBeClose ceRef(x, t2, w, ignore = 1, reduction = r)
    }

    test("crossEntropy with every target ignored: \"mean\" is NaN (0 / 0, as PyTorch), \"sum\" is 0") {
        val x = randn(3, 4); val t = longs(-100, -100, -100)
        F.crossEntropy(x, t).item().isNaN() shouldBe true
        F.crossEntropy(x, t, "sum") shouldBeClose 0.0
    }

    test("crossEntropy label smoothing with weights and ignored targets matches PyTorch's formula for every reduction") {
        val x = randn(9, 4).mul(2.0); val w = uniform(0.2, 3.0, 4)
        val t = longs(3, 0, -100, 1, 2, 2, -100, 0, 1)
        for (eps in listOf(0.1, 0.35, 1.0)) for (r in reductions) {
            F.crossEntropy(x, t, null, -100, r, eps) shouldBeClose ceRef(x, t, eps = eps, reduction = r)
            F.crossEntropy(x, t, w, -100, r, eps) shouldBeClose ceRef(x, t, w, eps = eps, reduction = r)
        }
    }

    test("crossEntropy with spatial dims: input [N, C, H, W] and targets [N, H, W], weights, ignored pixels, smoothing") {
        val x = randn(2, 3, 4, 5); val t = Tensor.randint(0, 3, 2, 4, 5)
        val masked = t.maskedFill(Tensor.rand(2, 4, 5).lt(0.2), -100.0)
        val w = uniform(0.2, 3.0, 3)
        for (r in reductions) {
            F.crossEntropy(x, t, r) shouldBeClose ceRef(x, t, reduction = r)
            F.crossEntropy(x, masked, w, -100, r, 0.2) shouldBeClose ceRef(x, masked, w, eps = 0.2, reduction = r)
        }
        F.crossEntropy(x, t, "none").shape().toList() shouldBe listOf(2, 4, 5)
    }

    test("crossEntropy of one unbatched sample: input [C] with a 0-d target") {
        val x = randn(5); val t = Tensor.of(longArrayOf(3), *IntArray(0)).reshape()
        t.dim() shouldBe 0
        for (r in reductions) F.crossEntropy(x, t, r) shouldBeClose ceRef(x, t, reduction = r)
        F.crossEntropy(x, t, "none").dim() shouldBe 0
    }

    // ------------------------------------------------------------------ crossEntropy, class probabilities

    test("crossEntropy with class probabilities matches -sum y log softmax(x), with weights and smoothing, every reduction") {
        val x = randn(6, 4).mul(2.0); val y = probabilities(6, 4); val w = uniform(0.2, 3.0, 4)
        for (r in reductions) {
            F.crossEntropy(x, y, r) shouldBeClose ceRef(x, y, reduction = r)
            F.crossEntropy(x, y, w, -100, r, 0.0) shouldBeClose ceRef(x, y, w, reduction = r)
            F.crossEntropy(x, y, w, -100, r, 0.25) shouldBeClose ceRef(x, y, w, eps = 0.25, reduction = r)
        }
    }

    test("crossEntropy: one-hot probabilities give the same loss as their class indices (without weights)") {
        val x = randn(5, 3); val t = longs(2, 0, 1, 1, 2)
        val oneHot = Tensor.zeros(DType.FLOAT64, 5, 3).scatter(1, t.unsqueeze(1), Tensor.ones(DType.FLOAT64, 5, 1))
        for (r in reductions) F.crossEntropy(x, oneHot, r) shouldBeClose F.crossEntropy(x, t, r).toDoubleArray()
        F.crossEntropy(x, oneHot, null, -100, "mean", 0.1) shouldBeClose F.crossEntropy(x, t, null, -100, "mean", 0.1).item()
    }

    test("crossEntropy with class probabilities over spatial dims and unbatched") {
        val x = randn(2, 3, 4); val y = probabilities(2, 3, 4)
        for (r in reductions) F.crossEntropy(x, y, r) shouldBeClose ceRef(x, y, reduction = r)
        val x1 = randn(4); val y1 = probabilities(4)
        F.crossEntropy(x1, y1) shouldBeClose ceRef(x1, y1)
    }

    test("crossEntropy with an Options object equals the positional form; the short overloads use PyTorch's defaults") {
        val x = randn(6, 4); val t = longs(0, 1, -1, 3, 2, -1); val w = uniform(0.2, 3.0, 4)
        val opts = CrossEntropyLoss.Options().weight(w).ignoreIndex(-1).reduction("sum").labelSmoothing(0.2)
        F.crossEntropy(x, t, opts) shouldBeClose F.crossEntropy(x, t, w, -1, "sum", 0.2).item()
        val u = longs(0, 1, 2, 3, 2, 1)
        F.crossEntropy(x, u, CrossEntropyLoss.Options()) shouldBeClose F.crossEntropy(x, u).item()
        F.crossEntropy(x, u, w) shouldBeClose F.crossEntropy(x, u, w, -100, "mean", 0.0).item()
    }

    // ------------------------------------------------------------------ crossEntropy, gradients

    test("crossEntropy: gradcheck w.r.t. the logits for class indices, with weights, ignored targets and smoothing, every reduction") {
        val x = randn(5, 4); val t = longs(3, -100, 0, 1, 3); val w = uniform(0.2, 3.0, 4)
        for (r in reductions) {
            gradcheck(x.fresh()) { F.crossEntropy(it[0], t, r) }
            gradcheck(x.fresh()) { F.crossEntropy(it[0], t, w, -100, r, 0.15) }
        }
        val spatial = Tensor.randint(0, 3, 2, 2, 2)
        gradcheck(randn(2, 3, 2, 2).fresh()) { F.crossEntropy(it[0], spatial, "sum") }
    }

    test("crossEntropy: gradient by hand is softmax(x) - onehot(t), divided by N for \"mean\"") {
        val x = leaf(doubleArrayOf(0.0, ln(3.0), 1.0, 1.0), 2, 2)
        F.crossEntropy(x, longs(0, 1)).backward()
        x.grad() shouldBeClose doubleArrayOf((0.25 - 1) / 2, 0.75 / 2, 0.5 / 2, (0.5 - 1) / 2)
    }

    test("crossEntropy with class probabilities: gradcheck w.r.t. logits and targets, spatial and unbatched") {
        val w = uniform(0.2, 2.0, 4)
        for (r in reductions) {
            gradcheck(randn(3, 4).fresh(), probabilities(3, 4).fresh()) { F.crossEntropy(it[0], it[1], w, -100, r, 0.1) }
        }
        gradcheck(randn(2, 3, 2).fresh(), probabilities(2, 3, 2).fresh()) { F.crossEntropy(it[0], it[1]) }
        gradcheck(randn(4).fresh(), probabilities(4).fresh()) { F.crossEntropy(it[0], it[1], "sum") }
    }

    // ------------------------------------------------------------------ nllLoss

    test("nllLoss matches -w[t] logp[t] with weights and ignoreIndex, every reduction, and spatial dims") {
        val logp = randn(7, 4).logSoftmax(1); val w = uniform(0.2, 3.0, 4)
        val t = longs(0, 3, -100, 2, 1, 1, -100)
        val lp = logp.toDoubleArray()
        for (r in reductions) {
            F.nllLoss(logp, t, null, -100, r) shouldBeClose nllRef(lp, 7, 4, 1, t.toLongArray(), null, -100, 0.0, r)
            F.nllLoss(logp, t, w, -100, r) shouldBeClose nllRef(lp, 7, 4, 1, t.toLongArray(), w.toDoubleArray(), -100, 0.0, r)
        }
        val sp = randn(2, 3, 5).logSoftmax(1); val st = Tensor.randint(0, 3, 2, 5)
        for (r in reductions) F.nllLoss(sp, st, r) shouldBeClose nllRef(sp.toDoubleArray(), 2, 3, 5, st.toLongArray(), null, -100, 0.0, r)
    }

    test("nllLoss by hand: picks -input[t]; crossEntropy equals nllLoss of logSoftmax") {
        val logp = Tensor.of(doubleArrayOf(-1.0, -2.0, -3.0, -4.0, -5.0, -6.0), 2, 3)
        F.nllLoss(logp, longs(2, 0), "none") shouldBeClose doubleArrayOf(3.0, 4.0)
        F.nllLoss(logp, longs(2, 0)) shouldBeClose 3.5
        val x = randn(4, 6); val t = Tensor.randint(0, 6, 4); val w = uniform(0.2, 3.0, 6)
        F.crossEntropy(x, t, w) shouldBeClose F.nllLoss(x.logSoftmax(1), t, w).item()
    }

    test("nllLoss: gradcheck w.r.t. the log-probabilities, with weights and ignored targets, every reduction") {
        val t = longs(1, -100, 0, 2); val w = uniform(0.2, 3.0, 3)
        for (r in reductions) gradcheck(randn(4, 3).fresh()) { F.nllLoss(it[0], t, w, -100, r) }
    }

    // ------------------------------------------------------------------ klDiv

    fun klRef(x: DoubleArray, t: DoubleArray, logTarget: Boolean) = DoubleArray(x.size) {
        if (logTarget) exp(t[it]) * (t[it] - x[it]) else if (t[it] == 0.0) 0.0 else t[it] * (ln(t[it]) - x[it])
    }

    test("klDiv matches t (ln t - x) for mean, batchmean, sum and none; logTarget gives the same from log t") {
        val x = randn(4, 5).logSoftmax(1); val t = probabilities(4, 5)
        val per = klRef(x.toDoubleArray(), t.toDoubleArray(), false)
        for (r in reductions) F.klDiv(x, t, r) shouldBeClose reduceRef(per, r)
        F.klDiv(x, t) shouldBeClose reduceRef(per, "mean")
        F.klDiv(x, t, "batchmean") shouldBeClose per.sum() / 4
        for (r in reductions + "batchmean") F.klDiv(x, t.log(), r, true) shouldBeClose F.klDiv(x, t, r).toDoubleArray()
        F.klDiv(x, t.log(), "none", true) shouldBeClose klRef(x.toDoubleArray(), t.log().toDoubleArray(), true)
    }

    test("klDiv by hand: a distribution from itself is 0; zero target probabilities contribute 0 (0 ln 0 = 0), even against -inf") {
        val p = probabilities(3, 4)
        F.klDiv(p.log(), p, "batchmean") shouldBeClose 0.0
        val x = Tensor.of(doubleArrayOf(ln(0.5), ln(0.5), Double.NEGATIVE_INFINITY))
        F.klDiv(x, Tensor.of(doubleArrayOf(0.25, 0.75, 0.0)), "none") shouldBeClose
            doubleArrayOf(0.25 * ln(0.5), 0.75 * ln(1.5), 0.0)
    }

    test("klDiv: gradcheck w.r.t. input and target, plain and logTarget, every reduction incl. batchmean; zero targets get gradient 0") {
        for (r in reductions + "batchmean") {
            gradcheck(randn(3, 4).logSoftmax(1).fresh(), probabilities(3, 4).fresh()) { F.klDiv(it[0], it[1], r) }
            gradcheck(randn(3, 4).logSoftmax(1).fresh(), randn(3, 4).logSoftmax(1).fresh()) { F.klDiv(it[0], it[1], r, true) }
        }
        val x = leaf(doubleArrayOf(-1.0, -2.0)); val t = leaf(doubleArrayOf(0.0, 0.5))
        F.klDiv(x, t, "sum").backward()
        x.grad() shouldBeClose doubleArrayOf(0.0, -0.5)
        t.grad() shouldBeClose doubleArrayOf(0.0, ln(0.5) + 1 + 2.0)
    }

    // ------------------------------------------------------------------ errors

    test("crossEntropy names both shapes when the target's batch differs from the input's") {
        shouldThrow<IllegalArgumentException> { F.crossEntropy(randn(64, 10), Tensor.randint(0, 10, 32)) }
            .message shouldBe "crossEntropy: target [32] has 32 entries but input [64, 10] has batch 64"
        shouldThrow<IllegalArgumentException> { F.crossEntropy(randn(2, 3, 4, 5), Tensor.randint(0, 3, 2, 4, 6)) }
            .message shouldContain "crossEntropy: target [2, 4, 6] does not fit input [2, 3, 4, 5]: class indices take the input's shape without its class dim 1, [2, 4, 5]"
        shouldThrow<IllegalArgumentException> { F.crossEntropy(randn(4, 3), Tensor.randint(0, 3, 4, 1)) }
            .message shouldContain "[4]"
    }

    test("a class index out of range names the index, its position and the number of classes") {
        val e = shouldThrow<IndexOutOfBoundsException> { F.crossEntropy(randn(4, 10), longs(1, 2, 12, 3)) }
        e.message shouldBe "crossEntropy: class index 12 (target element 2) is out of range for 10 classes: indices must be in [0, 9]" +
            " or equal ignoreIndex (-100)"
        shouldThrow<IndexOutOfBoundsException> { F.nllLoss(randn(2, 3), longs(0, -1)) }.message shouldContain "nllLoss: class index -1"
        shouldThrow<IndexOutOfBoundsException> { F.crossEntropy(randn(2, 3), longs(0, -100), null, 5, "mean", 0.0) }
            .message shouldContain "class index -100"
    }

    test("crossEntropy and nllLoss refuse bad reductions, weights, smoothing, target dtypes and shapes") {
        shouldThrow<IllegalArgumentException> { F.crossEntropy(randn(2, 3), longs(0, 1), "batchmean") }
            .message shouldBe "crossEntropy: reduction must be \"mean\", \"sum\" or \"none\", got \"batchmean\""
        shouldThrow<IllegalArgumentException> { F.crossEntropy(randn(2, 3), longs(0, 1), randn(4)) }
            .message shouldContain "crossEntropy: weight must be [3], one per class of input [2, 3], got [4]"
        shouldThrow<IllegalArgumentException> { F.crossEntropy(randn(2, 3), longs(0, 1), null, -100, "mean", 1.5) }
            .message shouldContain "labelSmoothing must be in [0, 1]"
        shouldThrow<IllegalArgumentException> { F.crossEntropy(randn(2, 3), randn(2)) }
            .message shouldContain "class probabilities and must have the input's shape [2, 3], got [2]"
        shouldThrow<IllegalArgumentException> { F.crossEntropy(randn(2, 3), probabilities(2, 3), null, 0, "mean", 0.0) }
            .message shouldContain "ignoreIndex (0) applies to class-index targets"
        shouldThrow<IllegalArgumentException> { F.nllLoss(randn(2, 3), probabilities(2, 3)) }
            .message shouldContain "nllLoss: target must hold class indices as an int64 tensor of shape [2], got [2, 3] FLOAT64"
        shouldThrow<IllegalArgumentException> { F.crossEntropy(Tensor.scalar(1.0, DType.FLOAT64), longs(0)) }
            .message shouldContain "0-d"
        shouldThrow<IllegalArgumentException> { F.crossEntropy(longs(1, 2), longs(0)) }
            .message shouldContain "crossEntropy: input must be a floating point tensor, got [2] INT64"
        shouldThrow<IllegalArgumentException> { CrossEntropyLoss.Options().reduction("avg") }.message shouldContain "CrossEntropyLoss.Options"
    }

    test("klDiv refuses unknown reductions, listing batchmean, and targets of another shape") {
        shouldThrow<IllegalArgumentException> { F.klDiv(randn(2, 3), randn(2, 3), "batch") }
            .message shouldBe "klDiv: reduction must be \"mean\", \"batchmean\", \"sum\" or \"none\", got \"batch\""
        shouldThrow<IllegalArgumentException> { F.klDiv(randn(2, 3), randn(3)) }.message shouldContain "klDiv: input [2, 3] and target [3]"
    }
})
