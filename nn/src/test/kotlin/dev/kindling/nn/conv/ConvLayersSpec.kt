package dev.kindling.nn.conv

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.nn.Conv1d
import dev.kindling.nn.Conv2d
import dev.kindling.nn.ConvTranspose2d
import dev.kindling.nn.Sequential
import dev.kindling.nn.functional.F
import dev.kindling.tensor.DType
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs
import kotlin.math.sqrt

/** Conv1d, Conv2d and ConvTranspose2d against the loop definitions in ConvReference.kt, on random weights. */
class ConvLayersSpec : FunSpec({
    beforeTest { Random.manualSeed(11) }

    val cases = listOf(
        "plain 5x5" to Triple(intArrayOf(2, 3, 9, 8), intArrayOf(4, 3, 5, 5), Geo()),
        "stride 2, padding 1" to Triple(intArrayOf(2, 3, 9, 8), intArrayOf(4, 3, 3, 3), Geo(sh = 2, sw = 2, ph = 1, pw = 1)),
        "rectangular kernel, stride (1, 3), padding (2, 0)" to Triple(intArrayOf(1, 2, 7, 11), intArrayOf(3, 2, 2, 4), Geo(sw = 3, ph = 2)),
        "dilation 2, padding 2" to Triple(intArrayOf(2, 2, 10, 9), intArrayOf(3, 2, 3, 3), Geo(ph = 2, pw = 2, dh = 2, dw = 2)),
        "groups 2" to Triple(intArrayOf(2, 4, 6, 7), intArrayOf(6, 2, 3, 3), Geo(ph = 1, pw = 1, groups = 2)),
        "depthwise, stride 2, dilation (1, 2)" to Triple(intArrayOf(3, 3, 8, 9), intArrayOf(3, 1, 3, 2), Geo(sh = 2, sw = 2, pw = 1, dw = 2, groups = 3)),
        "1x1" to Triple(intArrayOf(2, 5, 4, 3), intArrayOf(7, 5, 1, 1), Geo()),
        "kernel as large as the input" to Triple(intArrayOf(2, 2, 4, 4), intArrayOf(3, 2, 4, 4), Geo()),
    )

    for ((name, c) in cases) {
        val (xs, ws, g) = c
        test("F.conv2d matches the loop definition: $name") {
            val x = randnF64(*xs); val w = randnF64(*ws); val b = randnF64(ws[0])
            val y = F.conv2d(x, w, b, intArrayOf(g.sh, g.sw), intArrayOf(g.ph, g.pw), intArrayOf(g.dh, g.dw), g.groups)
            y.shouldMatchGrid(refConv2d(x.grid(), w.grid(), b.toDoubleArray(), g))
            F.conv2d(x, w, null, intArrayOf(g.sh, g.sw), intArrayOf(g.ph, g.pw), intArrayOf(g.dh, g.dw), g.groups)
                .shouldMatchGrid(refConv2d(x.grid(), w.grid(), null, g))
        }
        test("F.conv2d in float32 agrees with the float64 loops: $name") {
            val x = randnF64(*xs); val w = randnF64(*ws); val b = randnF64(ws[0])
            val y = F.conv2d(x.to(DType.FLOAT32), w.to(DType.FLOAT32), b.to(DType.FLOAT32), intArrayOf(g.sh, g.sw), intArrayOf(g.ph, g.pw),
                intArrayOf(g.dh, g.dw), g.groups)
            y.dtype() shouldBe DType.FLOAT32
            y.shouldMatchGrid(refConv2d(x.grid(), w.grid(), b.toDoubleArray(), g), 1e-5)
        }
    }

    test("Conv2d layer computes the convolution of its own weight and bias") {
        val conv = Conv2d(3, 4, 3, 2, 1)
        val x = Tensor.randn(2, 3, 10, 9)
        conv.forward(x).shouldMatchGrid(refConv2d(x.grid(), conv.weight.grid(), conv.bias!!.toDoubleArray(), Geo(2, 2, 1, 1)), 1e-5)
    }

    test("padding \"same\" keeps the size, with the extra zero at the end for even kernels as PyTorch") {
        val x = randnF64(2, 2, 7, 6)
        val odd = randnF64(3, 2, 3, 3)
        F.conv2d(x, odd, null, intArrayOf(1), "same", intArrayOf(1), 1).shouldMatchGrid(refConv2d(x.grid(), odd.grid(), null, Geo(ph = 1, pw = 1)))
        // Kernel 4 needs 3 zeros per dim: 1 before and 2 after. Reference: pad by hand, then a valid convolution.
        val even = randnF64(3, 2, 4, 4)
        val padded = x.pad(intArrayOf(1, 2, 1, 2), 0.0)
        val y = F.conv2d(x, even, null, intArrayOf(1), "same", intArrayOf(1), 1)
        y.shape().toList() shouldBe listOf(2, 3, 7, 6)
        y.shouldMatchGrid(refConv2d(padded.grid(), even.grid(), null, Geo()))
        // Dilation 2 with kernel 2: total padding 2, split evenly.
        val dil = randnF64(3, 2, 2, 2)
        F.conv2d(x, dil, null, intArrayOf(1), "same", intArrayOf(2), 1)
            .shouldMatchGrid(refConv2d(x.grid(), dil.grid(), null, Geo(ph = 1, pw = 1, dh = 2, dw = 2)))
        F.conv2d(x, odd, null, intArrayOf(1), "valid", intArrayOf(1), 1).shouldMatchGrid(refConv2d(x.grid(), odd.grid(), null, Geo()))
    }

    test("Conv2d with padding \"same\" keeps H and W") {
        Conv2d(2, 5, 4, 1, "same").forward(Tensor.randn(3, 2, 9, 7)).shape().toList() shouldBe listOf(3, 5, 9, 7)
    }

    test("an unbatched [C, H, W] input gives an unbatched output") {
        val x = randnF64(3, 6, 5); val w = randnF64(2, 3, 3, 3)
        val y = F.conv2d(x, w, null, 1, 1, 1, 1)
        y.shape().toList() shouldBe listOf(2, 6, 5)
        y.shouldMatchGrid(Grid(intArrayOf(2, 6, 5), refConv2d(x.unsqueeze(0).grid(), w.grid(), null, Geo(ph = 1, pw = 1)).v))
    }

    test("F.conv1d is a 2-D convolution over a height of 1, including same padding and groups") {
        val x = randnF64(2, 4, 13); val w = randnF64(6, 2, 3); val b = randnF64(6)
        val y = F.conv1d(x, w, b, 2, 1, 2, 2)
        val ref = refConv2d(x.unsqueeze(2).grid(), w.unsqueeze(2).grid(), b.toDoubleArray(), Geo(sw = 2, pw = 1, dw = 2, groups = 2))
        y.shape().toList() shouldBe listOf(2, 6, ref.shape[3])
        y.shouldMatchGrid(Grid(y.shape(), ref.v))
        F.conv1d(x, w, b, 1, "same", 1, 2).shape().toList() shouldBe listOf(2, 6, 13)
        val layer = Conv1d(4, 3, 5)
        val z = Tensor.randn(2, 4, 9)
        layer.forward(z).shouldMatchGrid(Grid(intArrayOf(2, 3, 5),
            refConv2d(z.unsqueeze(2).grid(), layer.weight.unsqueeze(2).grid(), layer.bias!!.toDoubleArray(), Geo()).v), 1e-5)
    }

    val transposedCases = listOf(
        "stride 1" to Pair(Geo(), 0),
        "stride 2, padding 1, outputPadding 1" to Pair(Geo(sh = 2, sw = 2, ph = 1, pw = 1), 1),
        "stride (3, 2), dilation 2" to Pair(Geo(sh = 3, sw = 2, dh = 2, dw = 2), 0),
        "groups 2, stride 2" to Pair(Geo(sh = 2, sw = 2, groups = 2), 1),
    )
    for ((name, c) in transposedCases) {
        val (g, op) = c
        test("F.convTranspose2d matches the scatter definition: $name") {
            val x = randnF64(2, 4, 5, 4); val w = randnF64(4, 3, 3, 2); val b = randnF64(3 * g.groups)
            val y = F.convTranspose2d(x, w, b, intArrayOf(g.sh, g.sw), intArrayOf(g.ph, g.pw), intArrayOf(op), g.groups, intArrayOf(g.dh, g.dw))
            y.shouldMatchGrid(refConvTranspose2d(x.grid(), w.grid(), b.toDoubleArray(), g, op, op))
        }
    }

    test("ConvTranspose2d inverts the size change of the matching strided Conv2d, and forward(x, outputSize) picks the size") {
        val up = ConvTranspose2d(4, 2, 3, 2, 1, 1, 1, true, 1)
        up.weight.shape().toList() shouldBe listOf(4, 2, 3, 3)
        val x = Tensor.randn(1, 4, 7, 7)
        up.forward(x).shape().toList() shouldBe listOf(1, 2, 14, 14)
        up.forward(x, intArrayOf(13, 14)).shape().toList() shouldBe listOf(1, 2, 13, 14)
        val ref = refConvTranspose2d(x.grid(), up.weight.grid(), up.bias!!.toDoubleArray(), Geo(2, 2, 1, 1), 0, 1)
        up.forward(x, intArrayOf(13, 14)).shouldMatchGrid(ref, 1e-5)
        shouldThrow<IllegalArgumentException> { up.forward(x, intArrayOf(15, 14)) }.message shouldContain "[13, 14]"
    }

    test("default initialisation is PyTorch's: weight and bias within 1/sqrt(fanIn), fanIn = in/groups * kernel elements") {
        val conv = Conv2d(6, 16, 5)
        val bound = 1 / sqrt(150.0)
        conv.weight.toDoubleArray().all { abs(it) <= bound } shouldBe true
        (conv.weight.toDoubleArray().maxOf { abs(it) } > 0.9 * bound) shouldBe true
        conv.bias!!.toDoubleArray().all { abs(it) <= bound } shouldBe true
        val grouped = Conv2d(8, 4, 3, 1, 0, 1, 4, true)
        grouped.weight.shape().toList() shouldBe listOf(4, 2, 3, 3)
        grouped.weight.toDoubleArray().all { abs(it) <= 1 / sqrt(18.0) } shouldBe true
        val up = ConvTranspose2d(8, 6, 4, 2, 1, 0, 2, true, 1)
        up.weight.shape().toList() shouldBe listOf(8, 3, 4, 4)
        up.bias!!.toDoubleArray().all { abs(it) <= 1 / sqrt(48.0) } shouldBe true
    }

    test("state-dict keys are PyTorch's: weight and bias, none for bias=false") {
        Conv2d(1, 6, 5).stateDict().keys.toList() shouldBe listOf("weight", "bias")
        Conv2d(1, 6, 5, 1, 0, 1, 1, false).stateDict().keys.toList() shouldBe listOf("weight")
        Conv1d(2, 3, 3).stateDict().mapValues { it.value.shape().toList() } shouldBe mapOf("weight" to listOf(3, 2, 3), "bias" to listOf(3))
        ConvTranspose2d(2, 3, 3).stateDict().mapValues { it.value.shape().toList() } shouldBe mapOf("weight" to listOf(2, 3, 3, 3), "bias" to listOf(3))
    }

    test("toString is Flux-style, listing only settings that differ from the defaults") {
        Conv2d(1, 6, 5).toString() shouldBe "Conv2d(1 => 6, kernel=5)"
        Conv2d(16, 32, 3, 1, "same").toString() shouldBe "Conv2d(16 => 32, kernel=3, padding=same)"
        Conv2d(4, 8, intArrayOf(3, 5), intArrayOf(2, 1), intArrayOf(1, 2), intArrayOf(1, 1), 2, false).toString() shouldBe
            "Conv2d(4 => 8, kernel=(3, 5), stride=(2, 1), padding=(1, 2), groups=2, bias=false)"
        Conv1d(2, 3, 3, 1, 0, 2, 1, true).toString() shouldBe "Conv1d(2 => 3, kernel=3, dilation=2)"
        ConvTranspose2d(16, 8, 3, 2, 1, 1, 1, true, 1).toString() shouldBe "ConvTranspose2d(16 => 8, kernel=3, stride=2, padding=1, outputPadding=1)"
    }

    test("bad shapes are refused at the call site, naming the op, the shapes and what would fit") {
        val e = shouldThrow<IllegalArgumentException> { F.conv2d(Tensor.zeros(8, 3, 32, 32), Tensor.zeros(6, 1, 5, 5)) }
        e.message shouldBe "conv2d: input [8, 3, 32, 32] has 3 channels, weight [6, 1, 5, 5] expects 1 (groups=1)"
        shouldThrow<IllegalArgumentException> { Conv2d(3, 6, 5).forward(Tensor.zeros(8, 32, 32)) }.message shouldContain "[8, 32, 32] has 8 channels"
        shouldThrow<IllegalArgumentException> { Conv2d(3, 6, 5).forward(Tensor.zeros(2, 3, 4, 4)) }.message shouldContain
            "kernel span 5 (size 5, dilation 1) is larger than the padded input size 4"
        shouldThrow<IllegalArgumentException> { F.conv2d(Tensor.zeros(1, 3, 8, 8), Tensor.zeros(6, 3, 3)) }.message shouldContain
            "expects weight [out, in / groups, kh, kw], got [6, 3, 3]"
        shouldThrow<IllegalArgumentException> { F.conv2d(Tensor.zeros(1, 4, 8, 8), Tensor.zeros(6, 2, 3, 3), Tensor.zeros(5), 1, 0, 1, 2) }
            .message shouldContain "bias [5] does not fit weight [6, 2, 3, 3]: it must be [6]"
        shouldThrow<IllegalArgumentException> { F.conv2d(Tensor.zeros(1, 4, 8, 8), Tensor.zeros(5, 2, 3, 3), null, 1, 0, 1, 2) }
            .message shouldContain "5 output channels, which groups=2 does not divide"
        shouldThrow<IllegalArgumentException> { F.conv2d(Tensor.zeros(1, 2, 8, 8), Tensor.zeros(2, 2, 3, 3), null, intArrayOf(2), "same", intArrayOf(1), 1) }
            .message shouldContain "padding=\"same\" needs stride 1"
        shouldThrow<IllegalArgumentException> { F.conv2d(Tensor.zeros(1, 2, 8, 8), Tensor.zeros(DType.FLOAT64, 2, 2, 3, 3)) }
            .message shouldContain "share a dtype"
        shouldThrow<IllegalArgumentException> { F.conv1d(Tensor.zeros(2, 3, 10), Tensor.zeros(4, 2, 3)) }.message shouldBe
            "conv1d: input [2, 3, 10] has 3 channels, weight [4, 2, 3] expects 2 (groups=1)"
        shouldThrow<IllegalArgumentException> { F.convTranspose2d(Tensor.zeros(1, 3, 4, 4), Tensor.zeros(4, 2, 3, 3), null) }
            .message shouldBe "convTranspose2d: input [1, 3, 4, 4] has 3 channels, weight [4, 2, 3, 3] expects 4"
        shouldThrow<IllegalArgumentException> { ConvTranspose2d(2, 2, 3, 2, 0, 2, 1, true, 1).forward(Tensor.zeros(1, 2, 4, 4)) }
            .message shouldContain "outputPadding [2, 2] must be smaller than stride [2, 2] or dilation [1, 1]"
        shouldThrow<IllegalArgumentException> { Conv2d(3, 4, 3, 1, 0, 1, 2, true) }.message shouldContain "divisible by groups=2"
        shouldThrow<IllegalArgumentException> { Conv2d(3, 4, 3, 2, "same") }.message shouldContain "needs stride 1"
    }

    test("an outside program loads PyTorch-named weights into Conv2d and gets the direct loops' output") {
        // As a user would write it against API.md: a Sequential with PyTorch's keys, float32 tensors, loadStateDict.
        val model = Sequential(Conv2d(2, 3, 3, 2, 1))
        val weight = FloatArray(3 * 2 * 3 * 3) { ((it * 7919) % 23 - 11) / 10f }
        val bias = floatArrayOf(0.5f, -0.25f, 0.125f)
        model.loadStateDict(mapOf("0.weight" to Tensor.of(weight, 3, 2, 3, 3), "0.bias" to Tensor.of(bias, 3)), true)
        val input = FloatArray(2 * 2 * 6 * 5) { ((it * 104729) % 31 - 15) / 8f }
        val y = model.forward(Tensor.of(input, 2, 2, 6, 5))
        val expected = Grid(intArrayOf(2, 3, 3, 3))
        for (n in 0 until 2) for (o in 0 until 3) for (oy in 0 until 3) for (ox in 0 until 3) {
            var s = bias[o].toDouble()
            for (c in 0 until 2) for (ky in 0 until 3) for (kx in 0 until 3) {
                val iy = oy * 2 - 1 + ky; val ix = ox * 2 - 1 + kx
                if (iy in 0 until 6 && ix in 0 until 5) s += weight[((o * 2 + c) * 3 + ky) * 3 + kx] * input[((n * 2 + c) * 6 + iy) * 5 + ix]
            }
            expected[n, o, oy, ox] = s
        }
        withClue("Sequential(Conv2d(2 => 3, kernel=3, stride=2, padding=1))") { y.shouldMatchGrid(expected, 1e-5) }
    }
})
