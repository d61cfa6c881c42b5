package dev.kindling.nn.functional;

import dev.kindling.autograd.FunctionContext;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.cpu.Parallel;

import static dev.kindling.nn.functional.RawArrays.array;
import static dev.kindling.nn.functional.RawArrays.get;
import static dev.kindling.nn.functional.RawArrays.set;
import static dev.kindling.nn.functional.RawArrays.vector;

/**
 * Batch normalisation in training of a contiguous [N, C, S...] CPU input as one node, channels split over
 * the cores: forward takes each channel's mean and biased variance over its N * S values (two passes, in
 * double) and writes (x - mean) * rstd * w + b; backward is the closed form
 * dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy * w[c] over the channel, dw = sum dy xhat,
 * db = sum dy. On a [32, 64, 32, 32] input, forward 4.6-5.1 ms as Tensor ops and 3.0-3.2 ms this way,
 * backward (with the sum's that seeds it) 14.4-16.3 ms and 5.7-6.2 ms.
 *
 * <p>Inputs: x, then weight and bias of C elements or null ({@link FusedNormalization}). {@link #mean}
 * and {@link #variance} give the batch statistics for the running averages.
 */
final class FusedBatchNorm extends FusedNormalization {
    private final int[] dims;
    /** Per channel, set by forward: what backward and the running averages read. */
    private double[] mean, variance, rstd;

    FusedBatchNorm(int[] dims, double eps) {
        super(eps);
        this.dims = dims;
    }

    /** The batch's per-channel mean, after forward. */
    double[] mean() { return mean; }

    /** The batch's per-channel biased variance, after forward. */
    double[] variance() { return variance; }

    @Override
    public Tensor forward(FunctionContext ctx, Tensor... in) {
        NDArray x = in[0].data();
        int n = x.shape()[0], c = x.shape()[1], s = (int) (x.numel() / Math.max(1, (long) n * c));
        double m0 = (double) n * s;
        mean = new double[c];
        variance = new double[c];
        rstd = new double[c];
        double[] w = vector(in[1]), b = vector(in[2]);
        NDArray out = NDArray.zeros(x.dtype(), x.shape());
        Object xs = array(x), ys = array(out);
        int xo = x.offset();
        Parallel.forRange(c, 4L * n * s, (lo, hi) -> {
            for (int ch = (int) lo; ch < hi; ch++) {
                double sum = 0;
                for (int i = 0; i < n; i++) for (int j = 0, at = xo + (i * c + ch) * s; j < s; j++) sum += get(xs, at + j);
                double mu = sum / m0, v = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = 0, at = xo + (i * c + ch) * s; j < s; j++) {
                        double d = get(xs, at + j) - mu;
                        v += d * d;
                    }
                }
                double rs = 1 / Math.sqrt(v / m0 + eps), scale = w == null ? rs : rs * w[ch], shift = b == null ? 0 : b[ch];
                mean[ch] = mu;
                variance[ch] = v / m0;
                rstd[ch] = rs;
                for (int i = 0; i < n; i++) {
                    int at = xo + (i * c + ch) * s, o = (i * c + ch) * s;
                    for (int j = 0; j < s; j++) set(ys, o + j, (get(xs, at + j) - mu) * scale + shift);
                }
            }
        });
        ctx.saveForBackward(in[0], in[1], in[2]);
        return Tensor.wrap(out);
    }

    @Override
    Tensor opsForm(Tensor x, Tensor weight, Tensor bias) { return F.batchNormOps(x, dims, weight, bias, eps); }

    @Override
    Tensor[] rawBackward(FunctionContext ctx, Tensor[] in, NDArray dy) {
        NDArray x = in[0].data();
        int n = x.shape()[0], c = x.shape()[1], s = (int) (x.numel() / Math.max(1, (long) n * c));
        double m0 = (double) n * s;
        double[] w = vector(in[1]), dw = new double[c], db = new double[c];
        Object xs = array(x), gs = array(dy);
        int xo = x.offset(), go = dy.offset();
        NDArray dx = ctx.needsInputGrad(0) ? NDArray.zeros(x.dtype(), x.shape()) : null;
        Object dxs = dx == null ? null : array(dx);
        Parallel.forRange(c, 6L * n * s, (lo, hi) -> {
            for (int ch = (int) lo; ch < hi; ch++) {
                double mu = mean[ch], rs = rstd[ch], sg = 0, sgx = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = 0, at = (i * c + ch) * s; j < s; j++) {
                        double g = get(gs, go + at + j);
                        sg += g;
                        sgx += g * (get(xs, xo + at + j) - mu) * rs;
                    }
                }
                db[ch] = sg;
                dw[ch] = sgx;
                if (dxs == null) continue;
                // With g = dy * w: mean(g) = w sg / M and mean(g xhat) = w sgx / M.
                double wc = w == null ? 1 : w[ch], a = wc * sg / m0, k = wc * sgx / m0;
                for (int i = 0; i < n; i++) {
                    for (int j = 0, at = (i * c + ch) * s; j < s; j++) {
                        double xhat = (get(xs, xo + at + j) - mu) * rs;
                        set(dxs, at + j, rs * (wc * get(gs, go + at + j) - a - xhat * k));
                    }
                }
            }
        });
        return gradients(ctx, in, dx, dw, db);
    }

    @Override
    protected String name() { return "NativeBatchNormBackward"; }
}
