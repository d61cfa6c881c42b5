package dev.kindling.tensor

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.doubles.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.property.checkAll
import kotlin.math.abs
import kotlin.math.exp
import kotlin.math.ln
import kotlin.math.pow

class ReductionsSpec : FunSpec({
    /** A random array (any layout) and a random set of its dims, sometimes none (meaning all). */
    fun reduceCase(dtype: DType, lo: Double = -3.0, hi: Double = 3.0, allowZero: Boolean = true) = gen {
        val s = sample(shape(allowZero = allowZero), dtype, lo = lo, hi = hi)
        val r = s.x.dim()
        val dims = (0 until r).filter { nextBoolean() }.map { if (nextBoolean()) it - r else it }.shuffled(this).toIntArray()
        ReduceCase(s, if (dims.isEmpty() && nextBoolean()) null else dims, nextBoolean())
    }

    fun tol(dtype: DType) = if (dtype == DType.FLOAT32) 1e-6 else 1e-12

    val naive = mapOf<ReduceOp, (DoubleArray) -> Double>(
        ReduceOp.SUM to { v -> v.sum() },
        ReduceOp.MEAN to { v -> v.sum() / v.size },
        ReduceOp.PROD to { v -> v.fold(1.0) { a, b -> a * b } },
        ReduceOp.MAX to { v -> if (v.any { it.isNaN() }) Double.NaN else v.max() },
        ReduceOp.MIN to { v -> if (v.any { it.isNaN() }) Double.NaN else v.min() },
    )

    for (dtype in FLOATS) {
        for ((op, f) in naive) {
            test("${op.opName()} over any set of dims, keepdim or not, matches the reference ($dtype)") {
                val extreme = op == ReduceOp.MAX || op == ReduceOp.MIN
                // Products stay near 1 so they neither overflow nor vanish.
                val case = if (op == ReduceOp.PROD) reduceCase(dtype, 0.5, 1.5) else reduceCase(dtype, allowZero = !extreme)
                checkAll(props(80), case) { (s, dims, keepdim) ->
                    s.x.reduce(op, dims, keepdim).shouldMatch(s.ref.reduce(dims, keepdim, f), rtol = tol(dtype), atol = tol(dtype),
                            what = "$s.${op.opName()}(${dims?.str()}, keepdim=$keepdim)")
                }
            }
        }
    }

    test("sum, mean and prod over an empty dim give 0, NaN and 1") {
        for (dtype in FLOATS) {
            val x = NDArray.zeros(dtype, 3, 0)
            x.reduce(ReduceOp.SUM, intArrayOf(1), false).shouldMatch(Ref(intArrayOf(3), DoubleArray(3)))
            x.reduce(ReduceOp.MEAN, intArrayOf(1), false).shouldMatch(Ref(intArrayOf(3), DoubleArray(3) { Double.NaN }))
            x.reduce(ReduceOp.PROD, intArrayOf(1), true).shouldMatch(Ref(intArrayOf(3, 1), DoubleArray(3) { 1.0 }))
            x.t().reduce(ReduceOp.SUM, intArrayOf(0), false).shouldMatch(Ref(intArrayOf(3), DoubleArray(3)))
        }
    }

    test("max and min over an empty dim fail, naming the op and the dim") {
        val e = shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.FLOAT32, 2, 0).reduce(ReduceOp.MAX, intArrayOf(1), false) }
        e.message shouldContain "max"
        e.message shouldContain "empty dim 1"
    }

    test("sums of int32 and bool arrays are int64, as in PyTorch") {
        val i = NDArray.of(intArrayOf(1, 2, 3), 3).sum()
        i.dtype() shouldBe DType.INT64
        i.item() shouldBe 6.0
        val b = NDArray.of(booleanArrayOf(true, false, true), 3).sum()
        b.dtype() shouldBe DType.INT64
        b.item() shouldBe 2.0
    }

    test("max and min of integers match the reference, exactly") {
        checkAll(props(40), reduceCase(DType.INT64, -50.0, 50.0, allowZero = false)) { (s, dims, keepdim) ->
            s.x.reduce(ReduceOp.MAX, dims, keepdim).shouldMatch(s.ref.reduce(dims, keepdim, naive.getValue(ReduceOp.MAX)))
            s.x.reduce(ReduceOp.MIN, dims, keepdim).shouldMatch(s.ref.reduce(dims, keepdim, naive.getValue(ReduceOp.MIN)))
        }
    }

    test("float32 sums and means over dims around one run of kept dims (batch norm's 0, 2, 3) match float64") {
        val x = NDArray.randn(Generator(9), DType.FLOAT64, 5, 3, 4, 6)
        for (dims in listOf(intArrayOf(0, 2, 3), intArrayOf(0, 3), intArrayOf(0, 1, 3))) {
            for (op in listOf(ReduceOp.SUM, ReduceOp.MEAN)) {
                val got = x.to(DType.FLOAT32).reduce(op, dims, false).toDoubleArray()
                val want = x.reduce(op, dims, false).toDoubleArray()
                withClue("${op.opName()} over ${dims.toList()}") {
                    got.size shouldBe want.size
                    for (i in got.indices) got[i] shouldBe (want[i] plusOrMinus 1e-5 * (1 + abs(want[i])))
                }
            }
        }
    }

    test("a float32 sum of a million elements is accurate to 1e-6, whatever the layout") {
        val g = Generator(7)
        val x = NDArray.rand(g, DType.FLOAT32, 1000, 1000)
        val exact = x.toDoubleArray().sum()
        for ((name, v) in listOf("dense" to x, "transposed" to x.t(), "reshaped" to x.reshape(1_000_000))) {
            withClue("$name sum") { abs(v.sum().item() - exact) / exact shouldBeLessThan 1e-6 }
        }
        // Row and column sums of the same data.
        val rows = x.sum(1, false).toDoubleArray()
        val cols = x.sum(0, false).toDoubleArray()
        rows.sum() shouldBe (exact plusOrMinus exact * 1e-6)
        cols.sum() shouldBe (exact plusOrMinus exact * 1e-6)
        x.mean().item() shouldBe ((exact / 1e6) plusOrMinus exact / 1e6 * 1e-6)
    }

    test("maxMin gives the values and the first index of the extreme, on any layout") {
        // Values drawn from {0, 1, 2} make ties common.
        checkAll(props(80), gen {
            val s = sample(shape(minRank = 1, allowZero = false), if (nextBoolean()) DType.FLOAT32 else DType.INT64, lo = 0.0, hi = 2.0)
            val d = nextInt(-s.x.dim(), s.x.dim())
            Triple(s, d, nextBoolean())
        }) { (s, d, keepdim) ->
            for (max in listOf(true, false)) {
                val (values, indices) = s.x.maxMin(max, d, keepdim)
                val (rv, ri) = s.ref.argReduce(max, d, keepdim)
                indices.dtype() shouldBe DType.INT64
                values.shouldMatch(rv, what = "$s.maxMin($max, $d, $keepdim) values")
                indices.shouldMatch(ri, what = "$s.maxMin($max, $d, $keepdim) indices")
            }
        }
    }

    test("maxMin picks the first NaN, as torch.max does") {
        val (v, i) = NDArray.of(floatArrayOf(1f, Float.NaN, 3f, Float.NaN), 4).maxMin(true, 0, false)
        v.item().isNaN() shouldBe true
        i.item() shouldBe 1.0
    }

    test("argmax and argmin index the flattened array, first of ties") {
        checkAll(props(40), gen { sample(shape(minRank = 1, allowZero = false), DType.FLOAT32, lo = 0.0, hi = 2.0) }) { s ->
            val flat = s.ref.reshape(s.ref.numel)
            s.x.argmax().shouldMatch(flat.argReduce(true, 0, false).second, what = "$s.argmax()")
            s.x.argmin().shouldMatch(flat.argReduce(false, 0, false).second, what = "$s.argmin()")
        }
    }

    test("var with correction 0 and 1 matches the two-pass reference") {
        checkAll(props(60), reduceCase(DType.FLOAT64)) { (s, dims, keepdim) ->
            for (correction in 0..1) {
                val expected = s.ref.reduce(dims, keepdim) { v ->
                    val m = v.average()
                    v.sumOf { (it - m) * (it - m) } / maxOf(v.size - correction, 0)
                }
                s.x.`var`(dims, correction, keepdim).shouldMatch(expected, rtol = 1e-12, atol = 1e-12,
                        what = "$s.var(${dims?.str()}, $correction, $keepdim)")
            }
        }
    }

    test("var with correction 1 of a single element is NaN") {
        NDArray.of(doubleArrayOf(2.0), 1).`var`(null, 1, false).item().isNaN() shouldBe true
    }

    test("logsumexp matches the shifted reference") {
        checkAll(props(60), reduceCase(DType.FLOAT64, -30.0, 30.0, allowZero = false)) { (s, dims, keepdim) ->
            val expected = s.ref.reduce(dims, keepdim) { v ->
                val m = v.max()
                m + ln(v.sumOf { exp(it - m) })
            }
            s.x.logsumexp(dims, keepdim).shouldMatch(expected, rtol = 1e-12, atol = 1e-12, what = "$s.logsumexp(${dims?.str()})")
        }
    }

    test("logsumexp of large values does not overflow, and of -inf rows is -inf") {
        for (dtype in FLOATS) {
            val x = NDArray.of(doubleArrayOf(1000.0, 1000.0, -1000.0, 999.0), 2, 2).to(dtype)
            val r = x.logsumexp(intArrayOf(1), false).toDoubleArray()
            r[0] shouldBe (1000.0 + ln(2.0) plusOrMinus 1e-4)
            r[1] shouldBe (999.0 plusOrMinus 1e-4)
            val inf = NDArray.full(Double.NEGATIVE_INFINITY, dtype, 2, 3).logsumexp(intArrayOf(1), false).toDoubleArray()
            inf.toList() shouldBe listOf(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY)
        }
    }

    for (p in listOf(1.0, 2.0, Double.POSITIVE_INFINITY, 3.0)) {
        test("norm with p=$p matches the reference") {
            checkAll(props(40), reduceCase(DType.FLOAT64, allowZero = p != Double.POSITIVE_INFINITY)) { (s, dims, keepdim) ->
                val expected = s.ref.reduce(dims, keepdim) { v ->
                    if (p.isInfinite()) v.maxOf { abs(it) } else v.sumOf { abs(it).pow(p) }.pow(1 / p)
                }
                s.x.norm(p, dims, keepdim).shouldMatch(expected, rtol = 1e-12, atol = 1e-12, what = "$s.norm($p, ${dims?.str()})")
            }
        }
    }

    test("softmax along any dim sums to 1 and matches the reference") {
        checkAll(props(60), gen {
            val s = sample(shape(minRank = 1, allowZero = false), if (nextBoolean()) DType.FLOAT32 else DType.FLOAT64, lo = -10.0, hi = 10.0)
            s to nextInt(-s.x.dim(), s.x.dim())
        }) { (s, d) ->
            val tol = tol(s.x.dtype()) * 4
            val y = s.x.softmax(d)
            val expected = s.ref.zip(s.ref.reduce(intArrayOf(d), true) { v -> v.max() }) { a, m -> a - m }.map { exp(it) }
                .let { e -> e.zip(e.reduce(intArrayOf(d), true) { it.sum() }) { a, b -> a / b } }
            y.shouldMatch(expected, rtol = tol, atol = tol, what = "$s.softmax($d)")
            y.reduce(ReduceOp.SUM, intArrayOf(d), false).shouldMatch(s.ref.reduce(intArrayOf(d), false) { 1.0 }, atol = tol * 10)
            val lse = s.ref.reduce(intArrayOf(d), true) { v -> val m = v.max(); m + ln(v.sumOf { exp(it - m) }) }
            s.x.logSoftmax(d).shouldMatch(s.ref.zip(lse) { a, l -> a - l }, rtol = tol, atol = tol * 10, what = "$s.logSoftmax($d)")
        }
    }

    test("softmax over the last dim (one fused pass per row) matches the reference on tensors split over threads") {
        for (dtype in listOf(DType.FLOAT32, DType.FLOAT64)) {
            // 300 rows of 37: more than one group of rows per thread, a row length that is no multiple of 4,
            // and enough elements for the vectorised exp.
            val x = NDArray.rand(Generator(3), dtype, 300, 37).mul(20.0).sub(10.0)
            val v = x.toDoubleArray()
            val tol = tol(dtype) * 4
            val soft = DoubleArray(v.size)
            val logSoft = DoubleArray(v.size)
            for (r in 0 until 300) {
                val row = v.copyOfRange(r * 37, r * 37 + 37)
                val m = row.max()
                val sum = row.sumOf { exp(it - m) }
                for (j in 0 until 37) {
                    soft[r * 37 + j] = exp(row[j] - m) / sum
                    logSoft[r * 37 + j] = row[j] - m - ln(sum)
                }
            }
            x.softmax(1).toDoubleArray().zip(soft).forEach { (a, b) -> abs(a - b) shouldBeLessThan tol }
            x.logSoftmax(1).toDoubleArray().zip(logSoft).forEach { (a, b) -> abs(a - b) shouldBeLessThan tol * 10 }
        }
    }

    test("softmax over the last dim treats infinities and NaN as the composed form over another dim does") {
        val inf = Double.POSITIVE_INFINITY
        val rows = listOf(doubleArrayOf(-inf, -inf, -inf), doubleArrayOf(inf, 1.0, 2.0), doubleArrayOf(Double.NaN, 1.0, 2.0),
                doubleArrayOf(-inf, 0.0, 1.0))
        for (dtype in listOf(DType.FLOAT32, DType.FLOAT64)) {
            val x = NDArray.of(rows.flatMap { it.toList() }.toDoubleArray(), 4, 3).to(dtype)
            // Along dim 0 of the transpose is the same math, run by the composed reductions.
            for (log in listOf(false, true)) {
                val fused = if (log) x.logSoftmax(1) else x.softmax(1)
                val composed = (if (log) x.t().logSoftmax(0) else x.t().softmax(0)).t()
                for ((a, b) in fused.toDoubleArray().zip(composed.toDoubleArray())) {
                    if (a.isFinite() && b.isFinite()) abs(a - b) shouldBeLessThan 1e-6 else a.toString() shouldBe b.toString()
                }
            }
        }
    }

    test("softmax and logSoftmax, and their backward, over the last dim (fused passes per row) match their formulas") {
        for (dtype in listOf(DType.FLOAT32, DType.FLOAT64)) {
            // Few short rows (the composed form, below the fused kernel's size), then two shapes of a million
            // elements or more for the fused kernel: many short rows in groups over the threads, and long rows,
            // each a group of its own; from offset views of wider tensors.
            for ((rows, n) in listOf(7 to 5, 349_526 to 3, 350 to 3001)) {
                val g = Generator(rows + n.toLong())
                val logits = NDArray.rand(g, dtype, rows, n + 2).mul(12.0).sub(6.0).narrow(1, 1, n)
                val grad = NDArray.rand(g, dtype, rows, n + 1).sub(0.5).narrow(1, 1, n)
                for (log in listOf(false, true)) {
                    val y = if (log) logits.logSoftmax(1) else logits.softmax(1)
                    val fused = if (log) y.logSoftmaxBackward(grad, 1) else y.softmaxBackward(grad, 1)
                    val yv = y.toDoubleArray()
                    val gv = grad.toDoubleArray()
                    // The forward pass of these shapes too, against its formula in double.
                    val lv = logits.toDoubleArray()
                    for (r in 0 until rows) {
                        val row = lv.copyOfRange(r * n, r * n + n)
                        val mx = row.max()
                        val lse = mx + ln(row.sumOf { exp(it - mx) })
                        for (j in 0 until n) {
                            val want = if (log) row[j] - lse else exp(row[j] - lse)
                            abs(yv[r * n + j] - want) shouldBeLessThan (if (dtype == DType.FLOAT32) 2e-5 else 1e-12) * (1 + abs(want))
                        }
                    }
                    val expected = DoubleArray(yv.size)
                    for (r in 0 until rows) {
                        val at = r * n
                        val s = (at until at + n).sumOf { if (log) gv[it] else gv[it] * yv[it] }
                        for (j in at until at + n) expected[j] = if (log) gv[j] - exp(yv[j]) * s else yv[j] * (gv[j] - s)
                    }
                    val tol = if (dtype == DType.FLOAT32) 2e-6 else 1e-12
                    withClue("$dtype [$rows, $n] log=$log") {
                        fused.toDoubleArray().zip(expected).forEach { (a, b) -> abs(a - b) shouldBeLessThan tol * (1 + abs(b)) }
                    }
                    // Along dim 0 of the transpose is the composed form: the same arithmetic.
                    val composed = (if (log) y.t().logSoftmaxBackward(grad.t(), 0) else y.t().softmaxBackward(grad.t(), 0)).t()
                    fused.toDoubleArray().zip(composed.toDoubleArray()).forEach { (a, b) -> abs(a - b) shouldBeLessThan tol * (1 + abs(b)) }
                }
            }
        }
    }

    test("softmax, logSoftmax and their backward on float16 and bfloat16 compute in float32 and round once") {
        val x = NDArray.rand(Generator(5), DType.FLOAT32, 6, 9).mul(8.0).sub(4.0)
        val g = NDArray.rand(Generator(6), DType.FLOAT32, 6, 9).sub(0.5)
        for (half in listOf(DType.FLOAT16, DType.BFLOAT16)) {
            val xh = x.to(half)
            val gh = g.to(half)
            for (log in listOf(false, true)) {
                val y = if (log) xh.logSoftmax(1) else xh.softmax(1)
                val wide = xh.to(DType.FLOAT32)
                val yWide = if (log) wide.logSoftmax(1) else wide.softmax(1)
                y.dtype() shouldBe half
                y.toDoubleArray().toList() shouldBe yWide.to(half).toDoubleArray().toList()
                val back = if (log) y.logSoftmaxBackward(gh, 1) else y.softmaxBackward(gh, 1)
                val yw = y.to(DType.FLOAT32)
                val backWide = if (log) yw.logSoftmaxBackward(gh.to(DType.FLOAT32), 1) else yw.softmaxBackward(gh.to(DType.FLOAT32), 1)
                back.dtype() shouldBe half
                back.toDoubleArray().toList() shouldBe backWide.to(half).toDoubleArray().toList()
            }
        }
    }

    test("softmaxBackward names itself and both shapes when the gradient does not fit") {
        val y = NDArray.zeros(DType.FLOAT32, 2, 3)
        shouldThrow<IllegalArgumentException> { y.logSoftmaxBackward(NDArray.zeros(DType.FLOAT32, 3, 2), 1) }.message shouldContain
            "logSoftmaxBackward: gradient of shape [3, 2] does not fit an output of shape [2, 3]"
    }

    test("softmax of huge logits is still a distribution") {
        val y = NDArray.of(floatArrayOf(1000f, 1000f, -1000f), 1, 3).softmax(-1).toDoubleArray()
        y.toList() shouldBe listOf(0.5, 0.5, 0.0)
    }

    test("reducing a dim twice is an error naming the dim") {
        shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.FLOAT32, 2, 3).reduce(ReduceOp.SUM, intArrayOf(1, -1), false) }
            .message shouldContain "dim 1 appears more than once"
    }
})

private data class ReduceCase(val s: Sample, val dims: IntArray?, val keepdim: Boolean) {
    override fun toString() = "$s, dims ${dims?.str()}, keepdim $keepdim"
}
