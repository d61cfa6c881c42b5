package dev.kindling.nn.functional;

import dev.kindling.autograd.PoolOps;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.Resampling;
import dev.kindling.tensor.Shapes;

/**
 * The argument handling behind {@link F}'s pooling and interpolation: per-dim sizes, stride
 * defaulting to the kernel, unbatched inputs, 1-D inputs as 2-D ones of height 1, and the per-axis
 * maps ({@link Resampling}) that average pooling, adaptive pooling and interpolation reduce to.
 */
final class Pools {
    private Pools() {}

    /** Input [N, C, spatial...] or unbatched [C, spatial...] as a 4-D [N, C, H, W] (H = 1 for one spatial dim). */
    private static Tensor as4d(String op, Tensor x, int dims) {
        if (x.dim() != dims + 1 && x.dim() != dims + 2) {
            String want = dims == 1 ? "[N, C, L] or [C, L]" : "[N, C, H, W] or [C, H, W]";
            throw new IllegalArgumentException(op + ": expects input " + want + ", got " + Shapes.str(x.shape()));
        }
        Tensor t = x.dim() == dims + 1 ? x.unsqueeze(0) : x;
        return dims == 1 ? t.unsqueeze(2) : t;
    }

    /** Undoes {@link #as4d} on a result. */
    private static Tensor back(Tensor y, Tensor x, int dims) {
        Tensor t = dims == 1 ? y.squeeze(2) : y;
        return x.dim() == dims + 1 ? t.squeeze(0) : t;
    }

    /** The stride, or the kernel when none is given (PyTorch's stride=None). */
    private static int[] strideOr(String op, int[] stride, int[] kernel, int dims) {
        return stride == null || stride.length == 0 ? kernel : Convolutions.perDim(op, "stride", stride, dims);
    }

    static Tensor.ValuesIndices maxPool(String op, int dims, Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                        boolean ceilMode) {
        Tensor x4 = as4d(op, x, dims);
        int[] k = Convolutions.perDim(op, "kernel", kernel, dims), s = strideOr(op, stride, k, dims);
        int[] p = Convolutions.perDim(op, "padding", padding, dims), d = Convolutions.perDim(op, "dilation", dilation, dims);
        for (int i = 0; i < dims; i++) Resampling.poolOut(op, x4.size(4 - dims + i), k[i], s[i], p[i], d[i], ceilMode);
        Tensor.ValuesIndices r = dims == 1
                ? PoolOps.maxPool2d(x4, 1, k[0], 1, s[0], 0, p[0], 1, d[0], ceilMode)
                : PoolOps.maxPool2d(x4, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], ceilMode);
        return new Tensor.ValuesIndices(back(r.values(), x, dims), back(r.indices(), x, dims));
    }

    static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad,
                            Integer divisorOverride) {
        String op = "avgPool2d";
        Tensor x4 = as4d(op, x, 2);
        int[] k = Convolutions.perDim(op, "kernel", kernel, 2), s = strideOr(op, stride, k, 2);
        int[] p = Convolutions.perDim(op, "padding", padding, 2);
        if (divisorOverride != null && divisorOverride <= 0) {
            throw new IllegalArgumentException(op + ": divisorOverride must be positive, got " + divisorOverride);
        }
        int h = x4.size(2), w = x4.size(3);
        int oh = Resampling.poolOut(op, h, k[0], s[0], p[0], 1, ceilMode), ow = Resampling.poolOut(op, w, k[1], s[1], p[1], 1, ceilMode);
        Resampling rh, rw;
        if (divisorOverride != null) {
            rh = Resampling.windowSum(h, oh, k[0], s[0], p[0]).scaled(1.0 / divisorOverride);
            rw = Resampling.windowSum(w, ow, k[1], s[1], p[1]);
        } else {
            rh = Resampling.window(h, oh, k[0], s[0], p[0], countIncludePad);
            rw = Resampling.window(w, ow, k[1], s[1], p[1], countIncludePad);
        }
        return back(PoolOps.resample2d(x4, rh, rw, "AvgPool2D"), x, 2);
    }

    static Tensor adaptiveAvgPool2d(Tensor x, int[] outputSize) {
        String op = "adaptiveAvgPool2d";
        Tensor x4 = as4d(op, x, 2);
        int[] o = Convolutions.perDim(op, "outputSize", outputSize, 2);
        if (o[0] <= 0 || o[1] <= 0) throw new IllegalArgumentException(op + ": outputSize must be positive, got " + java.util.Arrays.toString(o));
        if (x4.size(2) == 0 || x4.size(3) == 0) throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape()) + " has an empty plane");
        Resampling rh = Resampling.adaptive(x4.size(2), o[0]), rw = Resampling.adaptive(x4.size(3), o[1]);
        return back(PoolOps.resample2d(x4, rh, rw, "AdaptiveAvgPool2D"), x, 2);
    }

    /**
     * Resizes the spatial dims of [N, C, L] ("nearest", "linear", "area") or [N, C, H, W] ("nearest",
     * "bilinear", "area"). Exactly one of size and scaleFactor is given; with a scale factor the output
     * size is floor(in * scale) and the factor itself sets the sampling positions, as in PyTorch.
     */
    static Tensor interpolate(Tensor x, int[] size, double[] scaleFactor, String mode, Boolean alignCorners) {
        String op = "interpolate";
        int dims = x.dim() - 2;
        if (dims != 1 && dims != 2) {
            throw new IllegalArgumentException(op + ": expects [N, C, L] or [N, C, H, W], got " + Shapes.str(x.shape()));
        }
        boolean linear = mode.equals("linear") || mode.equals("bilinear");
        if (!mode.equals("nearest") && !mode.equals("area") && !linear) {
            throw new IllegalArgumentException(op + ": mode must be \"nearest\", \"linear\", \"bilinear\" or \"area\", got \"" + mode + "\"");
        }
        if (linear && !mode.equals(dims == 1 ? "linear" : "bilinear")) {
            throw new IllegalArgumentException(op + ": mode \"" + mode + "\" does not fit a " + x.dim() + "-D input " + Shapes.str(x.shape())
                    + "; use \"" + (dims == 1 ? "linear" : "bilinear") + "\"");
        }
        if (alignCorners != null && !linear) {
            throw new IllegalArgumentException(op + ": alignCorners can only be set with the interpolating modes linear and bilinear,"
                    + " not \"" + mode + "\"");
        }
        if ((size == null) == (scaleFactor == null)) {
            throw new IllegalArgumentException(op + ": give exactly one of size and scaleFactor");
        }
        int[] in = new int[dims], out = new int[dims];
        double[] scale = new double[dims];
        for (int i = 0; i < dims; i++) in[i] = x.size(2 + i);
        if (size != null) {
            out = Convolutions.perDim(op, "size", size, dims);
            java.util.Arrays.fill(scale, Double.NaN);
        } else {
            if (scaleFactor.length != 1 && scaleFactor.length != dims) {
                throw new IllegalArgumentException(op + ": scaleFactor needs 1 or " + dims + " values, got " + java.util.Arrays.toString(scaleFactor));
            }
            for (int i = 0; i < dims; i++) {
                scale[i] = scaleFactor[scaleFactor.length == 1 ? 0 : i];
                if (!(scale[i] > 0)) throw new IllegalArgumentException(op + ": scaleFactor must be positive, got " + scale[i]);
                out[i] = (int) Math.floor(in[i] * scale[i]);
            }
        }
        for (int i = 0; i < dims; i++) {
            if (out[i] <= 0 || in[i] <= 0) {
                throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape()) + " would be resized to the empty size "
                        + java.util.Arrays.toString(out));
            }
        }
        Resampling[] maps = new Resampling[dims];
        for (int i = 0; i < dims; i++) {
            maps[i] = mode.equals("nearest") ? Resampling.nearest(in[i], out[i], scale[i])
                    : mode.equals("area") ? Resampling.adaptive(in[i], out[i])
                    : Resampling.linear(in[i], out[i], alignCorners != null && alignCorners, scale[i]);
        }
        String name = mode.equals("area") ? "AdaptiveAvgPool2D"
                : "Upsample" + (mode.equals("nearest") ? "Nearest" : dims == 1 ? "Linear" : "Bilinear") + dims + "D";
        if (dims == 1) return PoolOps.resample2d(x.unsqueeze(2), Resampling.identity(1), maps[0], name).squeeze(2);
        return PoolOps.resample2d(x, maps[0], maps[1], name);
    }
}
