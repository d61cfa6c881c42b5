package dev.kindling.tensor;

/**
 * Argument checks and output shapes of the convolution, pooling and resampling ops of {@link NDArray},
 * kept apart so each op there is a few lines. Every message names the op, what it got and what fits.
 */
final class ConvShapes {
    private ConvShapes() {}

    /** The output shape of {@code x ⋆ w}, after checking ranks, channels, groups, bias, dtypes and devices. */
    static int[] conv2d(String op, NDArray x, NDArray w, NDArray bias, ConvParams p) {
        checkImage(op, "input", x);
        checkWeight(op, w, p);
        checkSameKind(op, x, "weight", w);
        int[] xs = x.shapeRef(), ws = w.shapeRef();
        if (xs[1] != ws[1] * p.groups()) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(xs) + " has " + xs[1] + " channels, weight "
                    + Shapes.str(ws) + " expects " + ws[1] * p.groups() + " (groups=" + p.groups() + ")");
        }
        checkBias(op, bias, ws[0], w);
        return new int[]{xs[0], ws[0], p.outH(xs[2], ws[2]), p.outW(xs[3], ws[3])};
    }

    /** Checks a gradient [N, O, oh, ow] against the weight and the input size (h, w) it came from. */
    static void conv2dBackwardInput(NDArray gy, NDArray w, ConvParams p, int h, int wIn) {
        String op = "conv2dBackwardInput";
        checkImage(op, "gradient", gy);
        checkWeight(op, w, p);
        checkSameKind(op, gy, "weight", w);
        int[] gs = gy.shapeRef(), ws = w.shapeRef();
        int oh = p.outH(h, ws[2]), ow = p.outW(wIn, ws[3]);
        if (gs[1] != ws[0] || gs[2] != oh || gs[3] != ow) {
            throw new IllegalArgumentException(op + ": gradient " + Shapes.str(gs) + " does not fit weight " + Shapes.str(ws)
                    + " and input size " + h + "x" + wIn + " (" + p + "): it must be [" + gs[0] + ", " + ws[0] + ", " + oh
                    + ", " + ow + "]");
        }
    }

    static void conv2dBackwardWeight(NDArray x, NDArray gy, ConvParams p, int kh, int kw) {
        String op = "conv2dBackwardWeight";
        checkImage(op, "input", x);
        checkImage(op, "gradient", gy);
        checkSameKind(op, x, "gradient", gy);
        int[] xs = x.shapeRef(), gs = gy.shapeRef();
        if (xs[1] % p.groups() != 0 || gs[1] % p.groups() != 0) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(xs) + " and gradient " + Shapes.str(gs)
                    + " need channel counts divisible by groups=" + p.groups());
        }
        int oh = p.outH(xs[2], kh), ow = p.outW(xs[3], kw);
        if (gs[0] != xs[0] || gs[2] != oh || gs[3] != ow) {
            throw new IllegalArgumentException(op + ": gradient " + Shapes.str(gs) + " does not fit input " + Shapes.str(xs)
                    + " with a " + kh + "x" + kw + " kernel (" + p + "): it must be [" + xs[0] + ", " + gs[1] + ", " + oh + ", "
                    + ow + "]");
        }
    }

    static void checkImage(String op, String what, NDArray x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + ": expects the " + what + " as [N, C, H, W], got shape " + Shapes.str(x.shapeRef()));
        }
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": needs a floating point " + what + ", got " + x.dtype());
        }
    }

    private static void checkWeight(String op, NDArray w, ConvParams p) {
        int[] ws = w.shapeRef();
        if (ws.length != 4) {
            throw new IllegalArgumentException(op + ": expects the weight as [out, in / groups, kh, kw], got shape " + Shapes.str(ws));
        }
        if (ws[0] % p.groups() != 0) {
            throw new IllegalArgumentException(op + ": weight " + Shapes.str(ws) + " has " + ws[0]
                    + " output channels, which groups=" + p.groups() + " does not divide");
        }
    }

    private static void checkBias(String op, NDArray bias, int channels, NDArray w) {
        if (bias == null) return;
        if (bias.dim() != 1 || bias.shapeRef()[0] != channels) {
            throw new IllegalArgumentException(op + ": bias " + Shapes.str(bias.shapeRef()) + " does not fit weight "
                    + Shapes.str(w.shapeRef()) + ": it must be [" + channels + "]");
        }
        checkSameKind(op, w, "bias", bias);
    }

    /** Same dtype and device as the first operand (named "input" or "weight" by the caller's order). */
    private static void checkSameKind(String op, NDArray a, String what, NDArray b) {
        a.checkDevice(op, b);
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": the " + what + " is " + b.dtype() + " but the tensor it is applied with is "
                    + a.dtype() + "; convert one with to(DType)");
        }
    }
}
