package dev.kindling.tensor

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.plusOrMinus
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs

/**
 * The NDArray convolution kernels on shapes large enough to span several slabs of images (the CPU
 * kernel batches images into one GEMM up to a column-matrix budget), against the loop definition
 * and through the adjoint identities that tie the three kernels together:
 * <conv2d(x, w), g> = <x, conv2dBackwardInput(g, w)> = <w, conv2dBackwardWeight(x, g)>.
 */
class ConvKernelsSpec : FunSpec({
    val gen = Generator(21)
    fun randn(dtype: DType, vararg shape: Int) = NDArray.randn(gen, dtype, *shape)
    fun dot(a: NDArray, b: NDArray): Double = a.toDoubleArray().zip(b.toDoubleArray().toList()).sumOf { (x, y) -> x * y }

    /** y[n, o, oy, ox] = sum over o's group of w[o, c, ky, kx] x[n, c, oy s - p + ky d, ...], in double. */
    fun reference(x: NDArray, w: NDArray, p: ConvParams): DoubleArray {
        val (n, c, h, wd) = x.shape(); val (o, cg, kh, kw) = w.shape()
        val xs = x.toDoubleArray(); val ws = w.toDoubleArray()
        val oh = p.outH(h, kh); val ow = p.outW(wd, kw); val og = o / p.groups()
        val y = DoubleArray(n * o * oh * ow)
        for (img in 0 until n) for (oc in 0 until o) for (oy in 0 until oh) for (ox in 0 until ow) {
            var s = 0.0
            val grp = oc / og
            for (ic in 0 until cg) for (ky in 0 until kh) for (kx in 0 until kw) {
                val iy = oy * p.strideH() - p.padH() + ky * p.dilationH(); val ix = ox * p.strideW() - p.padW() + kx * p.dilationW()
                if (iy in 0 until h && ix in 0 until wd) s += ws[((oc * cg + ic) * kh + ky) * kw + kx] * xs[((img * c + grp * cg + ic) * h + iy) * wd + ix]
            }
            y[((img * o + oc) * oh + oy) * ow + ox] = s
        }
        return y
    }

    // 12 images of 64 x 64 with a 3x3 kernel, each image's product (per group) large enough for ThreadedGemm to
    // split, so the kernels take the slab path: 8 -> 32 channels gives 72 x 4096 column entries per image,
    // 32 -> 64 in two groups with stride (2, 1) 144 x 1922; 7 images fill a slab and the batch takes two.
    class Case(val p: ConvParams, val inC: Int, val outC: Int)
    val cases = listOf(Case(ConvParams(1, 1, 1, 1, 1, 1, 1), 8, 32), Case(ConvParams(2, 1, 0, 1, 1, 2, 2), 32, 64))

    for (case in cases) {
        val p = case.p
        val big = intArrayOf(12, case.inC, 64, 64)
        val o = case.outC
        test("conv2d over several slabs matches the loops in float64 and float32 ($p)") {
            val x = randn(DType.FLOAT64, *big); val w = randn(DType.FLOAT64, o, case.inC / p.groups(), 3, 3); val b = randn(DType.FLOAT64, o)
            val expected = reference(x, w, p)
            val bias = b.toDoubleArray()
            val l = expected.size / 12 / o
            for (i in expected.indices) expected[i] += bias[(i / l) % o]
            for (dtype in listOf(DType.FLOAT64, DType.FLOAT32)) {
                val y = x.to(dtype).conv2d(w.to(dtype), b.to(dtype), p).toDoubleArray()
                val tol = if (dtype == DType.FLOAT64) 1e-10 else 1e-4
                var worst = 0.0
                for (i in y.indices) worst = maxOf(worst, abs(y[i] - expected[i]) / (1 + abs(expected[i])))
                withClue("$dtype: worst relative error $worst") { (worst <= tol) shouldBe true }
            }
        }

        test("the input and weight gradients over several slabs are conv2d's adjoints ($p)") {
            val x = randn(DType.FLOAT64, *big); val w = randn(DType.FLOAT64, o, case.inC / p.groups(), 3, 3)
            val y = x.conv2d(w, null, p)
            val g = randn(DType.FLOAT64, *y.shape())
            val lhs = dot(y, g)
            dot(x, g.conv2dBackwardInput(w, p, 64, 64)) shouldBe (lhs plusOrMinus 1e-8 * abs(lhs))
            dot(w, x.conv2dBackwardWeight(g, p, 3, 3)) shouldBe (lhs plusOrMinus 1e-8 * abs(lhs))
            val gw32 = x.to(DType.FLOAT32).conv2dBackwardWeight(g.to(DType.FLOAT32), p, 3, 3).toDoubleArray()
            val gw64 = x.conv2dBackwardWeight(g, p, 3, 3).toDoubleArray()
            for (i in gw64.indices) (abs(gw32[i] - gw64[i]) <= 1e-3 * (1 + abs(gw64[i]))) shouldBe true
        }
    }

    test("the per-image strategy (a small batch) agrees with the slab strategy (one image at a time) in all three kernels") {
        val p = ConvParams(2, 1, 1, 0, 1, 2, 2)
        val x = randn(DType.FLOAT64, 5, 4, 9, 10); val w = randn(DType.FLOAT64, 6, 2, 3, 3); val b = randn(DType.FLOAT64, 6)
        val y = x.conv2d(w, b, p)
        val g = randn(DType.FLOAT64, *y.shape())
        val gx = g.conv2dBackwardInput(w, p, 9, 10)
        val gw = x.conv2dBackwardWeight(g, p, 3, 3)
        val gwSum = DoubleArray(gw.numel().toInt())
        for (n in 0 until 5) {
            val xn = x.narrow(0, n, 1); val gn = g.narrow(0, n, 1)
            xn.conv2d(w, b, p).toDoubleArray().toList() shouldBe y.narrow(0, n, 1).toDoubleArray().toList()
            val gxn = gn.conv2dBackwardInput(w, p, 9, 10).toDoubleArray(); val expected = gx.narrow(0, n, 1).toDoubleArray()
            for (i in gxn.indices) gxn[i] shouldBe (expected[i] plusOrMinus 1e-12)
            xn.conv2dBackwardWeight(gn, p, 3, 3).toDoubleArray().forEachIndexed { i, v -> gwSum[i] += v }
        }
        val got = gw.toDoubleArray()
        for (i in got.indices) got[i] shouldBe (gwSum[i] plusOrMinus 1e-10)
    }

    test("conv2d reads strided views (a permuted input) as their logical values") {
        val x = randn(DType.FLOAT64, 2, 5, 6, 3).permute(0, 3, 1, 2)   // [2, 3, 5, 6], not contiguous
        val w = randn(DType.FLOAT64, 4, 3, 2, 2)
        val y = x.conv2d(w, null, ConvParams.DEFAULT).toDoubleArray()
        val expected = reference(x.copy(), w, ConvParams.DEFAULT)
        for (i in y.indices) y[i] shouldBe (expected[i] plusOrMinus 1e-10)
    }

    test("a resampling map's transpose is its adjoint: <R x, y> = <x, R^T y>") {
        val x = randn(DType.FLOAT64, 2, 3, 7, 9)
        val maps = listOf(
            Resampling.window(7, 4, 3, 2, 1, false) to Resampling.adaptive(9, 4),
            Resampling.linear(7, 12, true, Double.NaN) to Resampling.nearest(9, 5, Double.NaN),
            Resampling.windowSum(7, 6, 2, 1, 0).scaled(0.25) to Resampling.linear(9, 9, false, 1.0),
        )
        for ((rh, rw) in maps) {
            val y = x.resample2d(rh, rw)
            val g = randn(DType.FLOAT64, *y.shape())
            val back = g.resample2d(rh.transpose(), rw.transpose())
            back.shape().toList() shouldBe x.shape().toList()
            dot(y, g) shouldBe (dot(x, back) plusOrMinus 1e-10)
        }
    }

    test("float32 max pooling picks like PyTorch on ties, infinities and NaN (first of equal values, NaN wins)") {
        val inf = Float.POSITIVE_INFINITY
        // Four 2x2 windows in one plane [2, 8]: (-0, 0 | 0, -0), (-inf, -inf | -inf, -inf), (1, NaN | 5, NaN), (inf, inf | 2, -inf).
        val x = NDArray.of(floatArrayOf(-0f, 0f, -inf, -inf, 1f, Float.NaN, inf, inf, 0f, -0f, -inf, -inf, 5f, Float.NaN, 2f, -inf), 1, 1, 2, 8)
        val (values, indices) = x.maxPool2d(2, 2, 2, 2, 0, 0, 1, 1, false).let { it[0].toFloatArray() to it[1].toLongArray() }
        indices.toList() shouldBe listOf(0L, 2L, 13L, 6L)
        values[1] shouldBe -inf
        values[2].isNaN() shouldBe true
        values[3] shouldBe inf
    }

    test("the kernels refuse bad shapes, naming the op") {
        val x = NDArray.zeros(DType.FLOAT32, 2, 3, 8, 8)
        shouldThrow<IllegalArgumentException> { x.conv2d(NDArray.zeros(DType.FLOAT32, 4, 2, 3, 3), null, ConvParams.DEFAULT) }
            .message shouldBe "conv2d: input [2, 3, 8, 8] has 3 channels, weight [4, 2, 3, 3] expects 2 (groups=1)"
        shouldThrow<IllegalArgumentException> { x.conv2d(NDArray.zeros(DType.FLOAT64, 4, 3, 3, 3), null, ConvParams.DEFAULT) }
            .message shouldContain "convert one with to(DType)"
        shouldThrow<IllegalArgumentException> { NDArray.zeros(DType.FLOAT32, 2, 4, 5, 5).conv2dBackwardInput(NDArray.zeros(DType.FLOAT32, 4, 3, 3, 3), ConvParams.DEFAULT, 8, 8) }
            .message shouldContain "it must be [2, 4, 6, 6]"
        shouldThrow<IllegalArgumentException> { ConvParams(0, 1, 0, 0, 1, 1, 1) }.message shouldContain "must be positive"
        shouldThrow<IllegalArgumentException> { x.maxPool2d(2, 2, 2, 2, 0, 0, 1, 1, false)[0].maxPool2dBackward(NDArray.zeros(DType.INT64, 2, 3, 3, 4), 8, 8) }
            .message shouldContain "indices must be int64 of the gradient's shape [2, 3, 4, 4]"
    }
})
