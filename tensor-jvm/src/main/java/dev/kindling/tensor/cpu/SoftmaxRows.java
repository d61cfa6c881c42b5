package dev.kindling.tensor.cpu;

/**
 * Softmax and log-softmax over the last dim of a contiguous tensor, one row at a time: the row's max,
 * the exponentials and their sum, and the result, in three passes over a row that stays in L1. The
 * composed form (a max reduction, a subtraction, exp, a sum reduction, log, two more subtractions, with a
 * temporary for each) cost 290 us on a [1120, 64] classifier output; this is what a loss pays every step.
 *
 * <p>Results follow the composed form: softmax is exp(x - max) / sum; log-softmax is x - (shift +
 * log sum exp(x - shift)) with shift the row's max, or 0 where that max is infinite (so a row of -inf
 * gives NaN, as in PyTorch, rather than an error). Sums are accumulated in double.
 */
final class SoftmaxRows {
    /** Rows are handed out in groups of about this many elements: one exp call per group, not per row. */
    private static final int GROUP_ELEMENTS = 2048;

    private SoftmaxRows() {}

    /** Softmax (log-softmax when {@code log}) of x's rows of length n, from offset xo, into o from offset oo. */
    static void run(float[] x, int xo, float[] o, int oo, long rows, int n, boolean log) {
        int group = Math.max(1, GROUP_ELEMENTS / n);
        // exp as the unary op runs it: Math.exp below FastMath's vectorised threshold, so a short tensor
        // does not pay the vectorised kernel's compilation (see FastMath.SCALAR_EXP_BELOW).
        boolean scalarExp = rows * n < FastMath.SCALAR_EXP_BELOW;
        Parallel.forRange(rows, 8L * n, (from, to) -> {
            float[] e = new float[(int) Math.min(group, to - from) * n];
            float[] shift = new float[e.length / n];
            for (long r0 = from; r0 < to; r0 += group) {
                int count = (int) Math.min(group, to - r0), base = (int) (r0 * n), m = count * n;
                // Each loop reads and writes one array at one index: C2 (JDK 17) vectorises only those,
                // so rows are copied where they are worked on (memcpy speed) rather than read from one
                // array and written to another at different offsets (4x slower per element).
                System.arraycopy(x, xo + base, e, 0, m);
                shiftByMax(e, shift, count, n, log);
                if (scalarExp) FastMath.expScalar(e, e, 0, m);
                else FastMath.exp(e, e, 0, m);
                if (log) {
                    System.arraycopy(x, xo + base, o, oo + base, m);
                    subtractLogSums(e, shift, o, oo + base, count, n);
                } else {
                    divideBySums(e, count, n);
                    System.arraycopy(e, 0, o, oo + base, m);
                }
            }
        });
    }

    // The loops over a group's rows are methods of their own, not part of run's body: C2 compiles a
    // method once on the stack for each hot loop it holds and again whole, and with these loops inline
    // run's body was compiled three times, 36-41 ms each, inside the peers' MLP step window
    // (-XX:+LogCompilation).

    /** Subtracts each row's shift from it: its max, or 0 for log-softmax where that max is infinite. */
    private static void shiftByMax(float[] e, float[] shift, int count, int n, boolean log) {
        for (int r = 0; r < count; r++) {
            int er = r * n;
            float mx = max(e, er, n), sh = log && Float.isInfinite(mx) ? 0f : mx;
            shift[r] = sh;
            for (int j = er; j < er + n; j++) e[j] -= sh;
        }
    }

    /** o's rows (x, from oo) minus shift + log sum of the row's exponentials e. */
    private static void subtractLogSums(float[] e, float[] shift, float[] o, int oo, int count, int n) {
        for (int r = 0; r < count; r++) {
            float lse = (float) (shift[r] + Math.log(sum(e, r * n, n)));
            for (int j = oo + r * n; j < oo + (r + 1) * n; j++) o[j] -= lse;
        }
    }

    /** Each row of exponentials divided by its sum. */
    private static void divideBySums(float[] e, int count, int n) {
        for (int r = 0; r < count; r++) {
            int er = r * n;
            float s = (float) sum(e, er, n);
            for (int j = er; j < er + n; j++) e[j] /= s;
        }
    }

    /**
     * The gradient of softmax (log-softmax when {@code log}) for rows of length n, from its output y and
     * the gradient g of that output, into o: softmax y (g - sum(g y)); log-softmax g - exp(y) sum(g). The
     * composed form is four tensor ops and three temporaries the size of the input: over a 10,000-class
     * vocabulary, [1120, 10000], cross-entropy's backward took 20 ms. For large tensors only (see
     * CpuBackend.softmaxBackwardRows).
     *
     * <p>A group of rows is copied into two arrays indexed from 0 and the result formed in one of them:
     * C2 (JDK 17) vectorises only loops whose arrays share one index expression. The arithmetic is the
     * composed form's, rounding for rounding: float products, sums accumulated in double and rounded
     * once, and the same exp.
     */
    static void backward(float[] y, int yo, float[] g, int go, float[] o, int oo, long rows, int n, boolean log) {
        int group = Math.max(1, GROUP_ELEMENTS / n);
        boolean scalarExp = rows * n < FastMath.SCALAR_EXP_BELOW;
        Parallel.forRange(rows, 8L * n, (from, to) -> {
            int size = (int) Math.min(group, to - from) * n;
            float[] a = new float[size], b = new float[size];
            for (long r0 = from; r0 < to; r0 += group) {
                int count = (int) Math.min(group, to - r0), base = (int) (r0 * n), m = count * n;
                System.arraycopy(y, yo + base, a, 0, m);
                System.arraycopy(g, go + base, b, 0, m);
                if (log && scalarExp) FastMath.expScalar(a, a, 0, m);
                else if (log) FastMath.exp(a, a, 0, m);
                for (int r = 0; r < count; r++) {
                    int e = r * n;
                    if (log) {
                        float s = (float) sum(b, e, n);
                        for (int j = e; j < e + n; j++) a[j] = b[j] - a[j] * s;
                    } else {
                        float s = (float) dot(a, b, e, n);
                        for (int j = e; j < e + n; j++) a[j] = a[j] * (b[j] - s);
                    }
                }
                System.arraycopy(a, 0, o, oo + base, m);
            }
        });
    }

    /** The float64 twin of {@link #backward}, with Math.exp. */
    static void backward(double[] y, int yo, double[] g, int go, double[] o, int oo, long rows, int n, boolean log) {
        Parallel.forRange(rows, 8L * n, (from, to) -> {
            for (long r = from; r < to; r++) {
                int yr = yo + (int) (r * n), gr = go + (int) (r * n), or = oo + (int) (r * n);
                double s = 0;
                for (int j = 0; j < n; j++) s += log ? g[gr + j] : g[gr + j] * y[yr + j];
                for (int j = 0; j < n; j++) o[or + j] = log ? g[gr + j] - Math.exp(y[yr + j]) * s : y[yr + j] * (g[gr + j] - s);
            }
        });
    }

    /** sum of a[j] b[j] over the row, each product rounded to float as the composed form's, summed in double. */
    private static double dot(float[] a, float[] b, int from, int n) {
        double s0 = 0, s1 = 0;
        int j = from, end = from + n;
        for (; j + 2 <= end; j += 2) {
            s0 += a[j] * b[j];
            s1 += a[j + 1] * b[j + 1];
        }
        for (; j < end; j++) s0 += a[j] * b[j];
        return s0 + s1;
    }

    /**
     * The row's max in four independent chains: one chain waits on each comparison in turn, which made
     * max and sum, not exp, most of a row's time. A comparison instead of Math.max (which C2 does not
     * vectorise here either, and which costs more per element for its NaN and -0 rules): a NaN is
     * skipped, but it still turns its whole row into NaN through exp and the sum, as Math.max's would.
     */
    private static float max(float[] a, int from, int n) {
        float m0 = Float.NEGATIVE_INFINITY, m1 = m0, m2 = m0, m3 = m0;
        int j = from, end = from + n;
        for (; j + 4 <= end; j += 4) {
            float v0 = a[j], v1 = a[j + 1], v2 = a[j + 2], v3 = a[j + 3];
            m0 = v0 > m0 ? v0 : m0;
            m1 = v1 > m1 ? v1 : m1;
            m2 = v2 > m2 ? v2 : m2;
            m3 = v3 > m3 ? v3 : m3;
        }
        for (; j < end; j++) m0 = a[j] > m0 ? a[j] : m0;
        return Math.max(Math.max(m0, m1), Math.max(m2, m3));
    }

    /** The row's sum in double, in four independent chains (see {@link #max}). */
    private static double sum(float[] a, int from, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            s0 += a[from + j];
            s1 += a[from + j + 1];
            s2 += a[from + j + 2];
            s3 += a[from + j + 3];
        }
        for (; j < n; j++) s0 += a[from + j];
        return (s0 + s1) + (s2 + s3);
    }

    /** The float64 twin of {@link #run}, with Math.exp. */
    static void run(double[] x, int xo, double[] o, int oo, long rows, int n, boolean log) {
        Parallel.forRange(rows, 8L * n, (from, to) -> {
            for (long r = from; r < to; r++) {
                int xr = xo + (int) (r * n), or = oo + (int) (r * n);
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) m = Math.max(m, x[xr + j]);
                double shift = log && Double.isInfinite(m) ? 0 : m, sum = 0;
                for (int j = 0; j < n; j++) {
                    double e = Math.exp(x[xr + j] - shift);
                    if (!log) o[or + j] = e;
                    sum += e;
                }
                if (log) {
                    double lse = shift + Math.log(sum);
                    for (int j = 0; j < n; j++) o[or + j] = x[xr + j] - lse;
                } else {
                    for (int j = 0; j < n; j++) o[or + j] /= sum;
                }
            }
        });
    }
}
