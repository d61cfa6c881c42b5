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
                int count = (int) Math.min(group, to - r0), base = (int) (r0 * n);
                for (int r = 0; r < count; r++) {
                    int xr = xo + base + r * n;
                    float m = max(x, xr, n);
                    shift[r] = log && Float.isInfinite(m) ? 0f : m;
                    for (int j = 0; j < n; j++) e[r * n + j] = x[xr + j] - shift[r];
                }
                if (scalarExp) FastMath.expScalar(e, e, 0, count * n);
                else FastMath.exp(e, e, 0, count * n);
                for (int r = 0; r < count; r++) {
                    int xr = xo + base + r * n, or = oo + base + r * n, er = r * n;
                    double sum = sum(e, er, n);
                    if (log) {
                        float lse = (float) (shift[r] + Math.log(sum));
                        for (int j = 0; j < n; j++) o[or + j] = x[xr + j] - lse;
                    } else {
                        float s = (float) sum;
                        for (int j = 0; j < n; j++) o[or + j] = e[er + j] / s;
                    }
                }
            }
        });
    }

    /**
     * The row's max in four independent chains: one chain waits on each comparison in turn, which made
     * max and sum, not exp, most of a row's time.
     */
    private static float max(float[] a, int from, int n) {
        float m0 = Float.NEGATIVE_INFINITY, m1 = m0, m2 = m0, m3 = m0;
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            m0 = Math.max(m0, a[from + j]);
            m1 = Math.max(m1, a[from + j + 1]);
            m2 = Math.max(m2, a[from + j + 2]);
            m3 = Math.max(m3, a[from + j + 3]);
        }
        for (; j < n; j++) m0 = Math.max(m0, a[from + j]);
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
