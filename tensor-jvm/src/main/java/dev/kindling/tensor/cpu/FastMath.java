package dev.kindling.tensor.cpu;

/**
 * exp, tanh and sigmoid over dense float ranges in plain Java that C2 vectorises (JDK 17 and later,
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

    /** Per-thread block buffers. */
    private static final class Scratch {
        final float[] v = new float[BLOCK];
        final float[] t = new float[BLOCK];
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
