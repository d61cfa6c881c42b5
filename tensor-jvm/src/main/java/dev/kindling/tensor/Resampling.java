package dev.kindling.tensor;

import java.util.Arrays;

/**
 * A linear map along one spatial axis, as a sparse {@code [outSize, inSize]} matrix: output position
 * {@code o} is the weighted sum of a few input positions. Average pooling (every variant), adaptive
 * average pooling and nearest / linear interpolation are each such a map per axis, applied to rows
 * and then to columns ({@link NDArray#resample2d}); their gradient is the same op with the transposed
 * maps, so one kernel serves the forward and backward of all of them, to any order of derivative.
 * Immutable; the factories follow PyTorch's index and weight formulas exactly.
 */
public final class Resampling {
    private final int inSize, outSize;
    /** CSR: the taps of output o are {@code index[start[o]] .. index[start[o + 1] - 1]}. */
    private final int[] start, index;
    private final double[] weight;

    private Resampling(int inSize, int outSize, int[] start, int[] index, double[] weight) {
        this.inSize = inSize;
        this.outSize = outSize;
        this.start = start;
        this.index = index;
        this.weight = weight;
    }

    public int inSize() { return inSize; }

    public int outSize() { return outSize; }

    /** Where output o's taps begin in {@link #index(int)} and {@link #weight(int)}; {@code tapStart(outSize)} is the total. */
    public int tapStart(int o) { return start[o]; }

    public int index(int tap) { return index[tap]; }

    public double weight(int tap) { return weight[tap]; }

    /** Accumulates taps output by output. */
    private static final class Builder {
        final int in, out;
        final int[] start;
        int[] index = new int[16];
        double[] weight = new double[16];
        /** Taps so far, and the output they belong to. */
        int n, currentOut;

        Builder(int in, int out) {
            this.in = in;
            this.out = out;
            this.start = new int[out + 1];
        }

        void tap(int i, double w) {
            if (n > start[currentOut] && index[n - 1] == i) { // two taps on one input (a clamped edge): merge them
                weight[n - 1] += w;
                return;
            }
            if (n == index.length) {
                index = Arrays.copyOf(index, 2 * n);
                weight = Arrays.copyOf(weight, 2 * n);
            }
            index[n] = i;
            weight[n++] = w;
        }

        void next() { start[++currentOut] = n; }

        Resampling build() { return new Resampling(in, out, start, Arrays.copyOf(index, n), Arrays.copyOf(weight, n)); }
    }

    /** The identity on {@code n} positions. */
    public static Resampling identity(int n) {
        Builder b = new Builder(n, n);
        for (int o = 0; o < n; o++) {
            b.tap(o, 1);
            b.next();
        }
        return b.build();
    }

    /**
     * Average-pooling windows: output o averages inputs [o stride - pad, o stride - pad + kernel) that lie
     * inside the input. The divisor along this axis is the window's length clipped to the padded input
     * ({@code countIncludePad}) or to the input itself; the 2-D divisor is the product of the two axes',
     * as in PyTorch. {@code outSize} comes from {@link #poolOut}.
     */
    public static Resampling window(int in, int outSize, int kernel, int stride, int pad, boolean countIncludePad) {
        return windows(in, outSize, kernel, stride, pad, countIncludePad ? 1 : 2);
    }

    /** The same windows as {@link #window}, summed (weight 1): for a fixed divisor, scale the result. */
    public static Resampling windowSum(int in, int outSize, int kernel, int stride, int pad) {
        return windows(in, outSize, kernel, stride, pad, 0);
    }

    /** divisor 0: none; 1: the window clipped to the padded input; 2: clipped to the input. */
    private static Resampling windows(int in, int outSize, int kernel, int stride, int pad, int divisor) {
        Builder b = new Builder(in, outSize);
        for (int o = 0; o < outSize; o++) {
            int lo = o * stride - pad, hi = Math.min(lo + kernel, in + pad);
            int padded = hi - lo;
            lo = Math.max(lo, 0);
            hi = Math.min(hi, in);
            double w = divisor == 0 ? 1 : 1.0 / (divisor == 1 ? padded : Math.max(hi - lo, 1));
            for (int i = lo; i < hi; i++) b.tap(i, w);
            b.next();
        }
        return b.build();
    }

    /** Adaptive average pooling: output o averages inputs [floor(o in / out), ceil((o + 1) in / out)). */
    public static Resampling adaptive(int in, int outSize) {
        Builder b = new Builder(in, outSize);
        for (int o = 0; o < outSize; o++) {
            int lo = (int) ((long) o * in / outSize), hi = (int) (((long) (o + 1) * in + outSize - 1) / outSize);
            for (int i = lo; i < hi; i++) b.tap(i, 1.0 / (hi - lo));
            b.next();
        }
        return b.build();
    }

    /**
     * Nearest-neighbour upsampling (PyTorch's "nearest"): output o reads input min(floor(o scale), in - 1),
     * scale = 1 / scaleFactor when a scale factor was given (pass NaN otherwise), else in / out, computed in
     * float32 as PyTorch does so the picked indices agree.
     */
    public static Resampling nearest(int in, int outSize, double scaleFactor) {
        Builder b = new Builder(in, outSize);
        float scale = scaleFactor > 0 ? (float) (1.0 / scaleFactor) : (float) in / outSize;
        for (int o = 0; o < outSize; o++) {
            int i = outSize == in ? o : outSize == 2 * in ? o >> 1 : Math.min((int) Math.floor(o * scale), in - 1);
            b.tap(i, 1);
            b.next();
        }
        return b.build();
    }

    /**
     * Linear interpolation (one axis of "bilinear"). With alignCorners the end points of input and output
     * coincide: src = o (in - 1) / (out - 1). Without, pixel centres are aligned: src = (o + 1/2) scale - 1/2
     * clamped at 0, scale = 1 / scaleFactor when given (NaN otherwise) else in / out. Output o mixes
     * floor(src) and the next input by the fractional part.
     */
    public static Resampling linear(int in, int outSize, boolean alignCorners, double scaleFactor) {
        Builder b = new Builder(in, outSize);
        double scale = alignCorners ? (outSize > 1 ? (double) (in - 1) / (outSize - 1) : 0)
                : scaleFactor > 0 ? 1.0 / scaleFactor : (double) in / outSize;
        for (int o = 0; o < outSize; o++) {
            double src = alignCorners ? scale * o : Math.max(scale * (o + 0.5) - 0.5, 0);
            int i0 = Math.min((int) src, in - 1);
            int i1 = i0 + (i0 < in - 1 ? 1 : 0);
            double lambda = Math.min(Math.max(src - i0, 0), 1);
            b.tap(i0, 1 - lambda);
            b.tap(i1, lambda);
            b.next();
        }
        return b.build();
    }

    /** This map with every weight multiplied by {@code factor}. */
    public Resampling scaled(double factor) {
        double[] w = weight.clone();
        for (int t = 0; t < w.length; t++) w[t] *= factor;
        return new Resampling(inSize, outSize, start, index, w);
    }

    /** The adjoint map, {@code [inSize, outSize]}: what carries gradients back. */
    public Resampling transpose() {
        int[] count = new int[inSize + 1];
        for (int i : index) count[i + 1]++;
        for (int i = 0; i < inSize; i++) count[i + 1] += count[i];
        int[] tStart = count.clone(), fill = Arrays.copyOf(count, inSize);
        int[] tIndex = new int[index.length];
        double[] tWeight = new double[index.length];
        for (int o = 0; o < outSize; o++) {
            for (int t = start[o]; t < start[o + 1]; t++) {
                int at = fill[index[t]]++;
                tIndex[at] = o;
                tWeight[at] = weight[t];
            }
        }
        return new Resampling(outSize, inSize, tStart, tIndex, tWeight);
    }

    /**
     * The output size of pooling along one axis (PyTorch's pooling_output_shape): floor, or with ceilMode
     * ceil, of (in + 2 pad - dilation (kernel - 1) - 1) / stride, plus one; in ceil mode a last window that
     * would start inside the right padding is dropped. Checks pad &lt;= kernel / 2, as PyTorch does.
     */
    public static int poolOut(String op, int in, int kernel, int stride, int pad, int dilation, boolean ceilMode) {
        if (kernel <= 0 || stride <= 0 || dilation <= 0 || pad < 0) {
            throw new IllegalArgumentException(op + ": kernel " + kernel + ", stride " + stride + " and dilation " + dilation
                    + " must be positive and padding " + pad + " non-negative");
        }
        if (pad > kernel / 2) {
            throw new IllegalArgumentException(op + ": padding " + pad + " must be at most half the kernel size " + kernel);
        }
        int span = dilation * (kernel - 1) + 1;
        if (in + 2 * pad < span) {
            throw new IllegalArgumentException(op + ": kernel span " + span + " (size " + kernel + ", dilation " + dilation
                    + ") is larger than the padded input size " + (in + 2 * pad));
        }
        int num = in + 2 * pad - span;
        int out = (ceilMode ? (num + stride - 1) / stride : num / stride) + 1;
        if (ceilMode && (long) (out - 1) * stride >= in + pad) out--;
        return out;
    }

    @Override
    public String toString() { return "Resampling(" + inSize + " => " + outSize + ", " + index.length + " taps)"; }
}
