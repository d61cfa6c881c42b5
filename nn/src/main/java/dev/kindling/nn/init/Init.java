package dev.kindling.nn.init;

import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;
import dev.kindling.tensor.SpecialFunctions;

/**
 * PyTorch's torch.nn.init: fills a tensor in place, without recording, from the global generator
 * ({@code dev.kindling.Random.manualSeed} makes it reproducible). Each returns the tensor.
 * <pre>{@code
 * Init.kaimingUniform_(linear.weight, Math.sqrt(5));   // what Linear does by default
 * }</pre>
 */
public final class Init {
    private Init() {}

    /** U(a, b). */
    public static Tensor uniform_(Tensor t, double a, double b) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            return t.copy_(Tensor.rand(t.dtype(), t.shape()).mul(b - a).add(a));
        }
    }

    /** N(mean, std^2). */
    public static Tensor normal_(Tensor t, double mean, double std) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            return t.copy_(Tensor.randn(t.dtype(), t.shape()).mul(std).add(mean));
        }
    }

    public static Tensor constant_(Tensor t, double value) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            return t.fill_(value);
        }
    }

    public static Tensor zeros_(Tensor t) { return constant_(t, 0); }

    public static Tensor ones_(Tensor t) { return constant_(t, 1); }

    /**
     * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): linear/conv/sigmoid 1,
     * tanh 5/3, relu sqrt(2), leaky_relu sqrt(2 / (1 + slope^2)), selu 3/4.
     */
    public static double calculateGain(String nonlinearity, double param) {
        switch (nonlinearity) {
            case "linear": case "conv1d": case "conv2d": case "conv3d": case "conv_transpose1d": case "conv_transpose2d":
            case "conv_transpose3d": case "sigmoid":
                return 1;
            case "tanh": return 5.0 / 3;
            case "relu": return Math.sqrt(2.0);
            case "leaky_relu": {
                double slope = Double.isNaN(param) ? 0.01 : param;
                return Math.sqrt(2.0 / (1 + slope * slope));
            }
            case "selu": return 0.75;
            default: throw new IllegalArgumentException("calculateGain: unknown nonlinearity \"" + nonlinearity
                    + "\" (expected linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu or selu)");
        }
    }

    public static double calculateGain(String nonlinearity) { return calculateGain(nonlinearity, Double.NaN); }

    /** fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, as PyTorch computes them. */
    public static int[] fans(Tensor t) {
        int[] s = t.shape();
        if (s.length < 2) {
            throw new IllegalArgumentException("Init: fan in and fan out need a tensor with at least 2 dims, got shape "
                    + java.util.Arrays.toString(s));
        }
        int receptive = 1;
        for (int i = 2; i < s.length; i++) receptive *= s[i];
        return new int[]{s[1] * receptive, s[0] * receptive};
    }

    public static Tensor xavierUniform_(Tensor t, double gain) {
        int[] f = fans(t);
        double bound = gain * Math.sqrt(6.0 / (f[0] + f[1]));
        return uniform_(t, -bound, bound);
    }

    public static Tensor xavierUniform_(Tensor t) { return xavierUniform_(t, 1); }

    public static Tensor xavierNormal_(Tensor t, double gain) {
        int[] f = fans(t);
        return normal_(t, 0, gain * Math.sqrt(2.0 / (f[0] + f[1])));
    }

    public static Tensor xavierNormal_(Tensor t) { return xavierNormal_(t, 1); }

    /**
     * He initialisation: U(-b, b) with b = gain * sqrt(3 / fan), gain from {@code nonlinearity} and
     * {@code a} (the negative slope for leaky_relu). {@code mode} is "fan_in" (default) or "fan_out".
     */
    public static Tensor kaimingUniform_(Tensor t, double a, String mode, String nonlinearity) {
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(t, mode));
        double bound = Math.sqrt(3.0) * std;
        return uniform_(t, -bound, bound);
    }

    /** PyTorch's defaults: fan_in, leaky_relu with slope {@code a} (Linear and Conv use a = sqrt(5)). */
    public static Tensor kaimingUniform_(Tensor t, double a) { return kaimingUniform_(t, a, "fan_in", "leaky_relu"); }

    public static Tensor kaimingUniform_(Tensor t) { return kaimingUniform_(t, 0); }

    public static Tensor kaimingNormal_(Tensor t, double a, String mode, String nonlinearity) {
        return normal_(t, 0, calculateGain(nonlinearity, a) / Math.sqrt(fan(t, mode)));
    }

    public static Tensor kaimingNormal_(Tensor t) { return kaimingNormal_(t, 0, "fan_in", "leaky_relu"); }

    private static int fan(Tensor t, String mode) {
        int[] f = fans(t);
        switch (mode) {
            case "fan_in": return f[0];
            case "fan_out": return f[1];
            default: throw new IllegalArgumentException("Init: mode must be \"fan_in\" or \"fan_out\", got \"" + mode + "\"");
        }
    }

    // ------------------------------------------------------------------ structured initialisers

    /**
     * A (semi-)orthogonal matrix scaled by {@code gain} (Saxe et al. 2013; torch.nn.init.orthogonal_). The
     * tensor is viewed as [rows, cols] with rows = size(0) and cols the product of the other sizes; then
     * W W^T = gain^2 I when rows &lt;= cols, else W^T W = gain^2 I. As PyTorch: the Q of a QR decomposition
     * of a standard normal matrix, with each column's sign fixed by R's diagonal so Q is uniformly
     * distributed (Haar) over the orthogonal matrices, not biased by the decomposition's sign convention.
     * <pre>{@code
     * Init.orthogonal_(rnn.weightHh, 1.0);   // [4 * hidden, hidden], orthonormal columns
     * }</pre>
     */
    public static Tensor orthogonal_(Tensor t, double gain) {
        if (t.dim() < 2) {
            throw new IllegalArgumentException("orthogonal_: needs a tensor with at least 2 dims, got shape " + Shapes.str(t.shape()));
        }
        if (t.numel() == 0) return t;
        int rows = t.size(0);
        long colsL = t.numel() / rows;
        if (colsL > Integer.MAX_VALUE) throw new IllegalArgumentException("orthogonal_: shape " + Shapes.str(t.shape()) + " is too large");
        int cols = (int) colsL;
        double[] flat = Tensor.randn(DType.FLOAT64, rows, cols).toDoubleArray();
        // QR needs a tall matrix (m >= n): transpose a wide one, as PyTorch does, and transpose Q back.
        boolean wide = rows < cols;
        int m = Math.max(rows, cols), n = Math.min(rows, cols);
        double[][] a = new double[n][m]; // column-major: a[j] is column j, so reflections sweep contiguous memory
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (wide) a[r][c] = flat[r * cols + c];
                else a[c][r] = flat[r * cols + c];
            }
        }
        double[][] q = householderQ(a, m, n);
        double[] out = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) out[r * cols + c] = gain * (wide ? q[r][c] : q[c][r]);
        }
        try (GradMode.Scope s = GradMode.noGrad()) {
            return t.copy_(Tensor.of(out, t.shape()));
        }
    }

    public static Tensor orthogonal_(Tensor t) { return orthogonal_(t, 1); }

    /**
     * The thin Q (m x n, column-major) of the tall matrix {@code a} (m x n, column-major, overwritten), its
     * columns multiplied by the signs of R's diagonal. Householder reflections rather than Gram-Schmidt:
     * Q stays orthogonal to rounding error however ill-conditioned the random matrix happens to be.
     */
    private static double[][] householderQ(double[][] a, int m, int n) {
        double[][] v = new double[n][];
        double[] vv = new double[n];
        double[] rSign = new double[n];
        for (int k = 0; k < n; k++) {
            double[] x = a[k];
            double norm = 0;
            for (int i = k; i < m; i++) norm += x[i] * x[i];
            norm = Math.sqrt(norm);
            // alpha takes the sign opposite to x[k] so that x[k] - alpha does not cancel.
            double alpha = x[k] >= 0 ? -norm : norm;
            double[] vk = new double[m - k];
            for (int i = k; i < m; i++) vk[i - k] = x[i];
            vk[0] -= alpha;
            double vn = 0;
            for (double e : vk) vn += e * e;
            rSign[k] = alpha < 0 ? -1 : 1; // R[k][k] = alpha; a zero column (probability 0) keeps sign +1
            if (vn == 0) continue; // x is already alpha * e_k: the reflection is the identity
            v[k] = vk;
            vv[k] = vn;
            for (int j = k + 1; j < n; j++) reflect(a[j], vk, vn, k);
        }
        double[][] q = new double[n][m];
        for (int j = 0; j < n; j++) q[j][j] = 1;
        // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of I, so the reflections go in reverse.
        for (int k = n - 1; k >= 0; k--) {
            if (v[k] == null) continue;
            for (int j = 0; j < n; j++) reflect(q[j], v[k], vv[k], k);
        }
        for (int j = 0; j < n; j++) {
            if (rSign[j] < 0) for (int i = 0; i < m; i++) q[j][i] = -q[j][i];
        }
        return q;
    }

    /** col[k:] -= 2 (v . col[k:]) / (v . v) * v: the Householder reflection I - 2 v v^T / v^T v. */
    private static void reflect(double[] col, double[] v, double vv, int k) {
        double dot = 0;
        for (int i = 0; i < v.length; i++) dot += v[i] * col[k + i];
        double f = 2 * dot / vv;
        if (f == 0) return;
        for (int i = 0; i < v.length; i++) col[k + i] -= f * v[i];
    }

    /**
     * N(mean, std^2) restricted to [a, b] (torch.nn.init.trunc_normal_; a and b are absolute values, not
     * multiples of std). Sampled exactly by the inverse CDF: a uniform draw between Phi((a-mean)/std) and
     * Phi((b-mean)/std) mapped back through Phi^-1. As in PyTorch, precision suffers when [a, b] lies far
     * (over ~6 std) in one tail, since Phi is then within rounding of 0 or 1 across the whole interval.
     * <pre>{@code
     * Init.truncNormal_(vit.posEmbed, 0, 0.02, -2, 2);
     * }</pre>
     */
    public static Tensor truncNormal_(Tensor t, double mean, double std, double a, double b) {
        if (!(std > 0) || !(a < b)) {
            throw new IllegalArgumentException("truncNormal_: needs std > 0 and a < b, got std " + std + ", [" + a + ", " + b + "]");
        }
        double lo = normalCdf((a - mean) / std), hi = normalCdf((b - mean) / std);
        double[] u = Tensor.rand(DType.FLOAT64, t.shape()).toDoubleArray();
        for (int i = 0; i < u.length; i++) {
            double x = mean + std * inverseNormalCdf(lo + (hi - lo) * u[i]);
            u[i] = Math.min(Math.max(x, a), b);
        }
        try (GradMode.Scope s = GradMode.noGrad()) {
            return t.copy_(Tensor.wrap(NDArray.of(u, t.shape()))); // wrap: Tensor.of would make a 0-d shape 1-D
        }
    }

    /** PyTorch's defaults: N(0, 1) truncated to [-2, 2]. */
    public static Tensor truncNormal_(Tensor t) { return truncNormal_(t, 0, 1, -2, 2); }

    private static double normalCdf(double x) { return 0.5 * (1 + SpecialFunctions.erf(x / Math.sqrt(2))); }

    /**
     * Phi^-1(p): Acklam's rational approximation (relative error 1.2e-9), then one Halley step against
     * the exact Phi, which brings it to about double precision.
     */
    static double inverseNormalCdf(double p) {
        if (p <= 0) return Double.NEGATIVE_INFINITY;
        if (p >= 1) return Double.POSITIVE_INFINITY;
        final double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00};
        final double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01};
        final double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00};
        final double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double x;
        if (p < 0.02425) {
            double q = Math.sqrt(-2 * Math.log(p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        } else if (p > 1 - 0.02425) {
            double q = Math.sqrt(-2 * Math.log(1 - p));
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        } else {
            double q = p - 0.5, r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                    / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        double e = normalCdf(x) - p;
        double u = e * Math.sqrt(2 * Math.PI) * Math.exp(x * x / 2);
        return x - u / (1 + x * u / 2);
    }

    /** The identity matrix on a 2-D tensor (torch.nn.init.eye_): keeps a Linear layer's input unchanged. */
    public static Tensor eye_(Tensor t) {
        if (t.dim() != 2) throw new IllegalArgumentException("eye_: needs a 2-D tensor, got shape " + Shapes.str(t.shape()));
        try (GradMode.Scope s = GradMode.noGrad()) {
            return t.copy_(Tensor.eye(t.size(0), t.size(1), t.dtype()));
        }
    }

    /**
     * The Dirac delta on a 3-, 4- or 5-D convolution weight [out, in, k...] (torch.nn.init.dirac_): each of
     * the first min(out/groups, in) output channels of every group copies its input channel through the
     * kernel's centre, so the convolution is the identity on those channels.
     */
    public static Tensor dirac_(Tensor t, int groups) {
        int[] s = t.shape();
        if (s.length < 3 || s.length > 5) {
            throw new IllegalArgumentException("dirac_: needs a 3-, 4- or 5-D tensor, got shape " + Shapes.str(s));
        }
        if (groups < 1 || s[0] % groups != 0) {
            throw new IllegalArgumentException("dirac_: dim 0 (" + s[0] + ") must be divisible by groups (" + groups + ")");
        }
        int perGroup = s[0] / groups, minDim = Math.min(perGroup, s[1]);
        int[] strides = Shapes.contiguousStrides(s);
        double[] out = new double[(int) t.numel()];
        for (int g = 0; g < groups; g++) {
            for (int d = 0; d < minDim; d++) {
                long at = (long) (g * perGroup + d) * strides[0] + (long) d * strides[1];
                for (int k = 2; k < s.length; k++) at += (long) (s[k] / 2) * strides[k];
                out[(int) at] = 1;
            }
        }
        try (GradMode.Scope sc = GradMode.noGrad()) {
            return t.copy_(Tensor.of(out, s));
        }
    }

    public static Tensor dirac_(Tensor t) { return dirac_(t, 1); }
}
