package dev.kindling.data

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.tensor.DType
import dev.kindling.tensor.Generator
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeInRange
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.math.abs

/** A random c x h x w float image as a [c, h, w] tensor with distinct values. */
internal fun randomChw(c: Int, h: Int, w: Int, seed: Long = 3): Tensor {
    val g = Generator(seed)
    return Tensor.of(FloatArray(c * h * w) { g.nextDouble().toFloat() }, c, h, w)
}

internal fun assertClose(got: FloatArray, want: FloatArray, tol: Float = 1e-6f) {
    got.size shouldBe want.size
    for (i in got.indices) {
        if (abs(got[i] - want[i]) > tol) throw AssertionError("element $i: got ${got[i]}, want ${want[i]}")
    }
}

class TransformsSpec : FunSpec({
    test("ToTensor turns HWC bytes into CHW floats pixel / 255") {
        val g = Generator(1)
        val h = 3
        val w = 4
        val c = 3
        val bytes = ByteArray(h * w * c) { g.nextLong(0, 256).toByte() }
        val t = ToTensor().apply(Image(h, w, c, bytes))
        t.shape().toList() shouldBe listOf(c, h, w)
        t.dtype() shouldBe DType.FLOAT32
        val want = FloatArray(c * h * w)
        for (ch in 0 until c) for (y in 0 until h) for (x in 0 until w) {
            want[(ch * h + y) * w + x] = (bytes[(y * w + x) * c + ch].toInt() and 0xFF) / 255f
        }
        assertClose(t.toFloatArray(), want)
    }

    test("Image checks its byte count and reads unsigned values") {
        val img = Image(2, 2, 1, byteArrayOf(0, 127, -128, -1))
        img.get(1, 0, 0) shouldBe 128
        img.get(1, 1, 0) shouldBe 255
        img shouldBe Image(2, 2, 1, byteArrayOf(0, 127, -128, -1))
        shouldThrow<IllegalArgumentException> { Image(28, 28, 1, ByteArray(700)) }.message shouldContain "needs 784 bytes, got 700"
    }

    test("Normalize subtracts each channel's mean and divides by its std") {
        val x = randomChw(3, 4, 5)
        val mean = doubleArrayOf(0.1, 0.5, 0.9)
        val std = doubleArrayOf(0.2, 0.25, 2.0)
        val y = Normalize(mean, std).apply(x)
        val xs = x.toFloatArray()
        val want = FloatArray(xs.size) { i -> val c = i / 20; ((xs[i] - mean[c].toFloat()) / std[c].toFloat()) }
        y.shape().toList() shouldBe listOf(3, 4, 5)
        assertClose(y.toFloatArray(), want, 1e-5f)
    }

    test("Normalize broadcasts over a batch and takes one value for every channel") {
        val x = randomChw(6, 2, 2).reshape(2, 3, 2, 2)
        val y = Normalize(doubleArrayOf(0.5), doubleArrayOf(0.5)).apply(x)
        y.shape().toList() shouldBe listOf(2, 3, 2, 2)
        assertClose(y.toFloatArray(), x.toFloatArray().map { (it - 0.5f) / 0.5f }.toFloatArray(), 1e-6f)
    }

    test("Normalize names the shapes when the channels do not fit") {
        val e = shouldThrow<IllegalArgumentException> { Normalize(doubleArrayOf(0.1, 0.2), doubleArrayOf(1.0, 1.0)).apply(randomChw(3, 4, 4)) }
        e.message shouldContain "input [3, 4, 4] has 3 channels, but mean and std have 2 values"
        shouldThrow<IllegalArgumentException> { Normalize(doubleArrayOf(0.1), doubleArrayOf(0.0)) }.message shouldContain "std[0] is 0"
        shouldThrow<IllegalArgumentException> { Normalize(doubleArrayOf(0.1), doubleArrayOf(1.0, 2.0)) }.message shouldContain "1 and 2"
        shouldThrow<IllegalArgumentException> { Normalize(doubleArrayOf(0.1), doubleArrayOf(1.0)).apply(Tensor.zeros(4, 4)) }.message shouldContain "[4, 4]"
    }

    test("RandomCrop takes the window at the drawn offsets of the zero-padded image") {
        val c = 2
        val h = 5
        val w = 6
        val pad = 2
        val size = 4
        val x = randomChw(c, h, w)
        val xs = x.toFloatArray()
        for (seed in 0L until 20L) {
            Random.manualSeed(seed)
            val y = RandomCrop(size, pad).apply(x)
            // The same draws from a fresh generator with the seed: top first, then left.
            val g = Generator(seed)
            val top = g.nextLong(0, (h + 2 * pad - size + 1).toLong()).toInt()
            val left = g.nextLong(0, (w + 2 * pad - size + 1).toLong()).toInt()
            val want = FloatArray(c * size * size)
            for (ch in 0 until c) for (r in 0 until size) for (q in 0 until size) {
                val sy = top + r - pad
                val sx = left + q - pad
                want[(ch * size + r) * size + q] = if (sy in 0 until h && sx in 0 until w) xs[(ch * h + sy) * w + sx] else 0f
            }
            y.shape().toList() shouldBe listOf(c, size, size)
            assertClose(y.toFloatArray(), want)
        }
    }

    test("RandomCrop reaches every offset and keeps leading dims together") {
        val x = Tensor.arange(0.0, 16.0, 1.0).reshape(1, 1, 4, 4).expand(3, 2, 4, 4).contiguous()
        Random.manualSeed(5)
        val corners = mutableSetOf<Float>()
        repeat(200) {
            val y = RandomCrop(2, 0).apply(x)
            y.shape().toList() shouldBe listOf(3, 2, 2, 2)
            val v = y.toFloatArray()
            for (k in 0 until 6) for (j in 0 until 4) v[k * 4 + j] shouldBe v[j]   // one window for the whole batch
            corners.add(v[0])
        }
        corners shouldBe setOf(0f, 1f, 2f, 4f, 5f, 6f, 8f, 9f, 10f)   // every top-left of a 2 x 2 window in 4 x 4
    }

    test("RandomCrop of the full size without padding is the identity, and too big a crop is an error") {
        val x = randomChw(1, 3, 3)
        RandomCrop(3).apply(x).toFloatArray().toList() shouldBe x.toFloatArray().toList()
        val e = shouldThrow<IllegalArgumentException> { RandomCrop(8, 1).apply(x) }
        e.message shouldContain "8 x 8 crop does not fit in input [1, 3, 3] padded by 1 (5 x 5)"
        shouldThrow<IllegalArgumentException> { RandomCrop(2, -1) }.message shouldContain "padding"
    }

    test("RandomHorizontalFlip mirrors columns with probability p") {
        val x = randomChw(2, 3, 4)
        val xs = x.toFloatArray()
        val flipped = RandomHorizontalFlip(1.0).apply(x).toFloatArray()
        val want = FloatArray(xs.size)
        for (ch in 0 until 2) for (r in 0 until 3) for (q in 0 until 4) want[(ch * 3 + r) * 4 + q] = xs[(ch * 3 + r) * 4 + (3 - q)]
        assertClose(flipped, want)
        RandomHorizontalFlip(0.0).apply(x).toFloatArray().toList() shouldBe xs.toList()
        Random.manualSeed(11)
        val flips = (1..400).count { RandomHorizontalFlip().apply(x).toFloatArray()[0] != xs[0] }
        flips shouldBeInRange 160..240
        shouldThrow<IllegalArgumentException> { RandomHorizontalFlip(1.5) }.message shouldContain "[0, 1], got 1.5"
    }

    test("random transforms repeat under the same seed") {
        val x = randomChw(1, 8, 8)
        val t = Compose<Tensor, Tensor>(RandomCrop(6, 2), RandomHorizontalFlip())
        Random.manualSeed(42)
        val a = (1..5).map { t.apply(x).toFloatArray().toList() }
        Random.manualSeed(42)
        val b = (1..5).map { t.apply(x).toFloatArray().toList() }
        a shouldBe b
    }

    test("Compose applies its steps in order and names a step given the wrong type") {
        val img = Image(2, 2, 1, byteArrayOf(0, 51, 102, -1))
        val t = Compose<Image, Tensor>(ToTensor(), Normalize(doubleArrayOf(0.2), doubleArrayOf(0.5)))
        assertClose(t.apply(img).toFloatArray(), floatArrayOf(-0.4f, 0f, 0.4f, 1.6f), 1e-6f)
        t.toString() shouldBe "Compose(ToTensor(), Normalize(mean=[0.2], std=[0.5]))"
        val wrong = Compose<Image, Tensor>(Normalize(doubleArrayOf(0.2), doubleArrayOf(0.5)), ToTensor())
        shouldThrow<IllegalArgumentException> { wrong.apply(img) }.message shouldContain
            "step 0 (Normalize(mean=[0.2], std=[0.5])) cannot take its input of type Image"
    }
})
