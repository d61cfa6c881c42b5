package dev.kindling.tensor

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.floats.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.kotest.property.checkAll
import kotlin.math.abs
import kotlin.random.Random

class UnaryOpsSpec : FunSpec({
    /** exp, tanh, sigmoid, erf and log have fast float32 kernels that approximate; every other op rounds op.apply once. */
    val fast = setOf(UnaryOp.EXP, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.ERF, UnaryOp.LOG)
    val floatOps = UnaryOp.values().filter { it != UnaryOp.LOGICAL_NOT }

    /**
     * How far a float32 kernel may stray from op.apply in double, rounded to float (so overflow is
     * inf): 2e-6 relative; for tanh also 1e-7 absolute (its error is absolute near 0); and results
     * below the smallest normal float may be flushed, as PyTorch's own float sigmoid flushes
     * sigmoid(-100) to 0.
     */
    fun fastOk(op: UnaryOp, got: Double, exact: Double): Boolean {
        val ref = exact.toFloat().toDouble()
        if (got == ref || (got.isNaN() && ref.isNaN())) return true
        val err = abs(got - ref)
        if (err <= 2e-6 * abs(ref)) return true
        if (op == UnaryOp.TANH && err <= 1e-7) return true
        return abs(ref) < java.lang.Float.MIN_NORMAL && err < java.lang.Float.MIN_NORMAL
    }

    fun checkFast(op: UnaryOp, xs: FloatArray) {
        val got = NDArray.of(xs, xs.size).unary(op).toDoubleArray()
        for (i in xs.indices) {
            val ref = op.apply(xs[i].toDouble())
            if (!fastOk(op, got[i], ref)) {
                throw AssertionError("${op.opName()}(${xs[i]}) = ${got[i]} in float32, but ${op.opName()} in double is $ref")
            }
        }
    }

    for (op in floatOps) {
        test("${op.opName()} in float64 equals op.apply on any layout") {
            checkAll(props(30), gen { sample(shape(), DType.FLOAT64) }) { s ->
                s.x.unary(op).shouldMatch(s.ref.map { op.apply(it) }, what = "$s.${op.opName()}")
            }
        }
        test("${op.opName()} in float32 on any layout is op.apply rounded to float${if (op in fast) ", within the fast kernel's error" else ""}") {
            checkAll(props(30), gen { sample(shape(), DType.FLOAT32) }) { s ->
                val got = s.x.unary(op)
                got.dtype() shouldBe DType.FLOAT32
                if (op in fast) {
                    got.shape().str() shouldBe s.x.shape().str()
                    val g = got.toDoubleArray()
                    for (i in g.indices) withClue("$s.${op.opName()} at $i") { fastOk(op, g[i], op.apply(s.ref.v[i])) shouldBe true }
                } else {
                    got.shouldMatch(s.ref.map { op.apply(it) }.asFloat32(), what = "$s.${op.opName()}")
                }
            }
        }
    }

    for (op in fast) {
        test("fast float32 ${op.opName()} is within 2e-6 relative of double on 10k dense values in [-20, 20]") {
            val rnd = Random(21)
            checkFast(op, FloatArray(10_000) { rnd.nextDouble(-20.0, 20.0).toFloat() })
            // Near zero, where tanh switches to its series and exp(r) is close to 1.
            checkFast(op, FloatArray(10_000) { rnd.nextDouble(-0.2, 0.2).toFloat() })
            checkFast(op, FloatArray(1000) { rnd.nextDouble(-20.0, 20.0).toFloat() })
        }
    }

    // Short tensors take Math.exp and long ones (4096 elements and more) the vectorised kernel: both are checked.
    for (copies in listOf(1, 300)) {
        test("fast float32 exp overflows to inf, underflows to 0 and keeps NaN, ${copies * 18} elements") {
            val edges = floatArrayOf(100f, -100f, 88.7f, 88.8f, 89f, -87f, -103f, -104f, -110f, 1e-8f, -1e-8f, 0f, -0f,
                    Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE)
            val xs = FloatArray(edges.size * copies) { edges[it % edges.size] }
            checkFast(UnaryOp.EXP, xs)
            val all = NDArray.of(xs, xs.size).unary(UnaryOp.EXP).toFloatArray()
            for (c in 0 until copies) {
                val got = all.copyOfRange(c * edges.size, (c + 1) * edges.size)
                got[0] shouldBe Float.POSITIVE_INFINITY
                got[4] shouldBe Float.POSITIVE_INFINITY
                got[8] shouldBe 0f
                got[11] shouldBe 1f
                got[13].isNaN() shouldBe true
                got[14] shouldBe Float.POSITIVE_INFINITY
                got[15] shouldBe 0f
            }
        }
    }

    test("float32 x^1 and x^2 equal Math.pow rounded to float, bit for bit, on dense and strided views") {
        val rnd = Random(9)
        val v = FloatArray(2000) { (rnd.nextDouble(-1e20, 1e20) * rnd.nextDouble().let { it * it * it }).toFloat() } +
                floatArrayOf(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1e-30f, -3e19f, Float.MIN_VALUE)
        val dense = NDArray.of(v, v.size)
        val strided = NDArray.of(FloatArray(2 * v.size) { if (it % 2 == 0) v[it / 2] else 7f }, v.size, 2).select(1, 0)
        strided.strides().toList() shouldBe listOf(2)
        for (x in listOf(dense, strided)) {
            for (e in listOf(1.0, 2.0)) {
                val got = x.binary(BinaryOp.POW, e).toFloatArray()
                for (i in v.indices) {
                    val want = Math.pow(v[i].toDouble(), e).toFloat()
                    withClue("${v[i]}^$e") { java.lang.Float.floatToIntBits(got[i]) shouldBe java.lang.Float.floatToIntBits(want) }
                }
            }
        }
    }

    test("fast float32 log over the whole positive range, subnormals included, and Math.log's special values") {
        val rnd = Random(3)
        // Uniform exponents from 2^-149 to 2^127: every binade, including the subnormal ones.
        checkFast(UnaryOp.LOG, FloatArray(20_000) { Math.scalb(1f + rnd.nextFloat(), rnd.nextInt(-149, 128)) })
        checkFast(UnaryOp.LOG, FloatArray(4000) { 1f + (rnd.nextFloat() - 0.5f) * 1e-3f })        // near 1, where log is near 0
        checkFast(UnaryOp.LOG, FloatArray(4000) { 1.41421f + (rnd.nextFloat() - 0.5f) * 1e-4f })   // both sides of sqrt(2)
        val xs = floatArrayOf(0f, -0f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.MIN_VALUE, 1f, 2f, Float.MAX_VALUE)
        checkFast(UnaryOp.LOG, xs)
        val got = NDArray.of(xs, xs.size).unary(UnaryOp.LOG).toFloatArray()
        got.slice(0..1) shouldBe listOf(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY)
        got[2].isNaN() shouldBe true
        got[3].isNaN() shouldBe true
        got[4] shouldBe Float.POSITIVE_INFINITY
        got[6] shouldBe 0f
    }

    test("fast float32 erf saturates at ±1, keeps NaN and the sign of zero, and is close on both sides of |x| = 0.5") {
        val rnd = Random(5)
        checkFast(UnaryOp.ERF, FloatArray(4000) { (if (it % 2 == 0) 1 else -1) * rnd.nextDouble(0.45, 0.55).toFloat() })
        checkFast(UnaryOp.ERF, FloatArray(2000) { rnd.nextDouble(-1e-3, 1e-3).toFloat() })
        val xs = floatArrayOf(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 30f, -30f, Float.NaN, 0f, -0f, 1e-30f)
        checkFast(UnaryOp.ERF, xs)
        val got = NDArray.of(xs, xs.size).unary(UnaryOp.ERF).toFloatArray()
        got.slice(0..3) shouldBe listOf(1f, -1f, 1f, -1f)
        got[4].isNaN() shouldBe true
        (1 / got[5]) shouldBe Float.POSITIVE_INFINITY
        (1 / got[6]) shouldBe Float.NEGATIVE_INFINITY
    }

    test("fast float32 tanh saturates at ±1, stays within 2 ulp near 0 and keeps NaN") {
        val xs = floatArrayOf(100f, -100f, 20f, -20f, 9f, 1e-8f, -1e-8f, 0.0624f, 0.0626f, -0.0626f, 0f,
                Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY)
        checkFast(UnaryOp.TANH, xs)
        val got = NDArray.of(xs, xs.size).unary(UnaryOp.TANH).toFloatArray()
        got.slice(0..3) shouldBe listOf(1f, -1f, 1f, -1f)
        // Near 0, tanh(x) = x to float precision: the rational kernel must not lose relative accuracy there.
        Math.abs(got[5] - 1e-8f) shouldBeLessThanOrEqual 2 * Math.ulp(1e-8f)
        Math.abs(got[6] + 1e-8f) shouldBeLessThanOrEqual 2 * Math.ulp(1e-8f)
        got[11].isNaN() shouldBe true
        got[12] shouldBe 1f
        got[13] shouldBe -1f
    }

    test("fast float32 sigmoid saturates at 0 and 1 and keeps NaN") {
        val xs = floatArrayOf(100f, -100f, 20f, -20f, 1e-8f, -1e-8f, 0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY)
        checkFast(UnaryOp.SIGMOID, xs)
        val got = NDArray.of(xs, xs.size).unary(UnaryOp.SIGMOID).toFloatArray()
        got[0] shouldBe 1f
        got[6] shouldBe 0.5f
        got[7].isNaN() shouldBe true
        got[8] shouldBe 1f
        got[9] shouldBe 0f
    }

    test("relu keeps NaN and zeroes negatives, in float32 and float64") {
        for (dtype in FLOATS) {
            val x = NDArray.of(doubleArrayOf(Double.NaN, -1.0, 2.0, Double.NEGATIVE_INFINITY), 4).to(dtype)
            x.unary(UnaryOp.RELU).shouldMatch(Ref(intArrayOf(4), doubleArrayOf(Double.NaN, 0.0, 2.0, 0.0)))
            x.t().unary(UnaryOp.RELU).shouldMatch(Ref(intArrayOf(4), doubleArrayOf(Double.NaN, 0.0, 2.0, 0.0)))
        }
    }

    test("branch-free float32 sign equals Math.signum bit for bit, zeros, subnormals, infinities and NaN included") {
        val xs = floatArrayOf(0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, java.lang.Float.MIN_NORMAL, 3f, -7f, 1e38f, -1e38f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN)
        val got = NDArray.of(xs, xs.size).unary(UnaryOp.SIGN).toFloatArray()
        got.map { it.toRawBits() } shouldBe xs.map { Math.signum(it).toRawBits() }
    }

    test("mulSign is a * sign(s) bit for bit, fused (aligned or shifted views, split over threads) or composed") {
        fun composed(a: NDArray, s: NDArray) = a.binary(BinaryOp.MUL, s.unary(UnaryOp.SIGN))
        fun same(got: NDArray, want: NDArray) {
            got.shape().toList() shouldBe want.shape().toList()
            got.dtype() shouldBe want.dtype()
            got.contiguous().to(DType.FLOAT64).toDoubleArray().map { it.toRawBits() } shouldBe
                want.contiguous().to(DType.FLOAT64).toDoubleArray().map { it.toRawBits() }
        }
        val special = floatArrayOf(0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 3f, -7f, 1e38f, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.NaN, 2f, -2f)
        val grads = floatArrayOf(1.5f, -2f, Float.POSITIVE_INFINITY, Float.NaN, -0f, 0f, 4f, -1f, 2f, 3f, Float.NEGATIVE_INFINITY, 5f)
        val a = NDArray.of(grads, 12)
        val s = NDArray.of(special, 12)
        same(a.mulSign(s), composed(a, s))                                                   // aligned, dense
        same(a.narrow(0, 2, 8).mulSign(s.narrow(0, 4, 8)), composed(a.narrow(0, 2, 8), s.narrow(0, 4, 8)))   // shifted views
        val rnd = Random(7)
        val big = 300_000
        val ab = NDArray.of(FloatArray(big) { rnd.nextFloat() - 0.5f }, big)
        val sb = NDArray.of(FloatArray(big) { if (it % 3 == 0) 0f else rnd.nextFloat() - 0.5f }, big)
        same(ab.mulSign(sb), composed(ab, sb))                                               // split over the threads
        val a64 = a.to(DType.FLOAT64)
        same(a64.mulSign(s.to(DType.FLOAT64)), composed(a64, s.to(DType.FLOAT64)))           // float64: composed
        val m = NDArray.of(grads, 3, 4)
        same(m.t().mulSign(s.reshape(3, 4).t()), composed(m.t(), s.reshape(3, 4).t()))       // transposed: composed
        same(m.mulSign(s.narrow(0, 0, 4)), composed(m, s.narrow(0, 0, 4)))                   // broadcast: composed

        // In place: the same values, written into the receiver's own elements and nowhere else.
        fun inPlace(target: NDArray, s: NDArray) {
            val want = composed(target, s)
            val version = target.storage().version()
            target.mulSign_(s) shouldBe target
            same(target, want)
            target.storage().version() shouldBe version + 1
        }
        inPlace(a.copy(), s)                                                                 // aligned, dense
        val base = NDArray.of(grads, 12)
        inPlace(base.narrow(0, 2, 8), s.narrow(0, 4, 8))                                     // offset view, shifted s
        base.narrow(0, 0, 2).toFloatArray().toList() shouldBe grads.take(2)
        base.narrow(0, 10, 2).toFloatArray().toList() shouldBe grads.drop(10)
        inPlace(ab.copy(), sb)                                                               // split over the threads
        inPlace(a64.copy(), s.to(DType.FLOAT64))                                             // float64: composed
        inPlace(NDArray.of(grads, 3, 4).t(), s.reshape(3, 4).t())                            // transposed: composed
    }

    test("mulSign and mulSign_ name themselves when the shapes or types do not fit, also on the composed path") {
        val a = NDArray.zeros(DType.FLOAT32, 3, 4)
        shouldThrow<IllegalArgumentException> { a.mulSign(NDArray.zeros(DType.FLOAT32, 5)) }.message shouldStartWith "mulSign"
        shouldThrow<IllegalArgumentException> { a.mulSign_(NDArray.zeros(DType.FLOAT32, 5)) }.message shouldStartWith "mulSign_"
        // Broadcasts, but to [2, 3, 4]: too big for the in-place target.
        val grow = shouldThrow<IllegalArgumentException> { a.mulSign_(NDArray.zeros(DType.FLOAT32, 2, 3, 4)) }.message!!
        grow shouldStartWith "mulSign_"
        grow shouldContain "[2, 3, 4]"
        shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.INT64, 3).mulSign_(NDArray.zeros(DType.FLOAT32, 3)) }
            .message shouldStartWith "mulSign_"
    }

    test("float32 comparisons with a scalar on either side agree with float64 ones") {
        val xs = floatArrayOf(-1f, 0f, 0.5f, 1f, 2f, Float.NaN)
        val x = NDArray.of(xs, xs.size)
        for (op in listOf(BinaryOp.EQ, BinaryOp.NE, BinaryOp.LT, BinaryOp.LE, BinaryOp.GT, BinaryOp.GE)) {
            x.binary(op, 1.0).toBooleanArray().toList() shouldBe xs.map { op.apply(it.toDouble(), 1.0) == 1.0 }
            x.binaryReversed(op, 1.0).toBooleanArray().toList() shouldBe xs.map { op.apply(1.0, it.toDouble()) == 1.0 }
        }
    }

    test("integer ops on int64 arrays are exact and keep the dtype") {
        val intOps = floatOps.filter { !it.floatResult() }
        checkAll(props(30), gen { sample(shape(), DType.INT64, lo = -5.0, hi = 5.0) }) { s ->
            for (op in intOps) {
                val r = s.x.unary(op)
                r.dtype() shouldBe DType.INT64
                r.shouldMatch(s.ref.map { op.applyLong(it.toLong()).toDouble() }, what = "$s.${op.opName()}")
            }
        }
    }

    test("round halves to even, as torch.round does") {
        NDArray.of(doubleArrayOf(0.5, 1.5, 2.5, -0.5, -1.5), 5).unary(UnaryOp.ROUND).toDoubleArray().toList() shouldBe
            listOf(0.0, 2.0, 2.0, -0.0, -2.0)
    }

    test("logical not gives bool") {
        NDArray.of(doubleArrayOf(0.0, 2.0, Double.NaN), 3).unary(UnaryOp.LOGICAL_NOT).toBooleanArray().toList() shouldBe
            listOf(true, false, false)
    }

    for (op in fast + UnaryOp.SQRT) {
        test("in-place ${op.opName()}_ on a strided or offset view changes exactly the view") {
            val rnd = Random(22)
            for (pick in listOf<(NDArray) -> NDArray>({ it.narrow(1, 2, 3) }, { it.narrow(0, 1, 2) }, { it.t().slice(0, 1, 6, 2) })) {
                val base = rnd.sample(intArrayOf(4, 6), DType.FLOAT32, depth = 0, lo = 0.0, hi = 3.0)
                val marker = NDArray.zeros(DType.FLOAT32, 4, 6).also { pick(it).fill_(1.0) }.ref()
                pick(base.x).unary_(op)
                val got = base.x.toDoubleArray()
                for (i in got.indices) {
                    val x = base.ref.v[i]
                    if (marker.v[i] == 1.0) withClue("element $i") { fastOk(op, got[i], op.apply(x)) shouldBe true }
                    else got[i] shouldBe x
                }
            }
        }
    }
})
