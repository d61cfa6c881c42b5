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
 * Layer normalisation of each row of D elements (the normalized shape, flattened) on the CPU, as one
 * node: forward computes each row's mean and 1/std (two passes over the row, in double) and writes
 * (x - mean) * rstd * w + b; backward is the closed form
 * dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy * w, dw = sum over rows of dy xhat, db = sum
 * of dy. On a [1120, 512] input, forward 1.5 ms as nine Tensor ops and 1.0 ms this way; backward
 * (with the sum's that seeds it) 4.5 ms and 1.9 ms.
 *
 * <p>Inputs: x, then weight and bias of D elements or null ({@link FusedNormalization}).
 */
final class FusedLayerNorm extends FusedNormalization {
    private final int[] dims;
    private final int d;

    FusedLayerNorm(int[] dims, int d, double eps) {
        super(eps);
        this.dims = dims;
        this.d = d;
    }

    @Override
    public Tensor forward(FunctionContext ctx, Tensor... in) {
        NDArray x = in[0].data();
        int rows = d == 0 ? 0 : (int) (x.numel() / d);
        double[] mean = new double[rows], rstd = new double[rows];
        double[] w = vector(in[1]), b = vector(in[2]);
        NDArray out = NDArray.zeros(x.dtype(), x.shape());
        Object xs = array(x), ys = array(out);
        int xo = x.offset();
        Parallel.forRange(rows, 4L * d, (lo, hi) -> {
            for (int r = (int) lo; r < hi; r++) {
                int at = xo + r * d, o = r * d;
                double s = 0;
                for (int j = 0; j < d; j++) s += get(xs, at + j);
                double m = s / d, v = 0;
                for (int j = 0; j < d; j++) {
                    double c = get(xs, at + j) - m;
                    v += c * c;
                }
                double rs = 1 / Math.sqrt(v / d + eps);
                mean[r] = m;
                rstd[r] = rs;
                for (int j = 0; j < d; j++) {
                    double y = (get(xs, at + j) - m) * rs;
                    if (w != null) y *= w[j];
                    if (b != null) y += b[j];
                    set(ys, o + j, y);
                }
            }
        });
        ctx.saveForBackward(in[0], in[1], in[2]);
        ctx.put("mean", mean);
        ctx.put("rstd", rstd);
        return Tensor.wrap(out);
    }

    @Override
    Tensor opsForm(Tensor x, Tensor weight, Tensor bias) { return F.layerNormOps(x, dims, weight, bias, eps); }

    @Override
    Tensor[] rawBackward(FunctionContext ctx, Tensor[] in, NDArray dy) {
        NDArray x = in[0].data();
        double[] mean = ctx.get("mean"), rstd = ctx.get("rstd"), w = vector(in[1]);
        int rows = mean.length;
        Object xs = array(x), gs = array(dy);
        int xo = x.offset(), go = dy.offset();
        NDArray dx = ctx.needsInputGrad(0) ? NDArray.zeros(x.dtype(), x.shape()) : null;
        Object dxs = dx == null ? null : array(dx);
        if (dx != null) {
            Parallel.forRange(rows, 6L * d, (lo, hi) -> {
                for (int r = (int) lo; r < hi; r++) {
                    int at = xo + r * d, g0 = go + r * d, o = r * d;
                    double m = mean[r], rs = rstd[r], sg = 0, sgx = 0;
                    for (int j = 0; j < d; j++) {
                        double g = get(gs, g0 + j) * (w == null ? 1 : w[j]);
                        sg += g;
                        sgx += g * (get(xs, at + j) - m) * rs;
                    }
                    double a = sg / d, c = sgx / d;
                    for (int j = 0; j < d; j++) {
                        double g = get(gs, g0 + j) * (w == null ? 1 : w[j]);
                        set(dxs, o + j, rs * (g - a - (get(xs, at + j) - m) * rs * c));
                    }
                }
            });
        }
        double[] dw = new double[d], db = new double[d];
        if (in[1] != null && ctx.needsInputGrad(1) || in[2] != null && ctx.needsInputGrad(2)) {
            // Column sums over the rows, in double; one pass over dy and x.
            for (int r = 0; r < rows; r++) {
                int at = xo + r * d, g0 = go + r * d;
                double m = mean[r], rs = rstd[r];
                for (int j = 0; j < d; j++) {
                    double g = get(gs, g0 + j);
                    dw[j] += g * (get(xs, at + j) - m) * rs;
                    db[j] += g;
                }
            }
        }
        return gradients(ctx, in, dx, dw, db);
    }

    @Override
    protected String name() { return "NativeLayerNormBackward"; }
}
