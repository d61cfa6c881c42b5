package dev.kindling.tensor;

/**
 * A seedable stream of random numbers (SplitMix64: fast, statistically solid, and fully specified, so a
 * seed gives the same numbers on every JVM). Draws are synchronized so one generator can be shared by
 * threads; give each thread its own for speed and for per-thread reproducibility.
 */
public final class Generator {
    private long state;
    private double spareNormal = Double.NaN;

    public Generator(long seed) { manualSeed(seed); }

    public synchronized void manualSeed(long seed) {
        state = seed;
        spareNormal = Double.NaN;
    }

    public synchronized long nextLong() { return draw(); }

    /** The SplitMix64 step; callers hold the lock. */
    private long draw() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public synchronized double nextDouble() { return uniform(); }

    /** The next draw as a double in [0, 1); callers hold the lock. */
    private double uniform() { return (draw() >>> 11) * 0x1.0p-53; }

    /**
     * Fills out[from, to) with the values that as many nextDouble() calls would return, taking the lock
     * once: an uncontended lock per draw cost more than the draw (rand, bernoulli and dropout over half
     * a million elements spent most of their time there).
     */
    public synchronized void nextDoubles(double[] out, int from, int to) {
        for (int i = from; i < to; i++) out[i] = uniform();
    }

    /** Fills out[from, to) with the values that as many nextGaussian() calls would return, taking the lock once. */
    public synchronized void nextGaussians(double[] out, int from, int to) {
        for (int i = from; i < to; i++) out[i] = gaussian();
    }

    /** Uniform integer in [low, high). */
    public long nextLong(long low, long high) {
        long range = high - low;
        // Rejection sampling removes the modulo bias.
        long limit = Long.MAX_VALUE - Long.MAX_VALUE % range;
        long r;
        do {
            r = nextLong() >>> 1;
        } while (r >= limit);
        return low + r % range;
    }

    /** Standard normal by the Box-Muller transform (both values of each pair are used). */
    public synchronized double nextGaussian() { return gaussian(); }

    private double gaussian() {
        if (!Double.isNaN(spareNormal)) {
            double s = spareNormal;
            spareNormal = Double.NaN;
            return s;
        }
        double u1 = 1.0 - uniform(), u2 = uniform(); // u1 in (0, 1] so log(u1) is finite
        double r = Math.sqrt(-2.0 * Math.log(u1));
        spareNormal = r * Math.sin(2 * Math.PI * u2);
        return r * Math.cos(2 * Math.PI * u2);
    }
}
