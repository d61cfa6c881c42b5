package dev.kindling.nn.losses

import dev.kindling.Random
import dev.kindling.autograd.GradCheck
import dev.kindling.autograd.Tensor
import dev.kindling.nn.functional.F
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.exp
import kotlin.math.ln
import kotlin.math.ln1p
import kotlin.math.max

/** BCE and BCE with logits against loop references, with weights and posWeight; saturation and huge logits; errors. */
class LossBinarySpec : FunSpec({

    beforeTest { Random.manualSeed(11) }

    fun bceRef(x: DoubleArray, y: DoubleArray, w: (Int) -> Double = { 1.0 }) = DoubleArray(x.size) {
        -w(it) * (y[it] * max(ln(x[it]), -100.0) + (1 - y[it]) * max(ln(1 - x[it]), -100.0))
    }

    fun logSigmoid(x: Double) = if (x >= 0) -ln1p(exp(-x)) else x - ln1p(exp(x))

    /** -w (pw y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), pw and w indexed by element. */
    fun bceLogitsRef(x: DoubleArray, y: DoubleArray, w: (Int) -> Double = { 1.0 }, pw: (Int) -> Double = { 1.0 }) =
        DoubleArray(x.size) { -w(it) * (pw(it) * y[it] * logSigmoid(x[it]) + (1 - y[it]) * logSigmoid(-x[it])) }

    // ------------------------------------------------------------------ binaryCrossEntropy

    test("binaryCrossEntropy matches -(y ln x + (1 - y) ln(1 - x)) for every reduction, with soft targets") {
        val x = uniform(0.05, 0.95, 3, 4); val y = Tensor.rand(DType.FLOAT64, 3, 4)
        val per = bceRef(x.toDoubleArray(), y.toDoubleArray())
        for (r in reductions) F.binaryCrossEntropy(x, y, r) shouldBeClose reduceRef(per, r)
        F.binaryCrossEntropy(x, y) shouldBeClose reduceRef(per, "mean")
    }

    test("binaryCrossEntropy with a weight of the input's shape and one broadcast along rows") {
        val x = uniform(0.05, 0.95, 3, 4); val y = Tensor.rand(DType.FLOAT64, 3, 4).round()
        val full = uniform(0.5, 2.0, 3, 4); val row = uniform(0.5, 2.0, 4)
        val fw = full.toDoubleArray(); val rw = row.toDoubleArray()
        for (r in reductions) {
            F.binaryCrossEntropy(x, y, full, r) shouldBeClose reduceRef(bceRef(x.toDoubleArray(), y.toDoubleArray()) { fw[it] }, r)
            F.binaryCrossEntropy(x, y, row, r) shouldBeClose reduceRef(bceRef(x.toDoubleArray(), y.toDoubleArray()) { rw[it % 4] }, r)
        }
    }

    test("binaryCrossEntropy by hand: x = 0.5 costs ln 2 whatever the target") {
        F.binaryCrossEntropy(leaf(doubleArrayOf(0.5, 0.5, 0.5)), leaf(doubleArrayOf(1.0, 0.0, 0.3)), "none") shouldBeClose
            DoubleArray(3) { ln(2.0) }
    }

    test("binaryCrossEntropy at saturation: logs clamp at -100, gradients stay finite as PyTorch's (x - y) / max(x (1 - x), 1e-12)") {
        val x = leaf(doubleArrayOf(0.0, 1.0, 0.0, 1.0)); val y = leaf(doubleArrayOf(1.0, 0.0, 0.0, 1.0))
        val loss = F.binaryCrossEntropy(x, y, "sum")
        loss shouldBeClose 200.0
        loss.backward()
        x.grad() shouldBeClose doubleArrayOf(-1e12, 1e12, 0.0, 0.0)
        y.grad() shouldBeClose doubleArrayOf(100.0, -100.0, 100.0, -100.0)
        // float32 too: sigmoid of -120 underflows to exactly 0.
        val p = Tensor.of(floatArrayOf(-120f, 0f)).requiresGrad_(true)
        val l32 = F.binaryCrossEntropy(p.sigmoid(), Tensor.of(floatArrayOf(1f, 1f)), "sum")
        l32.backward()
        l32.item() shouldBe (100.0 + ln(2.0)).toFloat().toDouble()
        p.grad().toFloatArray().all { it.isFinite() } shouldBe true
    }

    test("binaryCrossEntropy: gradcheck w.r.t. input and target, with and without weight, every reduction") {
        val x = uniform(0.1, 0.9, 2, 3); val y = Tensor.rand(DType.FLOAT64, 2, 3); val w = uniform(0.5, 2.0, 3)
        for (r in reductions) {
            gradcheck(x.fresh(), y.fresh()) { F.binaryCrossEntropy(it[0], it[1], r) }
            gradcheck(x.fresh(), y.fresh()) { F.binaryCrossEntropy(it[0], it[1], w, r) }
        }
    }

    test("binaryCrossEntropy's hand-written backward is differentiable again (gradgradcheck)") {
        val x = uniform(0.1, 0.9, 2, 3).fresh(); val y = Tensor.rand(DType.FLOAT64, 2, 3).fresh()
        GradCheck.gradgradcheck({ F.binaryCrossEntropy(it[0], it[1], "sum") }, x, y) shouldBe true
    }

    test("binaryCrossEntropy refuses inputs outside [0, 1], pointing to the logits version") {
        val e = shouldThrow<IllegalArgumentException> {
            F.binaryCrossEntropy(Tensor.of(doubleArrayOf(0.2, 1.5)), Tensor.of(doubleArrayOf(0.0, 1.0)))
        }
        e.message shouldContain "binaryCrossEntropy: input values must be probabilities in [0, 1]"
        e.message shouldContain "binaryCrossEntropyWithLogits"
        shouldThrow<IllegalArgumentException> { F.binaryCrossEntropy(uniform(0.1, 0.9, 3), uniform(0.1, 0.9, 3), randn(2)) }
            .message shouldContain "binaryCrossEntropy: weight [2] does not broadcast to input [3]"
    }

    // ------------------------------------------------------------------ binaryCrossEntropyWithLogits

    test("binaryCrossEntropyWithLogits matches -(y ln sigmoid(x) + (1 - y) ln(1 - sigmoid(x))) for every reduction") {
        val x = randn(4, 3).mul(3.0); val y = Tensor.rand(DType.FLOAT64, 4, 3)
        val per = bceLogitsRef(x.toDoubleArray(), y.toDoubleArray())
        for (r in reductions) F.binaryCrossEntropyWithLogits(x, y, r) shouldBeClose reduceRef(per, r)
    }

    test("binaryCrossEntropyWithLogits with weight, posWeight [C] along the last dim, and both") {
        val x = randn(4, 3).mul(2.0); val y = Tensor.rand(DType.FLOAT64, 4, 3).round()
        val w = uniform(0.5, 2.0, 4, 3); val pw = Tensor.of(doubleArrayOf(0.5, 2.0, 7.0))
        val ws = w.toDoubleArray(); val pws = pw.toDoubleArray()
        val xs = x.toDoubleArray(); val ys = y.toDoubleArray()
        for (r in reductions) {
            F.binaryCrossEntropyWithLogits(x, y, w, r, null) shouldBeClose reduceRef(bceLogitsRef(xs, ys, { ws[it] }), r)
            F.binaryCrossEntropyWithLogits(x, y, null, r, pw) shouldBeClose reduceRef(bceLogitsRef(xs, ys, pw = { pws[it % 3] }), r)
            F.binaryCrossEntropyWithLogits(x, y, w, r, pw) shouldBeClose
                reduceRef(bceLogitsRef(xs, ys, { ws[it] }, { pws[it % 3] }), r)
        }
    }

    test("binaryCrossEntropyWithLogits(x) equals binaryCrossEntropy(sigmoid(x)) for moderate logits") {
        val x = randn(10).mul(3.0); val y = Tensor.rand(DType.FLOAT64, 10)
        F.binaryCrossEntropyWithLogits(x, y, "none") shouldBeClose F.binaryCrossEntropy(x.sigmoid(), y, "none").toDoubleArray()
    }

    test("binaryCrossEntropyWithLogits with logits +-200: finite, correct values and gradients sigmoid(x) - y, in float64 and float32") {
        val y = doubleArrayOf(0.0, 1.0, 1.0, 0.0)
        val logits = doubleArrayOf(200.0, -200.0, 200.0, -200.0)
        val x = leaf(logits)
        val loss = F.binaryCrossEntropyWithLogits(x, Tensor.of(y), "none")
        loss shouldBeClose doubleArrayOf(200.0, 200.0, 0.0, 0.0)
        loss.sum().backward()
        x.grad() shouldBeClose doubleArrayOf(1.0, -1.0, 0.0, 0.0)

        val x32 = Tensor.of(floatArrayOf(200f, -200f, 200f, -200f)).requiresGrad_(true)
        val l32 = F.binaryCrossEntropyWithLogits(x32, Tensor.of(y).to(DType.FLOAT32), "none")
        l32.toFloatArray().toList() shouldBe listOf(200f, 200f, 0f, 0f)
        l32.sum().backward()
        x32.grad().toFloatArray().toList() shouldBe listOf(1f, -1f, 0f, 0f)

        // posWeight 3 triples the positive term: 600 for the missed positive, gradient (pw y + 1 - y) sigmoid(x) - pw y = -3.
        val xp = leaf(logits)
        val lp = F.binaryCrossEntropyWithLogits(xp, Tensor.of(y), null, "none", Tensor.of(doubleArrayOf(3.0)))
        lp shouldBeClose doubleArrayOf(200.0, 600.0, 0.0, 0.0)
        lp.sum().backward()
        xp.grad() shouldBeClose doubleArrayOf(1.0, -3.0, 0.0, 0.0)
    }

    test("binaryCrossEntropyWithLogits at logit 0 has gradient sigmoid(0) - y = 0.5 - y (no kink at 0)") {
        val x = leaf(doubleArrayOf(0.0, 0.0, 0.0))
        F.binaryCrossEntropyWithLogits(x, Tensor.of(doubleArrayOf(0.0, 1.0, 0.25)), "sum").backward()
        x.grad() shouldBeClose doubleArrayOf(0.5, -0.5, 0.25)
        val xp = leaf(doubleArrayOf(0.0))
        F.binaryCrossEntropyWithLogits(xp, Tensor.of(doubleArrayOf(1.0)), null, "sum", Tensor.of(doubleArrayOf(2.0))).backward()
        xp.grad() shouldBeClose -1.0
    }

    test("binaryCrossEntropyWithLogits: gradcheck w.r.t. input and target, with weight and posWeight, every reduction (logit 0 included)") {
        val x = Tensor.cat(listOf(randn(5).mul(4.0), Tensor.of(doubleArrayOf(0.0))), 0).reshape(2, 3)
        val y = Tensor.rand(DType.FLOAT64, 2, 3); val w = uniform(0.5, 2.0, 2, 3); val pw = uniform(0.5, 4.0, 3)
        for (r in reductions) {
            gradcheck(x.fresh(), y.fresh()) { F.binaryCrossEntropyWithLogits(it[0], it[1], r) }
            gradcheck(x.fresh(), y.fresh()) { F.binaryCrossEntropyWithLogits(it[0], it[1], w, r, pw) }
        }
        GradCheck.gradgradcheck({ F.binaryCrossEntropyWithLogits(it[0], it[1], null, "sum", pw) }, x.fresh(), y.fresh()) shouldBe true
    }

    test("binaryCrossEntropyWithLogits refuses a posWeight that does not broadcast and a target of another shape") {
        shouldThrow<IllegalArgumentException> { F.binaryCrossEntropyWithLogits(randn(2, 4), randn(2, 4), null, "mean", randn(3)) }
            .message shouldContain "binaryCrossEntropyWithLogits: posWeight [3] does not broadcast to input [2, 4]"
        shouldThrow<IllegalArgumentException> { F.binaryCrossEntropyWithLogits(randn(8), randn(8, 1)) }
            .message shouldContain "input [8] and target [8, 1] must have the same shape"
        shouldThrow<IllegalArgumentException> { F.binaryCrossEntropyWithLogits(randn(8), randn(8), "batchmean") }
            .message shouldContain "reduction must be"
    }
})
