package dev.kindling.tensor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * float16 and bfloat16 conversions, exhaustively over all 65536 bit patterns of each format, against
 * a reference written here from the formats' definitions (value = (1 + m / 2^M) * 2^(e - bias), a
 * sorted table of finite values, nearest with ties to the even pattern).
 */
class HalfFloatsSpec : FunSpec({
    class Format(val name: String, val mantBits: Int, val expBits: Int, val decode: (Int) -> Double, val encode: (Double) -> Int)

    val formats = listOf(
        Format("float16", 10, 5, { HalfFloats.float16ToFloat(it.toShort()).toDouble() }, { HalfFloats.toFloat16(it).toInt() and 0xffff }),
        Format("bfloat16", 7, 8, { HalfFloats.bfloat16ToFloat(it.toChar()).toDouble() }, { HalfFloats.toBfloat16(it).code }),
    )

    /** The value of bits by the format's definition; NaN for NaN patterns. */
    fun referenceValue(f: Format, bits: Int): Double {
        val bias = (1 shl (f.expBits - 1)) - 1
        val expAll = (1 shl f.expBits) - 1
        val sign = if (bits and 0x8000 != 0) -1.0 else 1.0
        val e = (bits shr f.mantBits) and expAll
        val m = bits and ((1 shl f.mantBits) - 1)
        return when (e) {
            expAll -> if (m == 0) sign * Double.POSITIVE_INFINITY else Double.NaN
            0 -> sign * m * Math.pow(2.0, (1 - bias - f.mantBits).toDouble())
            else -> sign * (1 + m / Math.pow(2.0, f.mantBits.toDouble())) * Math.pow(2.0, (e - bias).toDouble())
        }
    }

    for (f in formats) {
        val expAll = (1 shl f.expBits) - 1
        val infBits = expAll shl f.mantBits
        // Non-negative finite patterns in increasing value order (their bit order).
        val finite = (0 until infBits).toList()

        test("${f.name}: every one of the 65536 patterns widens to its exact value") {
            for (bits in 0 until 65536) {
                val want = referenceValue(f, bits)
                val got = f.decode(bits)
                if (want.isNaN()) got.isNaN() shouldBe true
                else if (got != want || (want == 0.0 && (1.0 / got) != (1.0 / want))) error("${f.name} ${Integer.toHexString(bits)}: got $got, want $want")
            }
        }

        test("${f.name}: every non-NaN pattern survives a round trip, NaN stays NaN") {
            for (bits in 0 until 65536) {
                val v = f.decode(bits)
                val back = f.encode(v)
                if (v.isNaN()) referenceValue(f, back).isNaN() shouldBe true
                else if (back != bits) error("${f.name} ${Integer.toHexString(bits)} -> $v -> ${Integer.toHexString(back)}")
            }
        }

        test("${f.name}: between every two neighbours, the midpoint goes to the even pattern and anything off it to the nearer (no double rounding)") {
            for (i in 0 until finite.size) {
                val lo = finite[i]
                val hi = if (i + 1 < finite.size) finite[i + 1] else infBits
                val a = referenceValue(f, lo)
                // Beyond the largest finite value the next "neighbour" is where infinity starts: one ulp further.
                val b = if (hi == infBits) a + (a - referenceValue(f, lo - 1)) else referenceValue(f, hi)
                val mid = (a + b) / 2
                val even = if (lo % 2 == 0) lo else hi
                for (sign in listOf(0, 0x8000)) {
                    val s = if (sign == 0) 1.0 else -1.0
                    f.encode(s * mid) shouldBe (even or sign)
                    f.encode(s * Math.nextDown(mid)) shouldBe (lo or sign)
                    f.encode(s * Math.nextUp(mid)) shouldBe (hi or sign)
                }
            }
        }

        test("${f.name}: overflow gives infinity, tiny values give signed zero, NaN gives a quiet NaN") {
            f.encode(1e300) shouldBe infBits
            f.encode(-1e300) shouldBe (infBits or 0x8000)
            f.encode(Double.POSITIVE_INFINITY) shouldBe infBits
            f.encode(1e-300) shouldBe 0
            f.encode(-1e-300) shouldBe 0x8000
            f.encode(-0.0) shouldBe 0x8000
            referenceValue(f, f.encode(Double.NaN)).isNaN() shouldBe true
        }
    }

    test("the largest value below one is what rand caps 16-bit samples at") {
        HalfFloats.float16ToFloat(HalfFloats.toFloat16(HalfFloats.largestBelowOne(DType.FLOAT16))).toDouble() shouldBe 1 - Math.pow(2.0, -11.0)
        HalfFloats.bfloat16ToFloat(HalfFloats.toBfloat16(HalfFloats.largestBelowOne(DType.BFLOAT16))).toDouble() shouldBe 1 - Math.pow(2.0, -8.0)
    }
})
