package dev.kindling.autograd

import dev.kindling.Random
import dev.kindling.tensor.DType
import dev.kindling.tensor.Device
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import kotlin.math.abs
import kotlin.math.exp
import kotlin.math.ln
import kotlin.math.sqrt

/**
 * The tensor rows of shared/API.md as an outside program sees them: only Tensor, GradMode, DType,
 * Device and dev.kindling.Random are used (never NDArray), and every value is checked against a naive
 * reference below that is written with plain loops over DoubleArrays in row-major order, so nothing
 * in it depends on strides or on Kindling's kernels.
 */
class TensorApiSpec : FunSpec({

    // ------------------------------------------------------------------ creation

    test("of(float[], shape) is a float32 tensor holding the values in row-major order") {
        val x = Tensor.of(floatArrayOf(1f, 2f, 3f, 4f, 5f, 6f), 2, 3)
        x.dtype() shouldBe DType.FLOAT32
        x.shape().toList() shouldBe listOf(2, 3)
        x.dim() shouldBe 2
        x.numel() shouldBe 6L
        x.device() shouldBe Device.CPU
        x.toFloatArray() shouldBe floatArrayOf(1f, 2f, 3f, 4f, 5f, 6f)
    }

    test("of(double[]) is FLOAT64 and keeps double precision") {
        val x = Tensor.of(doubleArrayOf(0.1, 1e-300, 1.0 / 3), 3)
        x.dtype() shouldBe DType.FLOAT64
        x.toDoubleArray() shouldBe doubleArrayOf(0.1, 1e-300, 1.0 / 3)
    }

    test("of(long[]) is INT64 and keeps values beyond float precision") {
        val big = (1L shl 53) + 1
        val x = Tensor.of(longArrayOf(big, -7, 0), 3)
        x.dtype() shouldBe DType.INT64
        x.toLongArray() shouldBe longArrayOf(big, -7, 0)
    }

    test("scalar(double) is a 0-d float32 tensor; scalar(double, DType) takes the dtype") {
        val s = Tensor.scalar(2.5)
        s.dim() shouldBe 0
        s.shape().size shouldBe 0
        s.numel() shouldBe 1L
        s.dtype() shouldBe DType.FLOAT32
        s.item() shouldBe 2.5
        val d = Tensor.scalar(0.1, DType.FLOAT64)
        d.dtype() shouldBe DType.FLOAT64
        d.item() shouldBe 0.1
    }

    test("zeros, ones and full fill the shape, float32 unless a dtype is given") {
        val z = Tensor.zeros(2, 3)
        z.dtype() shouldBe DType.FLOAT32
        z.shape().toList() shouldBe listOf(2, 3)
        z.toDoubleArray() shouldBe DoubleArray(6)
        val o = Tensor.ones(4)
        o.dtype() shouldBe DType.FLOAT32
        o.toDoubleArray() shouldBe DoubleArray(4) { 1.0 }
        val f = Tensor.full(2.5, 3, 1, 2)
        f.dtype() shouldBe DType.FLOAT32
        f.shape().toList() shouldBe listOf(3, 1, 2)
        f.toDoubleArray() shouldBe DoubleArray(6) { 2.5 }
        Tensor.zeros(DType.INT64, 2).dtype() shouldBe DType.INT64
        Tensor.ones(DType.FLOAT64, 2).dtype() shouldBe DType.FLOAT64
        val fi = Tensor.full(7.0, DType.INT64, 2, 2)
        fi.dtype() shouldBe DType.INT64
        fi.toLongArray() shouldBe longArrayOf(7, 7, 7, 7)
    }

    test("arange(5) is int64 0 to 4") {
        val x = Tensor.arange(5)
        x.dtype() shouldBe DType.INT64
        x.shape().toList() shouldBe listOf(5)
        x.toLongArray() shouldBe longArrayOf(0, 1, 2, 3, 4)
    }

    test("arange(2, 5) is int64 2 to 4") {
        val x = Tensor.arange(2, 5)
        x.dtype() shouldBe DType.INT64
        x.toLongArray() shouldBe longArrayOf(2, 3, 4)
    }

    test("arange(0.0, 1.0, 0.25) is float32 and excludes the end") {
        val x = Tensor.arange(0.0, 1.0, 0.25)
        x.dtype() shouldBe DType.FLOAT32
        x.shape().toList() shouldBe listOf(4)
        x.toFloatArray() shouldBe floatArrayOf(0f, 0.25f, 0.5f, 0.75f)
    }

    test("eye(3) is a float32 identity matrix") {
        val x = Tensor.eye(3)
        x.dtype() shouldBe DType.FLOAT32
        x.shouldMatch(ApiRef.build(intArrayOf(3, 3)) { (i, j) -> if (i == j) 1.0 else 0.0 })
    }

    test("rand is reproducible after Random.manualSeed, differs for another seed and lies in [0, 1)") {
        Random.manualSeed(42)
        val a = Tensor.rand(3, 4).toFloatArray()
        val a2 = Tensor.rand(3, 4).toFloatArray()
        Random.manualSeed(42)
        val b = Tensor.rand(3, 4)
        b.dtype() shouldBe DType.FLOAT32
        b.toFloatArray() shouldBe a
        a2 shouldNotBe a
        Random.manualSeed(43)
        Tensor.rand(3, 4).toFloatArray() shouldNotBe a
        Random.manualSeed(42)
        val many = Tensor.rand(10000).toDoubleArray()
        many.all { it >= 0.0 && it < 1.0 } shouldBe true
        abs(many.average() - 0.5) shouldBeBelow 0.02
    }

    test("randn is reproducible after Random.manualSeed, differs for another seed and is roughly standard normal") {
        Random.manualSeed(42)
        val a = Tensor.randn(5, 2).toFloatArray()
        Random.manualSeed(42)
        Tensor.randn(5, 2).toFloatArray() shouldBe a
        Random.manualSeed(7)
        Tensor.randn(5, 2).toFloatArray() shouldNotBe a
        Random.manualSeed(42)
        val many = Tensor.randn(20000).toDoubleArray()
        val mean = many.average()
        val variance = many.sumOf { (it - mean) * (it - mean) } / (many.size - 1)
        abs(mean) shouldBeBelow 0.05
        abs(variance - 1.0) shouldBeBelow 0.05
        Tensor.randn(DType.FLOAT64, 3).dtype() shouldBe DType.FLOAT64
    }

    test("randint is reproducible after Random.manualSeed, int64, and covers exactly [low, high)") {
        Random.manualSeed(42)
        val a = Tensor.randint(-3, 4, 2, 500)
        a.dtype() shouldBe DType.INT64
        a.shape().toList() shouldBe listOf(2, 500)
        Random.manualSeed(42)
        Tensor.randint(-3, 4, 2, 500).toLongArray() shouldBe a.toLongArray()
        Random.manualSeed(1234)
        Tensor.randint(-3, 4, 2, 500).toLongArray() shouldNotBe a.toLongArray()
        a.toLongArray().toSet() shouldBe (-3L..3L).toSet()
    }

    test("to(DType) converts values and to(Device.CPU) on a CPU tensor keeps them") {
        val x = Tensor.of(floatArrayOf(1.5f, -2.5f, 3f), 3)
        val d = x.to(DType.FLOAT64)
        d.dtype() shouldBe DType.FLOAT64
        d.toDoubleArray() shouldBe doubleArrayOf(1.5, -2.5, 3.0)
        x.to(Device.CPU).toFloatArray() shouldBe x.toFloatArray()
        Tensor.of(longArrayOf(1, 2), 2).to(DType.FLOAT32).toFloatArray() shouldBe floatArrayOf(1f, 2f)
    }

    // ------------------------------------------------------------------ views

    // x[i, j, k] = 100 i + 10 j + k, so a wrong element names its own source index.
    fun base234() = Tensor.of(FloatArray(24) { (100 * (it / 12) + 10 * (it / 4 % 3) + it % 4).toFloat() }, 2, 3, 4)

    test("reshape and view keep the row-major order, with -1 inferred") {
        val x = base234()
        val r = ApiRef(intArrayOf(2, 3, 4), x.toDoubleArray())
        x.reshape(4, 6).shouldMatch(ApiRef(intArrayOf(4, 6), r.v))
        x.reshape(-1).shouldMatch(ApiRef(intArrayOf(24), r.v))
        x.view(6, -1).shouldMatch(ApiRef(intArrayOf(6, 4), r.v))
        x.view(2, 12).shouldMatch(ApiRef(intArrayOf(2, 12), r.v))
        // reshape of a non-contiguous view reads it in its own (logical) order
        x.transpose(0, 2).reshape(24).shouldMatch(ApiRef(intArrayOf(24), ApiRef.build(intArrayOf(4, 3, 2)) { (k, j, i) -> r[i, j, k] }.v))
    }

    test("permute moves dims as index arithmetic says") {
        val x = base234()
        val r = x.ref()
        x.permute(2, 0, 1).shouldMatch(ApiRef.build(intArrayOf(4, 2, 3)) { (k, i, j) -> r[i, j, k] })
        x.permute(1, 2, 0).shouldMatch(ApiRef.build(intArrayOf(3, 4, 2)) { (j, k, i) -> r[i, j, k] })
        x.permute(0, 1, 2).shouldMatch(r)
    }

    test("transpose swaps two dims, negative dims count from the end, and t() transposes a matrix") {
        val x = base234()
        val r = x.ref()
        x.transpose(0, 2).shouldMatch(ApiRef.build(intArrayOf(4, 3, 2)) { (k, j, i) -> r[i, j, k] })
        x.transpose(-1, -2).shouldMatch(ApiRef.build(intArrayOf(2, 4, 3)) { (i, k, j) -> r[i, j, k] })
        val m = Tensor.of(floatArrayOf(1f, 2f, 3f, 4f, 5f, 6f), 2, 3)
        m.t().shouldMatch(ApiRef.build(intArrayOf(3, 2)) { (j, i) -> (3 * i + j + 1).toDouble() })
        m.t().t().shouldMatch(m.ref())
    }

    test("squeeze drops size-1 dims and unsqueeze inserts one, values unchanged") {
        val x = Tensor.of(FloatArray(6) { it.toFloat() }, 1, 3, 1, 2)
        val v = x.toDoubleArray()
        x.squeeze().shouldMatch(ApiRef(intArrayOf(3, 2), v))
        x.squeeze(0).shouldMatch(ApiRef(intArrayOf(3, 1, 2), v))
        x.squeeze(2).shouldMatch(ApiRef(intArrayOf(1, 3, 2), v))
        x.squeeze(1).shape().toList() shouldBe listOf(1, 3, 1, 2) // a dim that is not 1 stays, as in PyTorch
        x.squeeze().unsqueeze(0).shouldMatch(ApiRef(intArrayOf(1, 3, 2), v))
        x.squeeze().unsqueeze(1).shouldMatch(ApiRef(intArrayOf(3, 1, 2), v))
        x.squeeze().unsqueeze(-1).shouldMatch(ApiRef(intArrayOf(3, 2, 1), v))
    }

    test("flatten joins all dims, or a range of them, in logical order") {
        val x = base234()
        val r = x.ref()
        x.flatten().shouldMatch(ApiRef(intArrayOf(24), r.v))
        x.flatten(1, 2).shouldMatch(ApiRef(intArrayOf(2, 12), r.v))
        x.flatten(0, 1).shouldMatch(ApiRef(intArrayOf(6, 4), r.v))
        val p = ApiRef.build(intArrayOf(4, 2, 3)) { (k, i, j) -> r[i, j, k] }
        x.permute(2, 0, 1).flatten().shouldMatch(ApiRef(intArrayOf(24), p.v))
    }

    test("expand repeats size-1 dims and adds leading dims without copying values wrongly") {
        val x = Tensor.of(floatArrayOf(1f, 2f, 3f), 3, 1)
        x.expand(2, 3, 4).shouldMatch(ApiRef.build(intArrayOf(2, 3, 4)) { (_, j, _) -> (j + 1).toDouble() })
        x.expand(-1, 5).shouldMatch(ApiRef.build(intArrayOf(3, 5)) { (j, _) -> (j + 1).toDouble() })
        // an expanded view feeds an op like the materialised array would
        x.expand(3, 2).sum(1, false).shouldMatch(ApiRef(intArrayOf(3), doubleArrayOf(2.0, 4.0, 6.0)))
    }

    test("narrow takes a contiguous range of one dim") {
        val x = base234()
        val r = x.ref()
        x.narrow(1, 1, 2).shouldMatch(ApiRef.build(intArrayOf(2, 2, 4)) { (i, j, k) -> r[i, j + 1, k] })
        x.narrow(2, 3, 1).shouldMatch(ApiRef.build(intArrayOf(2, 3, 1)) { (i, j, _) -> r[i, j, 3] })
        x.narrow(-1, 0, 2).shouldMatch(ApiRef.build(intArrayOf(2, 3, 2)) { (i, j, k) -> r[i, j, k] })
    }

    test("select drops a dim at an index, negative indices counting from the end") {
        val x = base234()
        val r = x.ref()
        x.select(2, 3).shouldMatch(ApiRef.build(intArrayOf(2, 3)) { (i, j) -> r[i, j, 3] })
        x.select(1, -1).shouldMatch(ApiRef.build(intArrayOf(2, 4)) { (i, k) -> r[i, 2, k] })
        x.select(0, 1).select(0, 2).select(0, 1).let {
            it.dim() shouldBe 0
            it.item() shouldBe r[1, 2, 1]
        }
    }

    test("slice takes start:end:step with Python's clamping of out-of-range bounds") {
        val x = base234()
        val r = x.ref()
        x.slice(2, 1, 4, 2).shouldMatch(ApiRef.build(intArrayOf(2, 3, 2)) { (i, j, k) -> r[i, j, 1 + 2 * k] })
        x.slice(0, -1, 100, 1).shouldMatch(ApiRef.build(intArrayOf(1, 3, 4)) { (_, j, k) -> r[1, j, k] })
        x.slice(1, 0, 3, 2).shouldMatch(ApiRef.build(intArrayOf(2, 2, 4)) { (i, j, k) -> r[i, 2 * j, k] })
        x.slice(2, 3, 2, 1).shape().toList() shouldBe listOf(2, 3, 0)
    }

    test("a chain of views reads the elements the composed index arithmetic names") {
        val x = base234()
        val r = x.ref()
        // permute(2,0,1): [k, i, j]; slice(0, 1, 4, 2): k = 1 + 2a; select(2, 1): j = 1; t(): [i, a]
        val y = x.permute(2, 0, 1).slice(0, 1, 4, 2).select(2, 1).t()
        y.shouldMatch(ApiRef.build(intArrayOf(2, 2)) { (i, a) -> r[i, 1, 1 + 2 * a] })
        y.contiguous().shouldMatch(ApiRef.build(intArrayOf(2, 2)) { (i, a) -> r[i, 1, 1 + 2 * a] })
        // and the view still computes correctly in an op
        y.mul(2.0).shouldMatch(ApiRef.build(intArrayOf(2, 2)) { (i, a) -> 2 * r[i, 1, 1 + 2 * a] })
    }

    test("a view shares data: fill_ through a narrow view changes the base") {
        val base = Tensor.zeros(3, 4)
        val v = base.narrow(1, 1, 2)
        v.fill_(7.0)
        base.shouldMatch(ApiRef.build(intArrayOf(3, 4)) { (_, j) -> if (j == 1 || j == 2) 7.0 else 0.0 })
        // and a write to the base shows through the view
        base.select(0, 2).fill_(-1.0)
        v.shouldMatch(ApiRef.build(intArrayOf(3, 2)) { (i, _) -> if (i == 2) -1.0 else 7.0 })
        // through a transposed view as well
        base.t().select(0, 3).fill_(5.0)
        base.toDoubleArray()[3] shouldBe 5.0
        base.toDoubleArray()[7] shouldBe 5.0
        base.toDoubleArray()[11] shouldBe 5.0
    }

    // ------------------------------------------------------------------ broadcasting arithmetic

    test("[2,3,1] + [4] broadcasts to [2,3,4]") {
        val a = floats(intArrayOf(2, 3, 1), seed = 1)
        val b = floats(intArrayOf(4), seed = 2)
        val expected = ApiRef.build(intArrayOf(2, 3, 4)) { (i, j, k) -> a.ref()[i, j, 0] + b.ref()[k] }
        a.add(b).shouldMatch(expected, rtol = 1e-6)
        b.add(a).shouldMatch(expected, rtol = 1e-6)
    }

    test("mul, div and sub broadcast both operands like NumPy") {
        val a = floats(intArrayOf(3, 1), seed = 3)
        val b = floats(intArrayOf(1, 4), seed = 4, lo = 0.5, hi = 2.0)
        a.mul(b).shouldMatch(ApiRef.zip(a.ref(), b.ref()) { x, y -> x * y }, rtol = 1e-6)
        a.div(b).shouldMatch(ApiRef.zip(a.ref(), b.ref()) { x, y -> x / y }, rtol = 1e-6)
        val c = floats(intArrayOf(2, 1, 4), seed = 5)
        val d = floats(intArrayOf(3, 4), seed = 6)
        c.sub(d).shouldMatch(ApiRef.zip(c.ref(), d.ref()) { x, y -> x - y }, rtol = 1e-6, atol = 1e-6)
        d.sub(c).shouldMatch(ApiRef.zip(d.ref(), c.ref()) { x, y -> x - y }, rtol = 1e-6, atol = 1e-6)
        // a 0-d tensor broadcasts against anything
        d.mul(Tensor.scalar(3.0)).shouldMatch(d.ref().map { it * 3 }, rtol = 1e-6)
        // float64 arithmetic is exact to double rounding
        val e = c.to(DType.FLOAT64)
        val f = d.to(DType.FLOAT64)
        e.div(f).shouldMatch(ApiRef.zip(e.ref(), f.ref()) { x, y -> x / y }, rtol = 1e-15)
    }

    test("double and long scalar overloads of add, sub, mul and div") {
        val x = floats(intArrayOf(2, 3), seed = 7)
        val r = x.ref()
        x.add(1.5).shouldMatch(r.map { it + 1.5 }, rtol = 1e-6, atol = 1e-6)
        x.sub(0.25).shouldMatch(r.map { it - 0.25 }, rtol = 1e-6, atol = 1e-6)
        x.mul(-2.0).shouldMatch(r.map { it * -2.0 }, rtol = 1e-6)
        x.div(4.0).shouldMatch(r.map { it / 4.0 }, rtol = 1e-6)
        x.add(2L).shouldMatch(r.map { it + 2 }, rtol = 1e-6, atol = 1e-6)
        x.sub(3L).shouldMatch(r.map { it - 3 }, rtol = 1e-6, atol = 1e-6)
        x.mul(3L).shouldMatch(r.map { it * 3 }, rtol = 1e-6)
        x.add(2L).dtype() shouldBe DType.FLOAT32
        val n = Tensor.of(longArrayOf(1, -2, 3), 3)
        n.mul(3L).toLongArray() shouldBe longArrayOf(3, -6, 9)
        n.sub(5L).toLongArray() shouldBe longArrayOf(-4, -7, -2)
    }

    test("rsub and rdiv put the scalar first") {
        val x = floats(intArrayOf(2, 3), seed = 8, lo = 0.5, hi = 3.0)
        val r = x.ref()
        x.rsub(1.0).shouldMatch(r.map { 1.0 - it }, rtol = 1e-6, atol = 1e-6)
        x.rdiv(2.0).shouldMatch(r.map { 2.0 / it }, rtol = 1e-6)
        val n = Tensor.of(longArrayOf(1, 2, 4), 3)
        n.rdiv(1.0).dtype() shouldBe DType.FLOAT32
        n.rdiv(1.0).toFloatArray() shouldBe floatArrayOf(1f, 0.5f, 0.25f)
        n.rsub(10.0).toFloatArray() shouldBe floatArrayOf(9f, 8f, 6f)
    }

    test("elementwise math functions match kotlin.math") {
        val x = floats(intArrayOf(3, 4), seed = 9)
        val pos = floats(intArrayOf(3, 4), seed = 10, lo = 0.1, hi = 4.0)
        val r = x.ref()
        val p = pos.ref()
        val tol = 2e-6
        x.neg().shouldMatch(r.map { -it })
        x.abs().shouldMatch(r.map { abs(it) })
        x.exp().shouldMatch(r.map { exp(it) }, rtol = tol)
        pos.log().shouldMatch(p.map { ln(it) }, rtol = tol, atol = tol)
        pos.sqrt().shouldMatch(p.map { sqrt(it) }, rtol = tol)
        x.sin().shouldMatch(r.map { kotlin.math.sin(it) }, rtol = tol, atol = tol)
        x.cos().shouldMatch(r.map { kotlin.math.cos(it) }, rtol = tol, atol = tol)
        x.tanh().shouldMatch(r.map { kotlin.math.tanh(it) }, rtol = tol, atol = tol)
        x.sigmoid().shouldMatch(r.map { 1 / (1 + exp(-it)) }, rtol = tol, atol = tol)
        x.relu().shouldMatch(r.map { maxOf(it, 0.0) })
        pos.pow(1.5).shouldMatch(p.map { Math.pow(it, 1.5) }, rtol = tol)
        pos.pow(pos).shouldMatch(p.map { Math.pow(it, it) }, rtol = 1e-5)
    }

    // ------------------------------------------------------------------ reductions

    test("sum() of everything is a 0-d tensor") {
        val x = floats(intArrayOf(3, 4, 5), seed = 11)
        val s = x.sum()
        s.dim() shouldBe 0
        s.dtype() shouldBe DType.FLOAT32
        s.item() shouldBeCloseTo Pair(x.ref().v.sum(), 1e-4)
        x.t3().sum().item() shouldBeCloseTo Pair(x.ref().v.sum(), 1e-4)
        Tensor.of(longArrayOf(1, 2, 3), 3).sum().let {
            it.dtype() shouldBe DType.INT64
            it.item() shouldBe 6.0
        }
    }

    test("sum(dim, keepdim) over every dim, positive and negative") {
        val x = floats(intArrayOf(3, 4, 5), seed = 12)
        for (dim in -3..2) for (keep in listOf(false, true)) {
            withClue("sum($dim, $keep)") {
                x.sum(dim, keep).shouldMatch(x.ref().reduceDim(dim, keep) { it.sum() }, rtol = 1e-5, atol = 1e-5)
                // the same on a permuted view
                val p = x.permute(1, 2, 0)
                p.sum(dim, keep).shouldMatch(p.ref().reduceDim(dim, keep) { it.sum() }, rtol = 1e-5, atol = 1e-5)
            }
        }
    }

    test("mean() and mean(dim, keepdim)") {
        val x = floats(intArrayOf(3, 4, 5), seed = 13)
        x.mean().item() shouldBeCloseTo Pair(x.ref().v.average(), 1e-5)
        x.mean().dim() shouldBe 0
        for (dim in -3..2) for (keep in listOf(false, true)) {
            withClue("mean($dim, $keep)") {
                x.mean(dim, keep).shouldMatch(x.ref().reduceDim(dim, keep) { it.average() }, rtol = 1e-5, atol = 1e-6)
            }
        }
    }

    test("var with unbiased true and false; var() is unbiased") {
        val x = floats(intArrayOf(4, 6), seed = 14)
        fun variance(v: DoubleArray, unbiased: Boolean): Double {
            val m = v.average()
            return v.sumOf { (it - m) * (it - m) } / (if (unbiased) v.size - 1 else v.size)
        }
        x.`var`().item() shouldBeCloseTo Pair(variance(x.ref().v, true), 1e-5)
        x.`var`().dim() shouldBe 0
        for (dim in listOf(0, 1, -1)) for (unbiased in listOf(true, false)) for (keep in listOf(false, true)) {
            withClue("var($dim, $unbiased, $keep)") {
                x.`var`(dim, unbiased, keep).shouldMatch(x.ref().reduceDim(dim, keep) { variance(it, unbiased) }, rtol = 1e-5, atol = 1e-6)
            }
        }
        // the known small case: [1, 2, 3, 4] has population variance 1.25 and sample variance 5/3
        val s = Tensor.of(doubleArrayOf(1.0, 2.0, 3.0, 4.0), 4)
        s.`var`(0, false, false).item() shouldBe 1.25
        s.`var`(0, true, false).item() shouldBeCloseTo Pair(5.0 / 3, 1e-15)
    }

    test("std is the square root of var, unbiased by default") {
        val x = floats(intArrayOf(4, 6), seed = 15)
        fun std(v: DoubleArray, unbiased: Boolean): Double {
            val m = v.average()
            return sqrt(v.sumOf { (it - m) * (it - m) } / (if (unbiased) v.size - 1 else v.size))
        }
        x.std().item() shouldBeCloseTo Pair(std(x.ref().v, true), 1e-5)
        for (dim in listOf(0, 1)) for (unbiased in listOf(true, false)) {
            x.std(dim, unbiased, true).shouldMatch(x.ref().reduceDim(dim, true) { std(it, unbiased) }, rtol = 1e-5, atol = 1e-6)
        }
    }

    test("prod() and prod(dim, keepdim)") {
        val x = floats(intArrayOf(3, 4), seed = 16, lo = 0.5, hi = 1.5)
        fun prod(v: DoubleArray) = v.fold(1.0) { a, b -> a * b }
        x.prod().item() shouldBeCloseTo Pair(prod(x.ref().v), 1e-5)
        for (dim in listOf(0, 1, -1)) for (keep in listOf(false, true)) {
            x.prod(dim, keep).shouldMatch(x.ref().reduceDim(dim, keep) { prod(it) }, rtol = 1e-5)
        }
        Tensor.of(longArrayOf(2, 3, 4), 3).prod().let {
            it.dtype() shouldBe DType.INT64
            it.item() shouldBe 24.0
        }
    }

    test("max() and min() give 0-d tensors") {
        val x = floats(intArrayOf(3, 5), seed = 17)
        val mx = x.max()
        mx.dim() shouldBe 0
        mx.item() shouldBe x.ref().v.max()
        x.min().dim() shouldBe 0
        x.min().item() shouldBe x.ref().v.min()
        val n = Tensor.of(longArrayOf(4, -9, 2), 3)
        n.max().item() shouldBe 4.0
        n.min().item() shouldBe -9.0
        n.max().dtype() shouldBe DType.INT64
    }

    test("max(dim, keepdim) and min(dim, keepdim) give values and the first index of ties") {
        val x = Tensor.of(floatArrayOf(1f, 3f, 3f, 2f, 2f, 1f, 5f, 0f, 5f), 3, 3)
        val mx = x.max(1, false)
        mx.values().toFloatArray() shouldBe floatArrayOf(3f, 2f, 5f)
        mx.indices().toLongArray() shouldBe longArrayOf(1, 0, 0)
        mx.indices().dtype() shouldBe DType.INT64
        val mn = x.min(1, false)
        mn.values().toFloatArray() shouldBe floatArrayOf(1f, 1f, 0f)
        mn.indices().toLongArray() shouldBe longArrayOf(0, 2, 1)
        val mk = x.max(0, true)
        mk.values().shape().toList() shouldBe listOf(1, 3)
        mk.indices().shape().toList() shouldBe listOf(1, 3)
        mk.values().toFloatArray() shouldBe floatArrayOf(5f, 3f, 5f)
        mk.indices().toLongArray() shouldBe longArrayOf(2, 0, 2)
        // random small integers (many ties) over every dim of a 3-d tensor against the reference
        val y = Tensor.of(kotlin.random.Random(18).let { rnd -> FloatArray(60) { rnd.nextInt(0, 4).toFloat() } }, 3, 4, 5)
        for (dim in -3..2) for (keep in listOf(false, true)) for (isMax in listOf(true, false)) {
            withClue("${if (isMax) "max" else "min"}($dim, $keep)") {
                val got = if (isMax) y.max(dim, keep) else y.min(dim, keep)
                val (values, indices) = y.ref().argReduce(isMax, dim, keep)
                got.values().shouldMatch(values)
                got.indices().shouldMatch(indices)
            }
        }
    }

    test("argmax and argmin pick the first extreme, flattened or along a dim") {
        val x = Tensor.of(floatArrayOf(1f, 3f, 3f, 2f, 2f, 1f, 5f, 0f, 5f), 3, 3)
        x.argmax().let {
            it.dim() shouldBe 0
            it.dtype() shouldBe DType.INT64
            it.item() shouldBe 6.0
        }
        x.argmin().item() shouldBe 7.0
        x.argmax(1, false).toLongArray() shouldBe longArrayOf(1, 0, 0)
        x.argmin(0, false).toLongArray() shouldBe longArrayOf(0, 2, 1)
        x.argmax(0, true).shape().toList() shouldBe listOf(1, 3)
        // a transposed view is flattened in its logical order
        x.t().argmax().item() shouldBe 2.0 // x.t() = [[1,2,5],[3,2,0],[3,1,5]]
    }

    test("logsumexp(dim, keepdim) is log of the sum of exps, stable for large values") {
        val x = floats(intArrayOf(3, 4), seed = 19)
        fun lse(v: DoubleArray) = ln(v.sumOf { exp(it) })
        for (dim in listOf(0, 1, -1)) for (keep in listOf(false, true)) {
            x.logsumexp(dim, keep).shouldMatch(x.ref().reduceDim(dim, keep) { lse(it) }, rtol = 1e-5, atol = 1e-5)
        }
        val big = Tensor.of(floatArrayOf(1000f, 1000f, -1000f, -1000f), 2, 2)
        big.logsumexp(1, false).shouldMatch(ApiRef(intArrayOf(2), doubleArrayOf(1000 + ln(2.0), -1000 + ln(2.0))), rtol = 1e-6)
    }

    test("softmax and logSoftmax over rows and columns") {
        val x = floats(intArrayOf(4, 5), seed = 20)
        val r = x.ref()
        fun softmaxRef(dim: Int) = ApiRef.build(intArrayOf(4, 5)) { (i, j) ->
            if (dim == 1) exp(r[i, j]) / (0 until 5).sumOf { exp(r[i, it]) } else exp(r[i, j]) / (0 until 4).sumOf { exp(r[it, j]) }
        }
        x.softmax(1).shouldMatch(softmaxRef(1), rtol = 1e-5, atol = 1e-7)
        x.softmax(-1).shouldMatch(softmaxRef(1), rtol = 1e-5, atol = 1e-7)
        x.softmax(0).shouldMatch(softmaxRef(0), rtol = 1e-5, atol = 1e-7)
        x.logSoftmax(1).shouldMatch(softmaxRef(1).map { ln(it) }, rtol = 1e-5, atol = 1e-5)
        x.logSoftmax(0).shouldMatch(softmaxRef(0).map { ln(it) }, rtol = 1e-5, atol = 1e-5)
        x.softmax(1).sum(1, false).shouldMatch(ApiRef(intArrayOf(4), DoubleArray(4) { 1.0 }), atol = 1e-6)
        // huge logits do not overflow
        Tensor.of(floatArrayOf(1000f, 1000f), 1, 2).softmax(1).toFloatArray() shouldBe floatArrayOf(0.5f, 0.5f)
    }

    // ------------------------------------------------------------------ matmul

    test("batched matmul of transposed views with broadcast batch dims, float32") {
        Random.manualSeed(42)
        val a = Tensor.randn(2, 3, 4, 5)
        val at = a.transpose(-1, -2)
        at.shape().toList() shouldBe listOf(2, 3, 5, 4)
        val atRef = a.ref().let { r -> ApiRef.build(intArrayOf(2, 3, 5, 4)) { (b, c, i, j) -> r[b, c, j, i] } }
        val b = Tensor.randn(3, 4, 6)
        val c = at.matmul(b)
        c.dtype() shouldBe DType.FLOAT32
        c.shouldMatch(ApiRef.matmul(atRef, b.ref()), rtol = 1e-4, atol = 1e-4)
        // the right operand a transposed view as well
        val b2 = Tensor.randn(3, 6, 4)
        val b2t = b2.transpose(1, 2)
        val b2tRef = b2.ref().let { r -> ApiRef.build(intArrayOf(3, 4, 6)) { (c0, i, j) -> r[c0, j, i] } }
        at.matmul(b2t).shouldMatch(ApiRef.matmul(atRef, b2tRef), rtol = 1e-4, atol = 1e-4)
    }

    test("batched matmul of transposed views with broadcast batch dims, float64") {
        Random.manualSeed(42)
        val a = Tensor.randn(DType.FLOAT64, 2, 3, 4, 5)
        val at = a.transpose(-1, -2)
        val atRef = a.ref().let { r -> ApiRef.build(intArrayOf(2, 3, 5, 4)) { (b, c, i, j) -> r[b, c, j, i] } }
        val b = Tensor.randn(DType.FLOAT64, 3, 4, 6)
        val c = at.matmul(b)
        c.dtype() shouldBe DType.FLOAT64
        c.shouldMatch(ApiRef.matmul(atRef, b.ref()), rtol = 1e-12, atol = 1e-12)
        val b2 = Tensor.randn(DType.FLOAT64, 3, 6, 4)
        val b2tRef = b2.ref().let { r -> ApiRef.build(intArrayOf(3, 4, 6)) { (c0, i, j) -> r[c0, j, i] } }
        at.matmul(b2.transpose(1, 2)).shouldMatch(ApiRef.matmul(atRef, b2tRef), rtol = 1e-12, atol = 1e-12)
    }

    test("matmul of 1-D @ 2-D, 2-D @ 1-D and 1-D @ 1-D drops the vector dims") {
        val v = Tensor.of(doubleArrayOf(1.0, -2.0, 0.5, 3.0), 4)
        val m = Tensor.of(DoubleArray(12) { it * 0.25 - 1 }, 4, 3)
        val vm = v.matmul(m)
        vm.shape().toList() shouldBe listOf(3)
        vm.shouldMatch(ApiRef.build(intArrayOf(3)) { (j) -> (0 until 4).sumOf { p -> v.ref()[p] * m.ref()[p, j] } }, rtol = 1e-12, atol = 1e-12)
        val mt = m.t() // [3, 4] view
        val mv = mt.matmul(v)
        mv.shape().toList() shouldBe listOf(3)
        mv.shouldMatch(ApiRef.build(intArrayOf(3)) { (i) -> (0 until 4).sumOf { p -> m.ref()[p, i] * v.ref()[p] } }, rtol = 1e-12, atol = 1e-12)
        val dot = v.matmul(v)
        dot.dim() shouldBe 0
        dot.item() shouldBe 1.0 + 4.0 + 0.25 + 9.0
    }

    test("a large matmul (BLAS-sized) from randn matches the naive product") {
        Random.manualSeed(42)
        val a = Tensor.randn(130, 70)
        val b = Tensor.randn(70, 90)
        val c = a.matmul(b)
        c.shape().toList() shouldBe listOf(130, 90)
        val expected = ApiRef.matmul(a.ref(), b.ref())
        c.shouldMatch(expected, rtol = 1e-4, atol = 1e-4)
        a.mm(b).shouldMatch(expected, rtol = 1e-4, atol = 1e-4)
        // the same product with the left operand a transposed view
        val aT = Tensor.randn(70, 130)
        val aTRef = aT.ref().let { r -> ApiRef.build(intArrayOf(130, 70)) { (i, j) -> r[j, i] } }
        aT.t().matmul(b).shouldMatch(ApiRef.matmul(aTRef, b.ref()), rtol = 1e-4, atol = 1e-4)
        // and in float64
        val a64 = a.to(DType.FLOAT64)
        val b64 = b.to(DType.FLOAT64)
        a64.matmul(b64).shouldMatch(ApiRef.matmul(a64.ref(), b64.ref()), rtol = 1e-12, atol = 1e-12)
    }

    test("mm and bmm multiply matrices and batches of equal size") {
        val a = floats(intArrayOf(3, 4), seed = 21)
        val b = floats(intArrayOf(4, 2), seed = 22)
        a.mm(b).shouldMatch(ApiRef.matmul(a.ref(), b.ref()), rtol = 1e-5, atol = 1e-5)
        val p = floats(intArrayOf(2, 3, 4), seed = 23)
        val q = floats(intArrayOf(2, 4, 5), seed = 24)
        p.bmm(q).shouldMatch(ApiRef.matmul(p.ref(), q.ref()), rtol = 1e-5, atol = 1e-5)
    }

    // ------------------------------------------------------------------ promotion

    test("int64 + float32 is FLOAT32") {
        val r = Tensor.of(longArrayOf(1, 2, 3), 3).add(Tensor.of(floatArrayOf(0.5f, 0.25f, -1f), 3))
        r.dtype() shouldBe DType.FLOAT32
        r.toFloatArray() shouldBe floatArrayOf(1.5f, 2.25f, 2f)
        Tensor.of(floatArrayOf(1f), 1).mul(Tensor.of(longArrayOf(3), 1)).dtype() shouldBe DType.FLOAT32
    }

    test("int32 + int64 is INT64") {
        val a = Tensor.of(intArrayOf(1, 2, 3), 3)
        a.dtype() shouldBe DType.INT32
        val r = a.add(Tensor.of(longArrayOf(10, 20, 30), 3))
        r.dtype() shouldBe DType.INT64
        r.toLongArray() shouldBe longArrayOf(11, 22, 33)
        Tensor.of(intArrayOf(1), 1).add(Tensor.of(floatArrayOf(1f), 1)).dtype() shouldBe DType.FLOAT32
        Tensor.of(longArrayOf(1), 1).add(Tensor.of(doubleArrayOf(1.0), 1)).dtype() shouldBe DType.FLOAT64
        Tensor.of(floatArrayOf(1f), 1).add(Tensor.of(doubleArrayOf(1.0), 1)).dtype() shouldBe DType.FLOAT64
    }

    test("int tensor div int tensor is true division in FLOAT32") {
        val r = Tensor.of(longArrayOf(7, -7, 1), 3).div(Tensor.of(longArrayOf(2, 2, 3), 3))
        r.dtype() shouldBe DType.FLOAT32
        r.toFloatArray() shouldBe floatArrayOf(3.5f, -3.5f, (1.0 / 3).toFloat())
        Tensor.of(intArrayOf(1), 1).div(Tensor.of(intArrayOf(4), 1)).let {
            it.dtype() shouldBe DType.FLOAT32
            it.item() shouldBe 0.25
        }
        Tensor.of(longArrayOf(3), 1).div(2.0).dtype() shouldBe DType.FLOAT32
    }

    test("comparisons give BOOL tensors") {
        val a = Tensor.of(floatArrayOf(1f, 2f, 3f), 3)
        val b = Tensor.of(longArrayOf(2, 2, 2), 3)
        for ((name, t) in listOf("eq" to a.eq(b), "ne" to a.ne(b), "lt" to a.lt(b), "le" to a.le(b), "gt" to a.gt(b), "ge" to a.ge(b))) {
            withClue(name) { t.dtype() shouldBe DType.BOOL }
        }
        a.eq(b).toLongArray() shouldBe longArrayOf(0, 1, 0)
        a.ne(b).toLongArray() shouldBe longArrayOf(1, 0, 1)
        a.lt(b).toLongArray() shouldBe longArrayOf(1, 0, 0)
        a.le(b).toLongArray() shouldBe longArrayOf(1, 1, 0)
        a.gt(b).toLongArray() shouldBe longArrayOf(0, 0, 1)
        a.ge(b).toLongArray() shouldBe longArrayOf(0, 1, 1)
        a.gt(1.5).dtype() shouldBe DType.BOOL
        a.gt(1.5).toLongArray() shouldBe longArrayOf(0, 1, 1)
        b.eq(2.0).toLongArray() shouldBe longArrayOf(1, 1, 1)
        // broadcasting comparison
        Tensor.of(floatArrayOf(1f, 2f), 2, 1).lt(Tensor.of(floatArrayOf(1f, 2f, 3f), 3)).let {
            it.shape().toList() shouldBe listOf(2, 3)
            it.toLongArray() shouldBe longArrayOf(0, 1, 1, 0, 0, 1)
        }
    }

    test("an int tensor plus a double is FLOAT32, plus a long stays INT64") {
        val n = Tensor.of(longArrayOf(1, 2, 3), 3)
        val f = n.add(2.5)
        f.dtype() shouldBe DType.FLOAT32
        f.toFloatArray() shouldBe floatArrayOf(3.5f, 4.5f, 5.5f)
        val l = n.add(2L)
        l.dtype() shouldBe DType.INT64
        l.toLongArray() shouldBe longArrayOf(3, 4, 5)
        n.mul(2.0).dtype() shouldBe DType.FLOAT32
        Tensor.of(doubleArrayOf(1.0), 1).add(2.5).dtype() shouldBe DType.FLOAT64
    }

    // ------------------------------------------------------------------ error messages

    test("mm and matmul with mismatched inner sizes name both shapes and sizes") {
        val a = Tensor.zeros(64, 784)
        val b = Tensor.zeros(128, 10)
        val expected = "matmul: [64, 784] @ [128, 10]: inner sizes 784 and 128 differ"
        shouldThrow<IllegalArgumentException> { a.mm(b) }.message shouldContain expected
        shouldThrow<IllegalArgumentException> { a.matmul(b) }.message shouldContain expected
    }

    test("add of shapes that do not broadcast names add and both shapes") {
        val e = shouldThrow<IllegalArgumentException> { Tensor.zeros(2, 3).add(Tensor.zeros(4)) }
        e.message shouldContain "add"
        e.message shouldContain "[2, 3]"
        e.message shouldContain "[4]"
    }

    test("select out of range names the index, the dim and its size") {
        val e = shouldThrow<IndexOutOfBoundsException> { Tensor.zeros(3).select(0, 5) }
        e.message shouldContain "select"
        e.message shouldContain "index 5"
        e.message shouldContain "dim 0"
        e.message shouldContain "size 3"
    }

    test("reshape to a different element count names the requested shape and the size") {
        val e = shouldThrow<IllegalArgumentException> { Tensor.zeros(2, 3).reshape(7) }
        e.message shouldContain "reshape"
        e.message shouldContain "[7]"
        e.message shouldContain "size 6"
    }

    test("requiresGrad_(true) on an int64 tensor is refused with the dtype named") {
        val t = Tensor.of(longArrayOf(1, 2), 2)
        val e = shouldThrow<IllegalArgumentException> { t.requiresGrad_(true) }
        e.message shouldContain "requiresGrad_"
        e.message shouldContain "floating point"
        e.message shouldContain "INT64"
        t.requiresGrad() shouldBe false
        t.requiresGrad_(false).requiresGrad() shouldBe false
    }

    // ------------------------------------------------------------------ toString

    test("toString of a float32 matrix is PyTorch's") {
        Tensor.of(floatArrayOf(1f, 2f, 3f, 4f), 2, 2).toString() shouldBe "tensor([[1., 2.],\n        [3., 4.]])"
    }

    test("toString of fractions prints four decimals") {
        Tensor.of(floatArrayOf(0.1f, 0.25f), 2).toString() shouldBe "tensor([0.1000, 0.2500])"
        Tensor.scalar(3.5).toString() shouldBe "tensor(3.5000)"
    }

    test("toString of int64 has no dtype suffix") {
        Tensor.of(longArrayOf(1, 2, 3), 3).toString() shouldBe "tensor([1, 2, 3])"
        Tensor.arange(3).toString() shouldBe "tensor([0, 1, 2])"
    }

    test("toString of float64 ends with dtype=torch.float64") {
        Tensor.of(doubleArrayOf(1.0, 2.0), 2).toString() shouldBe "tensor([1., 2.], dtype=torch.float64)"
    }

    test("toString of a requiresGrad leaf adds requiresGrad=True") {
        val t = Tensor.of(floatArrayOf(1f, 2f), 2).requiresGrad_(true)
        t.requiresGrad() shouldBe true
        t.toString() shouldBe "tensor([1., 2.], requiresGrad=True)"
        t.requiresGrad_(false).toString() shouldBe "tensor([1., 2.])"
    }

    test("toString of a view prints the view's elements") {
        Tensor.of(floatArrayOf(1f, 2f, 3f, 4f), 2, 2).t().toString() shouldBe "tensor([[1., 3.],\n        [2., 4.]])"
        Tensor.of(floatArrayOf(1f, 2f, 3f), 3).gt(1.5).toString() shouldBe "tensor([False,  True,  True])"
    }

    // ------------------------------------------------------------------ data out

    test("toFloatArray, toDoubleArray and toLongArray read views in logical order") {
        val x = Tensor.of(FloatArray(6) { it.toFloat() }, 2, 3).t()
        x.toFloatArray() shouldBe floatArrayOf(0f, 3f, 1f, 4f, 2f, 5f)
        x.toDoubleArray() shouldBe doubleArrayOf(0.0, 3.0, 1.0, 4.0, 2.0, 5.0)
        x.toLongArray() shouldBe longArrayOf(0, 3, 1, 4, 2, 5)
        val n = Tensor.of(LongArray(12) { it.toLong() }, 3, 4).narrow(1, 1, 2)
        n.toLongArray() shouldBe longArrayOf(1, 2, 5, 6, 9, 10)
        n.toDoubleArray() shouldBe doubleArrayOf(1.0, 2.0, 5.0, 6.0, 9.0, 10.0)
        Tensor.of(LongArray(8) { it.toLong() }, 8).slice(0, 1, 8, 3).toFloatArray() shouldBe floatArrayOf(1f, 4f, 7f)
        Tensor.of(floatArrayOf(2f), 1).expand(3).toFloatArray() shouldBe floatArrayOf(2f, 2f, 2f)
    }

    test("item() reads the one element of a 0-d or one-element view") {
        val x = Tensor.of(FloatArray(6) { it * 1.5f }, 2, 3)
        x.select(0, 1).select(0, 2).item() shouldBe 7.5
        x.t().narrow(0, 2, 1).narrow(1, 0, 1).item() shouldBe 3.0
        Tensor.of(longArrayOf(42), 1, 1).item() shouldBe 42.0
        Tensor.of(doubleArrayOf(0.1), 1).item() shouldBe 0.1
    }

    test("item() on a multi-element tensor throws, naming the shape") {
        val e = shouldThrow<IllegalArgumentException> { Tensor.zeros(2, 3).item() }
        e.message shouldContain "item"
        e.message shouldContain "[2, 3]"
    }

    // ------------------------------------------------------------------ GradMode

    test("noGrad and enableGrad scopes nest and restore isEnabled on close") {
        GradMode.isEnabled() shouldBe true
        GradMode.noGrad().use {
            GradMode.isEnabled() shouldBe false
            GradMode.enableGrad().use {
                GradMode.isEnabled() shouldBe true
                GradMode.noGrad().use { GradMode.isEnabled() shouldBe false }
                GradMode.isEnabled() shouldBe true
            }
            GradMode.isEnabled() shouldBe false
            GradMode.noGrad().use { GradMode.isEnabled() shouldBe false }
            GradMode.isEnabled() shouldBe false
        }
        GradMode.isEnabled() shouldBe true
        GradMode.enableGrad().use { GradMode.isEnabled() shouldBe true }
        GradMode.isEnabled() shouldBe true
        // a scope closed twice restores once
        val s = GradMode.noGrad()
        s.close()
        s.close()
        GradMode.isEnabled() shouldBe true
        // and closing by an exception restores too
        runCatching { GradMode.noGrad().use { error("boom") } }
        GradMode.isEnabled() shouldBe true
    }

    test("GradMode is per thread: a scope on one thread leaves another unaffected") {
        val otherEntered = CountDownLatch(1)
        val mainChecked = CountDownLatch(1)
        val seenByOther = AtomicReference<List<Boolean>>()
        val failure = AtomicReference<Throwable>()
        GradMode.noGrad().use {
            val t = Thread {
                try {
                    val seen = mutableListOf(GradMode.isEnabled()) // main's noGrad does not reach here: true
                    GradMode.noGrad().use {
                        seen += GradMode.isEnabled() // false
                        otherEntered.countDown()
                        mainChecked.await(10, TimeUnit.SECONDS)
                        seen += GradMode.isEnabled() // still false whatever main did meanwhile
                    }
                    seen += GradMode.isEnabled() // restored to true
                    seenByOther.set(seen)
                } catch (e: Throwable) {
                    failure.set(e)
                    otherEntered.countDown()
                }
            }
            t.start()
            otherEntered.await(10, TimeUnit.SECONDS) shouldBe true
            GradMode.isEnabled() shouldBe false
            GradMode.enableGrad().use { GradMode.isEnabled() shouldBe true }
            mainChecked.countDown()
            t.join(10_000)
            failure.get() shouldBe null
            seenByOther.get() shouldBe listOf(true, false, false, true)
            GradMode.isEnabled() shouldBe false
        }
        GradMode.isEnabled() shouldBe true
    }

    // ------------------------------------------------------------------ selection, joining and indexing

    test("where picks from a or b by a broadcast condition") {
        val x = floats(intArrayOf(3, 4), seed = 25)
        val r = x.ref()
        Tensor.where(x.gt(0.0), x, Tensor.zeros(3, 4)).shouldMatch(r.map { if (it > 0) it else 0.0 })
        Tensor.where(x.gt(0.0), x, Tensor.scalar(-1.0)).shouldMatch(r.map { if (it > 0) it else -1.0 })
        val cond = Tensor.of(longArrayOf(1, 0, 1, 0), 4).eq(1.0) // [4] broadcasts over rows
        Tensor.where(cond, x, x.neg()).shouldMatch(ApiRef.build(intArrayOf(3, 4)) { (i, j) -> if (j % 2 == 0) r[i, j] else -r[i, j] })
    }

    test("clamp bounds every element to [min, max]") {
        val x = floats(intArrayOf(3, 4), seed = 26)
        x.clamp(-1.0, 0.5).shouldMatch(x.ref().map { it.coerceIn(-1.0, 0.5) })
        Tensor.of(longArrayOf(-5, 0, 5), 3).clamp(-2.0, 2.0).toLongArray() shouldBe longArrayOf(-2, 0, 2)
    }

    test("maximum and minimum are elementwise and broadcast") {
        val a = floats(intArrayOf(2, 3), seed = 27)
        val b = floats(intArrayOf(3), seed = 28)
        a.maximum(b).shouldMatch(ApiRef.zip(a.ref(), b.ref()) { x, y -> maxOf(x, y) })
        a.minimum(b).shouldMatch(ApiRef.zip(a.ref(), b.ref()) { x, y -> minOf(x, y) })
    }

    test("cat joins along an existing dim") {
        val a = Tensor.of(floatArrayOf(1f, 2f, 3f, 4f, 5f, 6f), 2, 3)
        val b = Tensor.of(floatArrayOf(7f, 8f, 9f, 10f), 2, 2)
        Tensor.cat(listOf(a, b), 1).shouldMatch(ApiRef.build(intArrayOf(2, 5)) { (i, j) -> if (j < 3) a.ref()[i, j] else b.ref()[i, j - 3] })
        val c = Tensor.of(floatArrayOf(-1f, -2f, -3f), 1, 3)
        Tensor.cat(listOf(a, c), 0).shouldMatch(ApiRef.build(intArrayOf(3, 3)) { (i, j) -> if (i < 2) a.ref()[i, j] else c.ref()[0, j] })
        // views join in their logical order, negative dims count from the end
        Tensor.cat(listOf(a.t(), a.t()), -1).shouldMatch(ApiRef.build(intArrayOf(3, 4)) { (i, j) -> a.ref()[j % 2, i] })
    }

    test("stack joins along a new dim") {
        val a = Tensor.of(floatArrayOf(1f, 2f, 3f, 4f, 5f, 6f), 2, 3)
        val b = a.mul(10.0)
        Tensor.stack(listOf(a, b), 0).shouldMatch(ApiRef.build(intArrayOf(2, 2, 3)) { (k, i, j) -> a.ref()[i, j] * (if (k == 0) 1 else 10) })
        Tensor.stack(listOf(a, b), 1).shouldMatch(ApiRef.build(intArrayOf(2, 2, 3)) { (i, k, j) -> a.ref()[i, j] * (if (k == 0) 1 else 10) })
        Tensor.stack(listOf(a, b), 2).shouldMatch(ApiRef.build(intArrayOf(2, 3, 2)) { (i, j, k) -> a.ref()[i, j] * (if (k == 0) 1 else 10) })
    }

    test("split and chunk cut a dim into views as PyTorch does") {
        val x = Tensor.of(FloatArray(15) { it.toFloat() }, 3, 5)
        val r = x.ref()
        val parts = x.split(2, 1)
        parts.map { it.shape().toList() } shouldBe listOf(listOf(3, 2), listOf(3, 2), listOf(3, 1))
        parts[2].shouldMatch(ApiRef.build(intArrayOf(3, 1)) { (i, _) -> r[i, 4] })
        parts[1].shouldMatch(ApiRef.build(intArrayOf(3, 2)) { (i, j) -> r[i, 2 + j] })
        val y = Tensor.of(FloatArray(14) { it.toFloat() }, 7, 2)
        y.chunk(3, 0).map { it.shape()[0] } shouldBe listOf(3, 3, 1)
        y.chunk(3, 0)[2].toFloatArray() shouldBe floatArrayOf(12f, 13f)
        // torch.chunk(6 rows, 4) gives three chunks of 2
        Tensor.zeros(6).chunk(4, 0).map { it.shape()[0] } shouldBe listOf(2, 2, 2)
        // the pieces are views
        parts[0].fill_(-1.0)
        x.toFloatArray()[0] shouldBe -1f
        x.toFloatArray()[6] shouldBe -1f
    }

    test("indexSelect picks whole slices by an int64 index, repeats allowed") {
        val x = base234()
        val r = x.ref()
        val idx = Tensor.of(longArrayOf(3, 0, 3), 3)
        x.indexSelect(2, idx).shouldMatch(ApiRef.build(intArrayOf(2, 3, 3)) { (i, j, k) -> r[i, j, intArrayOf(3, 0, 3)[k]] })
        x.indexSelect(0, Tensor.of(longArrayOf(1), 1)).shouldMatch(ApiRef.build(intArrayOf(1, 3, 4)) { (_, j, k) -> r[1, j, k] })
    }

    test("gather reads out[i][j] = x[i][index[i][j]] along dim 1 and x[index[i][j]][j] along dim 0") {
        val x = Tensor.of(FloatArray(12) { it.toFloat() }, 3, 4)
        val r = x.ref()
        val idx = longArrayOf(3, 0, 1, 1, 2, 2)
        x.gather(1, Tensor.of(idx, 3, 2)).shouldMatch(ApiRef.build(intArrayOf(3, 2)) { (i, j) -> r[i, idx[2 * i + j].toInt()] })
        val idx0 = longArrayOf(2, 0, 1, 2)
        x.gather(0, Tensor.of(idx0, 1, 4)).shouldMatch(ApiRef.build(intArrayOf(1, 4)) { (_, j) -> r[idx0[j].toInt(), j] })
    }

    test("scatterAdd accumulates src into the indexed places, duplicates adding up") {
        val src = Tensor.of(floatArrayOf(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f), 2, 4)
        val idx = longArrayOf(0, 2, 2, 1, 2, 2, 0, 1)
        val out = Tensor.zeros(3, 4).scatterAdd(0, Tensor.of(idx, 2, 4), src)
        val expected = DoubleArray(12)
        for (i in 0 until 2) for (j in 0 until 4) expected[idx[4 * i + j].toInt() * 4 + j] += src.ref()[i, j]
        out.shouldMatch(ApiRef(intArrayOf(3, 4), expected))
        // out of place: the receiver is unchanged
        val base = Tensor.ones(3, 4)
        base.scatterAdd(0, Tensor.of(idx, 2, 4), src)
        base.toFloatArray() shouldBe FloatArray(12) { 1f }
    }

    test("maskedFill writes value where a broadcast bool mask is true, out of place") {
        val x = floats(intArrayOf(3, 4), seed = 29)
        val r = x.ref()
        val mask = Tensor.of(longArrayOf(0, 1, 1, 0), 4).eq(1.0)
        x.maskedFill(mask, -9.0).shouldMatch(ApiRef.build(intArrayOf(3, 4)) { (i, j) -> if (j == 1 || j == 2) -9.0 else r[i, j] })
        x.maskedFill(x.lt(0.0), 0.0).shouldMatch(r.map { if (it < 0) 0.0 else it })
        x.shouldMatch(r)
    }

    test("maskedSelect returns the selected elements as 1-D in row-major order") {
        val x = floats(intArrayOf(3, 4), seed = 30)
        val r = x.ref()
        val sel = x.maskedSelect(x.gt(0.0))
        sel.dim() shouldBe 1
        sel.shouldMatch(ApiRef(intArrayOf(r.v.count { it > 0 }), r.v.filter { it > 0 }.toDoubleArray()))
        // on a transposed view, logical order
        val t = x.t()
        val tv = ApiRef.build(intArrayOf(4, 3)) { (j, i) -> r[i, j] }.v
        t.maskedSelect(t.gt(0.0)).shouldMatch(ApiRef(intArrayOf(tv.count { it > 0 }), tv.filter { it > 0 }.toDoubleArray()))
    }
    test("of without a shape gives a 1-D tensor of the array's length") {
        Tensor.of(floatArrayOf(1f, 2f, 3f)).shape().toList() shouldBe listOf(3)
        Tensor.of(longArrayOf(7L)).shape().toList() shouldBe listOf(1)
    }
})

// ---------------------------------------------------------------------- the naive reference

/**
 * A reference array: the values in row-major order and a shape. Every op is index arithmetic over
 * that in double precision; nothing here knows about strides or calls Kindling.
 */
private class ApiRef(val shape: IntArray, val v: DoubleArray) {
    init {
        require(v.size == numel(shape)) { "ApiRef: ${v.size} values for shape ${shape.contentToString()}" }
    }

    val rank get() = shape.size

    operator fun get(vararg idx: Int): Double = v[flat(shape, idx)]

    fun at(idx: IntArray): Double = v[flat(shape, idx)]

    fun map(f: (Double) -> Double) = ApiRef(shape.clone(), DoubleArray(v.size) { f(v[it]) })

    /** Reduces each slice along dim with f (the dim kept as size 1 when keepdim). */
    fun reduceDim(dim: Int, keepdim: Boolean, f: (DoubleArray) -> Double): ApiRef {
        val d = if (dim < 0) dim + rank else dim
        val kept = shape.clone().also { it[d] = 1 }
        val out = build(kept) { idx -> f(DoubleArray(shape[d]) { j -> at(idx.clone().also { it[d] = j }) }) }
        return if (keepdim) out else ApiRef(shape.filterIndexed { i, _ -> i != d }.toIntArray(), out.v)
    }

    /** The first extreme along dim: (values, indices) as torch.max(dim)/torch.min(dim). */
    fun argReduce(max: Boolean, dim: Int, keepdim: Boolean): Pair<ApiRef, ApiRef> {
        val values = reduceDim(dim, keepdim) { s -> if (max) s.max() else s.min() }
        val indices = reduceDim(dim, keepdim) { s ->
            var best = 0
            for (j in s.indices) if (if (max) s[j] > s[best] else s[j] < s[best]) best = j
            best.toDouble()
        }
        return values to indices
    }

    companion object {
        fun numel(shape: IntArray) = shape.fold(1) { a, b -> a * b }

        fun flat(shape: IntArray, idx: IntArray): Int {
            require(idx.size == shape.size) { "index ${idx.contentToString()} for shape ${shape.contentToString()}" }
            var f = 0
            for (d in shape.indices) {
                require(idx[d] in 0 until shape[d]) { "index ${idx.contentToString()} outside shape ${shape.contentToString()}" }
                f = f * shape[d] + idx[d]
            }
            return f
        }

        /** Values f(index) for every index of shape, in row-major order. */
        fun build(shape: IntArray, f: (IntArray) -> Double): ApiRef {
            val v = DoubleArray(numel(shape))
            val idx = IntArray(shape.size)
            for (n in v.indices) {
                v[n] = f(idx.clone())
                var d = shape.size - 1
                while (d >= 0) {
                    if (++idx[d] < shape[d]) break
                    idx[d] = 0
                    d--
                }
            }
            return ApiRef(shape.clone(), v)
        }

        fun broadcastShape(a: IntArray, b: IntArray): IntArray {
            val n = maxOf(a.size, b.size)
            return IntArray(n) { i ->
                val x = if (i < n - a.size) 1 else a[i - (n - a.size)]
                val y = if (i < n - b.size) 1 else b[i - (n - b.size)]
                require(x == y || x == 1 || y == 1) { "ApiRef: ${a.contentToString()} and ${b.contentToString()} do not broadcast" }
                if (x == 1) y else x
            }
        }

        /** The index into an operand of shape `of` that broadcasting reads for the output index idx. */
        fun broadcastIndex(idx: IntArray, of: IntArray): IntArray {
            val lead = idx.size - of.size
            return IntArray(of.size) { if (of[it] == 1) 0 else idx[it + lead] }
        }

        /** NumPy broadcasting, then f elementwise. */
        fun zip(a: ApiRef, b: ApiRef, f: (Double, Double) -> Double): ApiRef =
            build(broadcastShape(a.shape, b.shape)) { idx -> f(a.at(broadcastIndex(idx, a.shape)), b.at(broadcastIndex(idx, b.shape))) }

        /** torch.matmul: vectors gain a dim for the product and lose it after; batch dims broadcast. */
        fun matmul(a0: ApiRef, b0: ApiRef): ApiRef {
            val a = if (a0.rank == 1) ApiRef(intArrayOf(1, a0.shape[0]), a0.v) else a0
            val b = if (b0.rank == 1) ApiRef(intArrayOf(b0.shape[0], 1), b0.v) else b0
            val m = a.shape[a.rank - 2]
            val k = a.shape[a.rank - 1]
            val n = b.shape[b.rank - 1]
            require(k == b.shape[b.rank - 2]) { "ApiRef.matmul: inner sizes differ" }
            val batchA = a.shape.copyOf(a.rank - 2)
            val batchB = b.shape.copyOf(b.rank - 2)
            val batch = broadcastShape(batchA, batchB)
            val nb = batch.size
            val out = build(batch + intArrayOf(m, n)) { idx ->
                val bi = idx.copyOf(nb)
                val ia = broadcastIndex(bi, batchA)
                val ib = broadcastIndex(bi, batchB)
                var acc = 0.0
                for (p in 0 until k) acc += a.at(ia + intArrayOf(idx[nb], p)) * b.at(ib + intArrayOf(p, idx[nb + 1]))
                acc
            }
            val s = out.shape.toMutableList()
            if (b0.rank == 1) s.removeAt(s.size - 1)
            if (a0.rank == 1) s.removeAt(s.size - (if (b0.rank == 1) 1 else 2))
            return ApiRef(s.toIntArray(), out.v)
        }
    }
}

/** The tensor's values and shape as a reference (reading through the public data-out API). */
private fun Tensor.ref() = ApiRef(shape(), toDoubleArray())

/** A float32 tensor of the shape with values from a fixed seed, uniform in [lo, hi). */
private fun floats(shape: IntArray, seed: Int, lo: Double = -3.0, hi: Double = 3.0): Tensor {
    val rnd = kotlin.random.Random(seed)
    return Tensor.of(FloatArray(ApiRef.numel(shape)) { rnd.nextDouble(lo, hi).toFloat() }, *shape)
}

/** A non-contiguous view of a 3-d tensor holding the same multiset of values. */
private fun Tensor.t3(): Tensor = permute(2, 0, 1)

private fun close(actual: Double, expected: Double, rtol: Double, atol: Double) =
    actual == expected || (actual.isNaN() && expected.isNaN()) || abs(actual - expected) <= atol + rtol * abs(expected)

/** Same shape, and every element within atol + rtol * |expected|. */
private fun Tensor.shouldMatch(expected: ApiRef, rtol: Double = 0.0, atol: Double = 0.0) {
    shape().toList() shouldBe expected.shape.toList()
    val got = toDoubleArray()
    for (i in got.indices) {
        if (!close(got[i], expected.v[i], rtol, atol)) {
            throw AssertionError("element $i (row-major) of shape ${expected.shape.contentToString()} is ${got[i]}, expected ${expected.v[i]} " +
                "(rtol $rtol, atol $atol)\n  got      ${got.take(12)}\n  expected ${expected.v.take(12)}")
        }
    }
}

private infix fun Double.shouldBeBelow(limit: Double) {
    if (!(this < limit)) throw AssertionError("$this is not below $limit")
}

/** this within tol (absolute, plus the same relative) of first. */
private infix fun Double.shouldBeCloseTo(expectedAndTol: Pair<Double, Double>) {
    val (expected, tol) = expectedAndTol
    if (!close(this, expected, tol, tol)) throw AssertionError("$this is not within $tol of $expected")
}
