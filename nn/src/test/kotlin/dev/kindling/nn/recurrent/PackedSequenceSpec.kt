package dev.kindling.nn.recurrent

import dev.kindling.Random
import dev.kindling.autograd.Tensor
import dev.kindling.nn.utils.rnn.PackedSequence
import dev.kindling.nn.utils.rnn.RnnUtils
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** packPaddedSequence, padPackedSequence, padSequence and packSequence against hand-computed layouts. */
class PackedSequenceSpec : FunSpec({
    beforeTest { Random.manualSeed(23) }

    /** x[t, b] = 10 t + b as [T, B, 1], so every packed row says where it came from. */
    fun labelled(steps: Int, batch: Int) =
        Tensor.of(DoubleArray(steps * batch) { (10 * (it / batch) + it % batch).toDouble() }, steps, batch, 1)

    test("packing a sorted batch lays out step 0 of every sequence, then step 1 of those still running, ...") {
        val p = RnnUtils.packPaddedSequence(labelled(3, 3), longArrayOf(3, 2, 1))
        p.batchSizes().toLongArray().toList() shouldBe listOf(3L, 2L, 1L)
        p.data().toDoubleArray().toList() shouldBe listOf(0.0, 1.0, 2.0, 10.0, 11.0, 20.0)
        (p.sortedIndices() == null) shouldBe true
    }

    test("enforceSorted = false sorts by decreasing length (stably) and remembers both permutations") {
        val p = RnnUtils.packPaddedSequence(labelled(3, 3), longArrayOf(1, 3, 1), false, false)
        p.sortedIndices()!!.toLongArray().toList() shouldBe listOf(1L, 0L, 2L)
        p.unsortedIndices()!!.toLongArray().toList() shouldBe listOf(1L, 0L, 2L)
        p.batchSizes().toLongArray().toList() shouldBe listOf(3L, 1L, 1L)
        p.data().toDoubleArray().toList() shouldBe listOf(1.0, 0.0, 2.0, 11.0, 21.0)
    }

    test("batchFirst packing reads [B, T, *]") {
        val x = labelled(3, 2).transpose(0, 1).contiguous()
        RnnUtils.packPaddedSequence(x, longArrayOf(3, 2), true).data().toDoubleArray().toList() shouldBe
            listOf(0.0, 1.0, 10.0, 11.0, 20.0)
    }

    test("padPackedSequence inverts packing in the caller's order, padding with the given value to totalLength") {
        val x = labelled(4, 3)
        val lengths = longArrayOf(2, 4, 1)
        val r = RnnUtils.padPackedSequence(RnnUtils.packPaddedSequence(x, lengths, false, false), true, -1.0, 5)
        r.lengths().toLongArray().toList() shouldBe lengths.toList()
        r.padded().shape().toList() shouldBe listOf(3, 5, 1)
        val v = r.padded().toDoubleArray()
        for (b in 0 until 3) for (t in 0 until 5) {
            v[b * 5 + t] shouldBe if (t < lengths[b]) (10 * t + b).toDouble() else -1.0
        }
    }

    test("padSequence stacks sequences of different lengths; packSequence packs them directly") {
        val a = Tensor.of(doubleArrayOf(1.0, 2.0, 3.0), 3, 1); val b = Tensor.of(doubleArrayOf(4.0), 1, 1)
        RnnUtils.padSequence(listOf(a, b), true, 0.0).toDoubleArray().toList() shouldBe listOf(1.0, 2.0, 3.0, 4.0, 0.0, 0.0)
        RnnUtils.padSequence(listOf(a, b)).shape().toList() shouldBe listOf(3, 2, 1)
        val p = RnnUtils.packSequence(listOf(b, a), false)
        p.batchSizes().toLongArray().toList() shouldBe listOf(2L, 1L, 1L)
        p.data().toDoubleArray().toList() shouldBe listOf(1.0, 4.0, 2.0, 3.0)
    }

    test("packing and padding pass gradients back to the padded input, none to the padding") {
        val x = labelled(3, 2).requiresGrad_(true)
        val packed = RnnUtils.packPaddedSequence(x, longArrayOf(3, 1))
        RnnUtils.padPackedSequence(packed).padded().sum().backward()
        x.grad()!!.toDoubleArray().toList() shouldBe listOf(1.0, 1.0, 1.0, 0.0, 1.0, 0.0)
    }

    test("bad lengths and layouts are refused with what would fit") {
        val x = labelled(3, 2)
        shouldThrow<IllegalArgumentException> { RnnUtils.packPaddedSequence(x, longArrayOf(1, 3)) }.message shouldContain "enforceSorted = false"
        shouldThrow<IllegalArgumentException> { RnnUtils.packPaddedSequence(x, longArrayOf(4, 1)) }.message shouldContain "[1, 3]"
        shouldThrow<IllegalArgumentException> { RnnUtils.packPaddedSequence(x, longArrayOf(3, 0)) }.message shouldContain "[1, 3]"
        shouldThrow<IllegalArgumentException> { RnnUtils.packPaddedSequence(x, longArrayOf(3)) }.message shouldContain "1 lengths for a batch of 2"
        shouldThrow<IllegalArgumentException> {
            RnnUtils.padPackedSequence(RnnUtils.packPaddedSequence(x, longArrayOf(3, 2)), false, 0.0, 2)
        }.message shouldContain "totalLength 2"
        shouldThrow<IllegalArgumentException> { PackedSequence(x, Tensor.of(doubleArrayOf(1.0)), null, null) }.message shouldContain "int64"
    }
})
