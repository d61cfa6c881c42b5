package dev.kindling.tensor;

/**
 * Conversions between Java numbers and the two 16-bit floating formats, float16 (IEEE 754 binary16:
 * 1 sign, 5 exponent, 10 mantissa bits) and bfloat16 (1 sign, 8 exponent, 7 mantissa bits: the top
 * half of a float32). Narrowing rounds to nearest, ties to even, as IEEE 754, CUDA's
 * {@code __float2half_rn} and PyTorch do; overflow gives infinity, NaN stays NaN (quiet).
 *
 * <p>Narrowing starts from a double, never from a float: rounding a double to float and then to
 * half could round twice (a value just above a half-way point would land on it and then go to
 * even). Scaling by a power of two is exact, so {@link Math#rint} on the scaled magnitude rounds
 * exactly once, ties to even.
 *
 * <p>On the CPU, float16 values live in a {@code short[]} and bfloat16 values in a {@code char[]}
 * of raw bits: the Java array type names the dtype everywhere the CPU backend looks (as
 * {@code float[]} names float32), so the two 16-bit formats need two array types.
 */
public final class HalfFloats {
    private HalfFloats() {}

    /** The exact float value of float16 bits. */
    public static float float16ToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf, NaN keeps its payload
        if (exp != 0) return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
        float v = mant * 0x1p-24f; // subnormal (or zero): exact, 11 significant bits fit a float
        return sign != 0 ? -v : v;
    }

    /** float16 bits nearest to {@code v} (ties to even). */
    public static short toFloat16(double v) { return (short) narrow(v, 10, 5); }

    /** The exact float value of bfloat16 bits. */
    public static float bfloat16ToFloat(char bits) { return Float.intBitsToFloat(bits << 16); }

    /** bfloat16 bits nearest to {@code v} (ties to even). */
    public static char toBfloat16(double v) { return (char) narrow(v, 7, 8); }

    /** The largest value below 1 of a 16-bit format (rand's upper cap), or {@code Math.nextDown(1.0)} for others. */
    public static double largestBelowOne(DType dtype) {
        switch (dtype) {
            case FLOAT16: return 1 - 0x1p-11;
            case BFLOAT16: return 1 - 0x1p-8;
            case FLOAT32: return Math.nextDown(1.0f);
            default: return Math.nextDown(1.0);
        }
    }

    /**
     * Rounds v to a binary format with {@code mantBits} stored mantissa bits and {@code expBits}
     * exponent bits, returning its 16 bits (sign at bit 15).
     */
    private static int narrow(double v, int mantBits, int expBits) {
        int sign = Double.doubleToRawLongBits(v) < 0 ? 0x8000 : 0;
        int expAll = (1 << expBits) - 1, bias = expAll >> 1, minExp = 1 - bias;
        if (Double.isNaN(v)) return sign | (expAll << mantBits) | (1 << (mantBits - 1));
        double a = Math.abs(v);
        if (a == 0) return sign;
        int e = Math.max(Math.getExponent(a), minExp); // below the normal range the quantum stays 2^(minExp - mantBits)
        if (e > bias) return sign | (expAll << mantBits); // beyond the largest finite value's binade, even a double
        long m = (long) Math.rint(Math.scalb(a, mantBits - e));
        int biased = Math.getExponent(a) < minExp ? 0 : e + bias;
        if (biased == 0) {
            // Subnormal: m counts quanta of 2^(minExp - mantBits); m == 2^mantBits is the smallest normal, encoded the same way.
            return sign | (int) m;
        }
        if (m == 2L << mantBits) { m = 1L << mantBits; biased++; } // rounding carried into the next binade
        if (biased >= expAll) return sign | (expAll << mantBits);
        return sign | (biased << mantBits) | (int) (m - (1L << mantBits));
    }
}
