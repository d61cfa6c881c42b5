package dev.kindling.tensor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * The float32 mask paths: where / maskedFill select on bits, so every value (infinities, NaN, -0)
 * comes through unchanged; comparisons with a scalar give the same masks as the generic path.
 */
class FloatMaskSpec : FunSpec({
    val special = floatArrayOf(1.5f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, -2.25f, Float.MIN_VALUE)
    val cond = booleanArrayOf(true, false, true, false, true, false, false, true)
    fun bits(a: FloatArray) = a.map { java.lang.Float.floatToRawIntBits(it) }

    test("where with two dense branches returns the chosen element bit for bit") {
        val a = NDArray.of(special, 8)
        val b = NDArray.of(special.reversedArray(), 8)
        val r = NDArray.where(NDArray.of(cond, 8), a, b).toFloatArray()
        bits(r) shouldBe special.indices.map { i -> java.lang.Float.floatToRawIntBits(if (cond[i]) special[i] else special[7 - i]) }
    }

    test("maskedFill writes the fill value (here -3.5 and NaN) exactly where the mask holds, and broadcasts a mask") {
        val x = NDArray.of(special, 2, 4)
        bits(x.maskedFill(NDArray.of(cond, 2, 4), -3.5).toFloatArray()) shouldBe
            special.indices.map { i -> java.lang.Float.floatToRawIntBits(if (cond[i]) -3.5f else special[i]) }
        x.maskedFill(NDArray.of(booleanArrayOf(false, true, false, false), 4), Double.NaN).toFloatArray()
            .mapIndexed { i, v -> if (i % 4 == 1) v.isNaN() else java.lang.Float.floatToRawIntBits(v) == java.lang.Float.floatToRawIntBits(special[i]) }
            .all { it } shouldBe true
    }

    test("float32 comparisons with a scalar, in both operand orders, match double comparisons (NaN compares false but for ne)") {
        val x = NDArray.of(special, 8)
        for (s in doubleArrayOf(0.0, 1.5, -1.0, 0.1)) {
            for (op in listOf(BinaryOp.EQ, BinaryOp.NE, BinaryOp.LT, BinaryOp.LE, BinaryOp.GT, BinaryOp.GE)) {
                x.binary(op, s).toBooleanArray().toList() shouldBe special.map { op.apply(it.toDouble(), s) != 0.0 }
                x.binaryReversed(op, s).toBooleanArray().toList() shouldBe special.map { op.apply(s, it.toDouble()) != 0.0 }
            }
        }
    }
})
