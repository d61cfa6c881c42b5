package dev.kindling.tensor.cpu;

/**
 * exp, tanh, sigmoid, erf and log over dense float ranges in plain Java that C2 vectorises (JDK 17 and later,
 * no incubator modules). Math.exp and Math.tanh are scalar calls, 80-250x slower than an add.
 *
 * <p>exp is Cephes' expf: x = k ln2 + r with |r| &lt;= ln2/2, exp(r) by a degree-6 polynomial, and 2^k
 * put straight into the exponent bits; relative error below 2e-7 wherever the result is a normal float. The work is cut into
 * several short loops over a block because C2 only vectorises loops it unrolls, and it does not unroll
 * one with a body this long.
 */
final class FastMath {
    private static final int BLOCK = 1024;
    /** 1.5 * 2^23: adding it rounds a float to an integer held in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** Beyond these exp(x) is infinity or zero in float. */
    private static final float MAX_X = 89f;
    private static final float MIN_X = -104f;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    /**
     * Shorter tensors take {@link #expScalar}: C2 compiles expBlock once per loop (on-stack) and once
     * whole, about 150 ms of the JIT's time in a training run's first steps (where a 2-core machine has
     * no core to spare), which a softmax over a few thousand logits, a classifier's loss, never pays
     * back; Math.exp costs such a call a few microseconds more.
     */
    static final int SCALAR_EXP_BELOW = 4096;

    private FastMath() {}

    /** o[i] = exp(x[i]) for i in [from, to); x and o may be the same array. */
    static void exp(float[] x, float[] o, int from, int to) { blocked(x, o, from, to, FastMath::expBlock); }

    /** {@link #exp} by Math.exp, for tensors shorter than {@link #SCALAR_EXP_BELOW}. */
    static void expScalar(float[] x, float[] o, int from, int to) {
        for (int i = from; i < to; i++) o[i] = (float) Math.exp(x[i]);
    }

    /** A kernel over one block held in scratch: v in and out, t free for intermediates. */
    private interface BlockKernel {
        void run(float[] v, float[] t, int m);
    }

    private static void blocked(float[] x, float[] o, int from, int to, BlockKernel kernel) {
        Scratch s = SCRATCH.get();
        for (int base = from; base < to; base += BLOCK) {
            int m = Math.min(BLOCK, to - base);
            // The block is copied into scratch arrays indexed from 0: C2 (JDK 17) only vectorises loops
            // whose arrays share one index expression, and the copies run at memcpy speed.
            System.arraycopy(x, base, s.v, 0, m);
            kernel.run(s.v, s.t, m);
            System.arraycopy(s.v, 0, o, base, m);
        }
    }

    private static void expBlock(float[] v, float[] t, int m) {
        // Clamping keeps k in [-150, 128]; NaN survives Math.min/max and the polynomial.
        for (int j = 0; j < m; j++) {
            v[j] = Math.min(Math.max(v[j], MIN_X), MAX_X);
        }
        // k = round(x / ln2), held as ROUND + k so its low mantissa bits are k itself.
        for (int j = 0; j < m; j++) {
            t[j] = v[j] * LOG2E + ROUND;
        }
        for (int j = 0; j < m; j++) {
            float n = t[j] - ROUND;
            v[j] = v[j] - n * LN2_HI - n * LN2_LO;
        }
        for (int j = 0; j < m; j++) {
            float r = v[j];
            float p = 1.9875691500E-4f;
            p = p * r + 1.3981999507E-3f;
            p = p * r + 8.3334519073E-3f;
            p = p * r + 4.1665795894E-2f;
            p = p * r + 1.6666665459E-1f;
            p = p * r + 5.0000001201E-1f;
            v[j] = p * r * r + r + 1f;
        }
        // 2^k as two factors 2^floor(k/2) * 2^ceil(k/2), each a normal float, so results overflow to
        // infinity and underflow through subnormals to zero just where exp itself does. This is the
        // only loop with float/int reinterpretation, which JDK 17's C2 does not vectorise.
        for (int j = 0; j < m; j++) {
            int k = Float.floatToRawIntBits(t[j]) - ROUND_BITS, half = k >> 1;
            v[j] = v[j] * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((k - half + 127) << 23);
        }
    }

    /** Per-thread block buffers: v and t for {@link #blocked}'s kernels, x, w and u for a caller of them (erf). */
    private static final class Scratch {
        final float[] v = new float[BLOCK];
        final float[] t = new float[BLOCK];
        final float[] x = new float[BLOCK];
        final float[] w = new float[BLOCK];
        final float[] u = new float[BLOCK];
    }

    /**
     * o[i] = log(x[i]): x = m 2^e with m in [sqrt(1/2), sqrt(2)), and log(m) = 2 atanh(s) with
     * s = (m - 1) / (m + 1), |s| <= 0.172, by its odd series to s^11 (truncation below 1e-9 relative);
     * e ln2 is added in two parts so it keeps the bits the series has. Subnormal inputs are scaled by
     * 2^25 first. log(0) = -inf, log of a negative number or NaN is NaN, log(inf) = inf, as Math.log.
     * Scalar (the exponent comes from the float's bits, which JDK 17 does not vectorise): 1M elements in
     * 2.1 ms against 7.4 ms by Math.log. x and o may be the same array.
     */
    static void log(float[] x, float[] o, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = x[i];
            if (!(v > 0) || v == Float.POSITIVE_INFINITY) { // 0, negatives, NaN and inf as Math.log has them
                o[i] = (float) Math.log(v);
                continue;
            }
            int bits = Float.floatToRawIntBits(v), shift = 0;
            if (bits < 0x00800000) { // subnormal: into the normal range first
                bits = Float.floatToRawIntBits(v * 0x1p25f);
                shift = 25;
            }
            // m in [sqrt(1/2), sqrt(2)) straight from the bits, without a branch on which half of [1, 2)
            // the mantissa is in (random inputs mispredicted it half the time): shifting the bits by
            // 1 - sqrt(1/2)'s pattern moves the exponent's boundary to sqrt(1/2), as musl's logf does.
            int ix = bits + (0x3F800000 - 0x3F3504F3);
            int e = (ix >> 23) - 127 - shift;
            float m = Float.intBitsToFloat((ix & 0x007FFFFF) + 0x3F3504F3);
            float sq = (m - 1f) / (m + 1f), s2 = sq * sq;
            float series = sq * (2f + s2 * (0.6666666667f + s2 * (0.4f + s2 * (0.2857142857f + s2 * (0.2222222222f + s2 * 0.1818181818f)))));
            o[i] = e * LN2_LO + series + e * LN2_HI;
        }
    }

    /** Abramowitz and Stegun 7.1.26: p and a1..a5. */
    private static final float AS_P = 0.3275911f, AS_A1 = 0.254829592f, AS_A2 = -0.284496736f, AS_A3 = 1.421413741f,
            AS_A4 = -1.453152027f, AS_A5 = 1.061405429f;

    /**
     * o[i] = erf(x[i]). From |x| = 0.5 on, Abramowitz and Stegun 7.1.26: 1 - (a1 t + ... + a5 t^5) exp(-x^2)
     * with t = 1 / (1 + p |x|), absolute error below 1.5e-7 (with this exp, below 3e-7: at most 6e-7
     * relative, as erf(0.5) = 0.52). Below 0.5, where that absolute error would be large beside erf
     * itself, the Taylor series 2/sqrt(pi) (x - x^3/3 + x^5/10 - ...) to x^13 (truncated at 1e-9 relative,
     * so float rounding, about an ulp, is what is left).
     * Over 1M elements 1.8 ms; the double-precision series it replaces for float32 took 31 ms, most of
     * GELU's time.
     * x and o may be the same array.
     */
    static void erf(float[] x, float[] o, int from, int to) {
        Scratch s = SCRATCH.get();
        float[] v = s.x, e = s.w, near = s.u;
        for (int base = from; base < to; base += BLOCK) {
            int m = Math.min(BLOCK, to - base);
            // Into arrays indexed from 0, as blocked() does: C2 vectorises only loops whose arrays share one
            // index expression.
            System.arraycopy(x, base, v, 0, m);
            for (int j = 0; j < m; j++) e[j] = -v[j] * v[j];
            exp(e, e, 0, m);
            for (int j = 0; j < m; j++) {
                float t = 1f / (1f + AS_P * Math.abs(v[j]));
                e[j] = 1f - ((((AS_A5 * t + AS_A4) * t + AS_A3) * t + AS_A2) * t + AS_A1) * t * e[j];
            }
            for (int j = 0; j < m; j++) {
                // Clamped so the series stays finite where it is not used (the blend below multiplies it by 0).
                float c = Math.min(Math.max(v[j], -0.5f), 0.5f), c2 = c * c;
                near[j] = c * (1.1283791671f + c2 * (-0.37612638903f + c2 * (0.11283791671f + c2 * (-0.026866170645f
                        + c2 * (0.0052239776254f + c2 * (-0.00085483255083f + c2 * 0.00012055332982f))))));
            }
            // far with v's sign above |v| = 0.5, near up to it, without a branch (random inputs fall on either
            // side, and a mispredicted branch per element cost more than both formulas): step is 0 or 1 and
            // sign is v's sign by min, max and products, which C2 vectorises; NaN passes through.
            for (int j = 0; j < m; j++) {
                float step = Math.min(Math.max((Math.abs(v[j]) - 0.5f) * 0x1p100f, 0f), 1f);
                float sign = Math.min(Math.max(v[j] * 0x1p100f, -1f), 1f);
                v[j] = step * (sign * e[j]) + (1 - step) * near[j];
            }
            System.arraycopy(v, 0, o, base, m);
        }
    }

    /** o[i] = 1 / (1 + exp(-x[i])). */
    static void sigmoid(float[] x, float[] o, int from, int to) {
        for (int base = from; base < to; base += BLOCK) {
            int end = Math.min(base + BLOCK, to);
            for (int i = base; i < end; i++) o[i] = -x[i];
            exp(o, o, base, end);
            for (int i = base; i < end; i++) o[i] = 1f / (1f + o[i]);
        }
    }

    /**
     * o[i] = tanh(x[i]) by the odd 13/6 rational minimax approximation on [-7.9053, 7.9053] that Eigen
     * uses (beyond it tanh rounds to +-1 in float): plain multiply-adds and one divide, so C2
     * vectorises it, with an error of a few ulp and none of the cancellation of 1 - 2/(exp(2x)+1)
     * near 0. x and o may be the same array.
     */
    static void tanh(float[] x, float[] o, int from, int to) { blocked(x, o, from, to, FastMath::tanhBlock); }

    private static void tanhBlock(float[] v, float[] q, int m) {
        for (int j = 0; j < m; j++) {
            v[j] = Math.min(Math.max(v[j], -7.90531110763549805f), 7.90531110763549805f);
        }
        for (int j = 0; j < m; j++) {
            float x2 = v[j] * v[j];
            float d = 1.19825839466702e-06f;
            d = d * x2 + 1.18534705686654e-04f;
            d = d * x2 + 2.26843463243900e-03f;
            q[j] = d * x2 + 4.89352518554385e-03f;
        }
        for (int j = 0; j < m; j++) {
            float x = v[j], x2 = x * x;
            float p = -2.76076847742355e-16f;
            p = p * x2 + 2.00018790482477e-13f;
            p = p * x2 - 8.60467152213735e-11f;
            p = p * x2 + 5.12229709037114e-08f;
            p = p * x2 + 1.48572235717979e-05f;
            p = p * x2 + 6.37261928875436e-04f;
            p = p * x2 + 4.89352455891786e-03f;
            v[j] = x * p / q[j];
        }
    }
}
