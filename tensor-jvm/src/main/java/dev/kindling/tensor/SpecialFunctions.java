package dev.kindling.tensor;

/** Functions the JDK's Math lacks, accurate to double precision. */
public final class SpecialFunctions {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    private SpecialFunctions() {}

    /**
     * The error function. Below |x| = 3 it sums e^(-x^2) sum 2^n x^(2n+1) / (1*3*...*(2n+1)), whose terms
     * are all positive (no cancellation, unlike the Taylor series); from 3 to 6 it takes 1 - erfc(x)
     * from erfc's continued fraction, which converges fast there; beyond 6, erf is 1 to double precision.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax >= 6) return Math.signum(x);
        double r;
        if (ax < 3) {
            double x2 = ax * ax, term = ax, sum = ax;
            for (int n = 1; n < 200 && term > 1e-17 * sum; n++) {
                term *= 2 * x2 / (2 * n + 1);
                sum += term;
            }
            r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        } else {
            // erfc(x) = e^(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / ...)))), evaluated bottom up.
            double f = ax;
            for (int k = 60; k >= 1; k--) f = ax + (k / 2.0) / f;
            r = 1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
        }
        return x < 0 ? -r : r;
    }
}
