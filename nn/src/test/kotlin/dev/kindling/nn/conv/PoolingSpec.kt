package dev.kindling.nn.conv

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.nn.AdaptiveAvgPool2d
import dev.kindling.nn.AvgPool2d
import dev.kindling.nn.MaxPool1d
import dev.kindling.nn.MaxPool2d
import dev.kindling.nn.Upsample
import dev.kindling.nn.functional.F
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** Max, average and adaptive pooling and interpolation against the loop definitions in ConvReference.kt. */
class PoolingSpec : FunSpec({
    beforeTest { Random.manualSeed(12) }

    data class Pool(val kh: Int, val kw: Int, val sh: Int, val sw: Int, val ph: Int, val pw: Int, val dh: Int, val dw: Int, val ceil: Boolean)

    val maxCases = listOf(
        "2x2 stride 2 (LeNet)" to Pool(2, 2, 2, 2, 0, 0, 1, 1, false),
        "3x3 stride 2 padding 1" to Pool(3, 3, 2, 2, 1, 1, 1, 1, false),
        "3x3 stride 2 ceil mode" to Pool(3, 3, 2, 2, 0, 0, 1, 1, true),
        "3x3 stride 2 padding 1 ceil mode" to Pool(3, 3, 2, 2, 1, 1, 1, 1, true),
        "2x3 stride (1, 2) dilation 2" to Pool(2, 3, 1, 2, 0, 1, 2, 2, false),
        "overlapping 3x3 stride 1" to Pool(3, 3, 1, 1, 1, 1, 1, 1, false),
    )
    for ((name, p) in maxCases) {
        test("F.maxPool2dWithIndices matches the loop definition, values and argmax positions: $name") {
            for (dtype in listOf(DType.FLOAT64, DType.FLOAT32)) {
                val x = randnF64(2, 3, 9, 8).to(dtype)
                val r = F.maxPool2dWithIndices(x, intArrayOf(p.kh, p.kw), intArrayOf(p.sh, p.sw), intArrayOf(p.ph, p.pw), intArrayOf(p.dh, p.dw), p.ceil)
                val (values, indices) = refMaxPool2d(x.grid(), p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, p.dh, p.dw, p.ceil)
                r.values().shouldMatchGrid(values)
                r.indices().dtype() shouldBe DType.INT64
                r.indices().shouldMatchGrid(indices)
            }
        }
    }

    test("MaxPool2d's gradient goes to each window's maximum, added up where windows overlap") {
        val x = Tensor.of(doubleArrayOf(1.0, 5.0, 2.0, 0.0, 3.0, 4.0, 9.0, 1.0, 2.0), 1, 1, 3, 3).requiresGrad_(true)
        val y = F.maxPool2d(x, intArrayOf(2), intArrayOf(1), intArrayOf(0), intArrayOf(1), false)   // windows' maxima: 5, 5, 9, 4
        y.toDoubleArray().toList() shouldBe listOf(5.0, 5.0, 9.0, 4.0)
        y.sum().backward()
        x.grad()!!.toDoubleArray().toList() shouldBe listOf(0.0, 2.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0)
    }

    test("max pooling lets NaN win, as PyTorch") {
        val x = Tensor.of(floatArrayOf(1f, Float.NaN, 2f, 3f), 1, 1, 2, 2)
        F.maxPool2d(x, 2).toFloatArray()[0].isNaN() shouldBe true
    }

    test("2x2 stride-2 max pooling keeps the first of equal values (-0 and 0 included) and points at NaN") {
        val x = Tensor.of(floatArrayOf(1f, 1f, -0f, 0f, 1f, 1f, 0f, -0f, 2f, 3f, 4f, Float.NaN, 4f, 4f, 1f, 2f), 1, 1, 4, 4)
        val r = F.maxPool2dWithIndices(x, intArrayOf(2, 2), intArrayOf(2, 2), intArrayOf(0, 0), intArrayOf(1, 1), false)
        r.indices().toLongArray().toList() shouldBe listOf(0L, 2L, 12L, 11L)
        val v = r.values().toFloatArray()
        v[0] shouldBe 1f
        (1f / v[1]) shouldBe Float.NEGATIVE_INFINITY   // the first of -0 and 0 is -0
        v[2] shouldBe 4f
        v[3].isNaN() shouldBe true
    }

    test("MaxPool1d pools along L and reports positions in L") {
        val x = randnF64(2, 3, 11)
        val r = MaxPool1d(3, 2, 1, 1, true, true).forwardWithIndices(x)
        val (values, indices) = refMaxPool2d(x.unsqueeze(2).grid(), 1, 3, 1, 2, 0, 1, 1, 1, true)
        r.values().shouldMatchGrid(Grid(r.values().shape(), values.v))
        r.indices().shouldMatchGrid(Grid(r.indices().shape(), indices.v))
        MaxPool1d(2).forward(x).shape().toList() shouldBe listOf(2, 3, 5)
        MaxPool1d(3, 2, 1, 1, true, true).toString() shouldBe "MaxPool1d(kernel=3, stride=2, padding=1, returnIndices=true, ceilMode=true)"
    }

    test("MaxPool2d's stride defaults to the kernel; toString lists what differs") {
        val pool = MaxPool2d(2)
        pool.forward(Tensor.randn(4, 6, 24, 24)).shape().toList() shouldBe listOf(4, 6, 12, 12)
        pool.toString() shouldBe "MaxPool2d(kernel=2)"
        MaxPool2d(3, 2, 1, 1, false, true).toString() shouldBe "MaxPool2d(kernel=3, stride=2, padding=1, ceilMode=true)"
        MaxPool2d(2).forward(Tensor.randn(6, 5, 4)).shape().toList() shouldBe listOf(6, 2, 2)   // unbatched
    }

    data class Avg(val k: Int, val s: Int, val p: Int, val ceil: Boolean, val includePad: Boolean, val divisor: Int?)
    val avgCases = listOf(
        "2x2 stride 2" to Avg(2, 2, 0, false, true, null),
        "3x3 stride 2 padding 1, padding counted" to Avg(3, 2, 1, false, true, null),
        "3x3 stride 2 padding 1, padding not counted" to Avg(3, 2, 1, false, false, null),
        "3x3 stride 2 padding 1 ceil mode, padding counted" to Avg(3, 2, 1, true, true, null),
        "3x3 stride 2 ceil mode, padding not counted" to Avg(3, 2, 0, true, false, null),
        "3x3 stride 1 padding 1, divisor override 4" to Avg(3, 1, 1, false, true, 4),
    )
    for ((name, a) in avgCases) {
        test("F.avgPool2d matches PyTorch's definition: $name") {
            val x = randnF64(2, 2, 9, 8)
            val y = F.avgPool2d(x, intArrayOf(a.k), intArrayOf(a.s), intArrayOf(a.p), a.ceil, a.includePad, a.divisor)
            y.shouldMatchGrid(refAvgPool2d(x.grid(), a.k, a.k, a.s, a.s, a.p, a.p, a.ceil, a.includePad, a.divisor))
            F.avgPool2d(x.to(DType.FLOAT32), intArrayOf(a.k), intArrayOf(a.s), intArrayOf(a.p), a.ceil, a.includePad, a.divisor)
                .shouldMatchGrid(refAvgPool2d(x.grid(), a.k, a.k, a.s, a.s, a.p, a.p, a.ceil, a.includePad, a.divisor), 1e-6)
        }
    }

    test("AvgPool2d with a rectangular kernel and its description") {
        val pool = AvgPool2d(intArrayOf(2, 3), intArrayOf(1, 2), intArrayOf(1, 1), false, false, null)
        val x = randnF64(1, 2, 5, 7)
        pool.forward(x).shouldMatchGrid(refAvgPool2d(x.grid(), 2, 3, 1, 2, 1, 1, false, false, null))
        pool.toString() shouldBe "AvgPool2d(kernel=(2, 3), stride=(1, 2), padding=1, countIncludePad=false)"
    }

    test("AdaptiveAvgPool2d averages overlapping windows of uneven size, and 1x1 is the global mean") {
        val x = randnF64(2, 3, 7, 10)
        AdaptiveAvgPool2d(intArrayOf(3, 4)).forward(x).shouldMatchGrid(refAdaptiveAvgPool2d(x.grid(), 3, 4))
        AdaptiveAvgPool2d(intArrayOf(5, 13)).forward(x).shouldMatchGrid(refAdaptiveAvgPool2d(x.grid(), 5, 13))
        AdaptiveAvgPool2d(1).forward(x).reshape(2, 3).shouldMatchGrid(x.mean(intArrayOf(2, 3), false).grid())
        AdaptiveAvgPool2d(1).toString() shouldBe "AdaptiveAvgPool2d(1)"
    }

    test("Upsample nearest repeats pixels; to a size it reads floor(o * in / out)") {
        val x = randnF64(2, 3, 4, 5)
        Upsample(2.0).forward(x).shouldMatchGrid(refNearest(x.grid(), 8, 10))
        F.interpolate(x, intArrayOf(8, 8), "nearest").shouldMatchGrid(refNearest(x.grid(), 8, 8))
        F.interpolate(x, intArrayOf(3, 2), "nearest").shouldMatchGrid(refNearest(x.grid(), 3, 2))
    }

    test("Upsample nearest in float32 (its plain-copy kernel) picks the same pixels, also from an offset view") {
        val x = Tensor.randn(2, 3, 4, 5)
        Upsample(2.0).forward(x).shouldMatchGrid(refNearest(x.grid(), 8, 10))
        F.interpolate(x, intArrayOf(3, 7), "nearest").shouldMatchGrid(refNearest(x.grid(), 3, 7))
        val shifted = Tensor.randn(3, 3, 4, 5).narrow(0, 1, 2)
        Upsample(2.0).forward(shifted).shouldMatchGrid(refNearest(shifted.grid(), 8, 10))
    }

    test("Upsample bilinear matches PyTorch's formula with and without alignCorners") {
        val x = randnF64(2, 2, 4, 5)
        for (align in listOf(false, true)) {
            Upsample(2.0, "bilinear", align).forward(x).shouldMatchGrid(refBilinear(x.grid(), 8, 10, align))
            F.interpolate(x, intArrayOf(7, 3), null, "bilinear", align).shouldMatchGrid(refBilinear(x.grid(), 7, 3, align))
        }
        F.interpolate(x.to(DType.FLOAT32), intArrayOf(9, 11), null, "bilinear", null).shouldMatchGrid(refBilinear(x.grid(), 9, 11, false), 1e-6)
        Upsample(2.0, "bilinear", true).toString() shouldBe "Upsample(scaleFactor=2.0, mode=bilinear, alignCorners=true)"
    }

    test("linear interpolation of [N, C, L] equals bilinear over a height of 1") {
        val x = randnF64(2, 3, 6)
        F.interpolate(x, intArrayOf(11), null, "linear", false)
            .shouldMatchGrid(Grid(intArrayOf(2, 3, 11), refBilinear(x.unsqueeze(2).grid(), 1, 11, false).v))
    }

    test("pooling and interpolation refuse bad arguments with the op and the sizes") {
        shouldThrow<IllegalArgumentException> { F.maxPool2d(Tensor.zeros(1, 1, 4, 4), 3, 1, 2) }.message shouldContain
            "maxPool2d: padding 2 must be at most half the kernel size 3"
        shouldThrow<IllegalArgumentException> { F.maxPool2d(Tensor.zeros(1, 1, 1, 4), 2) }.message shouldContain
            "maxPool2d: kernel span 2 (size 2, dilation 1) is larger than the padded input size 1"
        shouldThrow<IllegalArgumentException> { F.maxPool2d(Tensor.zeros(4, 4), 2) }.message shouldContain
            "maxPool2d: expects input [N, C, H, W] or [C, H, W], got [4, 4]"
        shouldThrow<IllegalArgumentException> { F.avgPool2d(Tensor.zeros(1, 1, 4, 4), intArrayOf(2), null, intArrayOf(0), false, true, 0) }
            .message shouldContain "divisorOverride must be positive"
        shouldThrow<IllegalArgumentException> { F.interpolate(Tensor.zeros(1, 1, 4, 4), 2.0, "linear") }.message shouldContain
            "use \"bilinear\""
        shouldThrow<IllegalArgumentException> { F.interpolate(Tensor.zeros(1, 1, 4, 4), intArrayOf(8, 8), null, "nearest", true) }
            .message shouldContain "alignCorners can only be set with the interpolating modes"
        shouldThrow<IllegalArgumentException> { Upsample(intArrayOf(2), doubleArrayOf(2.0), "nearest", null) }.message shouldContain "exactly one"
    }
})
