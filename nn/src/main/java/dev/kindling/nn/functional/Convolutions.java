package dev.kindling.nn.functional;

import dev.kindling.autograd.ConvOps;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.ConvParams;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;
import java.util.Arrays;

/**
 * The argument handling behind {@link F}'s convolutions: sizes given as one int or one per spatial
 * dim, "same" / "valid" padding, unbatched inputs, and checks that name the caller's op and shapes.
 * 1-D convolutions run as 2-D ones over a height of 1. The arithmetic is {@link ConvOps}.
 */
final class Convolutions {
    private Convolutions() {}

    /** An int per spatial dim from one value (used for all) or exactly {@code dims} values. */
    static int[] perDim(String op, String what, int[] v, int dims) {
        if (v.length == dims) return v.clone();
        if (v.length == 1) {
            int[] r = new int[dims];
            Arrays.fill(r, v[0]);
            return r;
        }
        throw new IllegalArgumentException(op + ": " + what + " needs 1 or " + dims + " values, got " + Arrays.toString(v));
    }

    /**
     * Convolution over {@code dims} (1 or 2) spatial dims. {@code padding} is explicit (per dim) unless
     * {@code paddingMode} is "same" (output size = input size; stride 1 only; an odd total padding puts
     * the extra zero at the end, as PyTorch) or "valid" (none).
     */
    static Tensor conv(String op, int dims, Tensor x, Tensor w, Tensor b, int[] stride, int[] padding, String paddingMode,
                       int[] dilation, int groups) {
        String in = dims == 1 ? "[N, C, L] or [C, L]" : "[N, C, H, W] or [C, H, W]";
        String wl = dims == 1 ? "[out, in / groups, k]" : "[out, in / groups, kh, kw]";
        boolean batched = x.dim() == dims + 2;
        if (!batched && x.dim() != dims + 1) {
            throw new IllegalArgumentException(op + ": expects input " + in + ", got " + Shapes.str(x.shape()));
        }
        if (w.dim() != dims + 2) throw new IllegalArgumentException(op + ": expects weight " + wl + ", got " + Shapes.str(w.shape()));
        if (groups <= 0) throw new IllegalArgumentException(op + ": groups must be positive, got " + groups);
        int[] ws = w.shape();
        int channels = x.size(batched ? 1 : 0);
        if (ws[0] % groups != 0) {
            throw new IllegalArgumentException(op + ": weight " + Shapes.str(ws) + " has " + ws[0] + " output channels, which groups="
                    + groups + " does not divide");
        }
        if (channels != ws[1] * groups) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape()) + " has " + channels + " channels, weight "
                    + Shapes.str(ws) + " expects " + ws[1] * groups + " (groups=" + groups + ")");
        }
        checkBias(op, b, ws[0], ws);
        checkDtypes(op, x, w, b);
        int[] s = perDim(op, "stride", stride, dims), d = perDim(op, "dilation", dilation, dims);
        int[] k = Arrays.copyOfRange(ws, 2, 2 + dims);
        int[] pad = new int[dims], extra = new int[dims];
        if (paddingMode == null) {
            pad = perDim(op, "padding", padding, dims);
        } else if (paddingMode.equals("same")) {
            for (int v : s) {
                if (v != 1) throw new IllegalArgumentException(op + ": padding=\"same\" needs stride 1, got stride " + Arrays.toString(s));
            }
            for (int i = 0; i < dims; i++) {
                int total = d[i] * (k[i] - 1);
                pad[i] = total / 2;
                extra[i] = total - 2 * pad[i];
            }
        } else if (!paddingMode.equals("valid")) {
            throw new IllegalArgumentException(op + ": padding must be \"same\", \"valid\" or sizes, got \"" + paddingMode + "\"");
        }
        Tensor xi = batched ? x : x.unsqueeze(0);
        for (int i = 0; i < dims; i++) NDArray.convOut(op, xi.size(2 + i) + extra[i], k[i], s[i], pad[i], d[i]);
        if (extra[dims - 1] > 0 || extra[0] > 0) {
            int[] pads = new int[2 * dims];
            for (int i = 0; i < dims; i++) pads[2 * (dims - 1 - i) + 1] = extra[i];
            xi = xi.pad(pads, 0);
        }
        Tensor y;
        if (dims == 1) {
            ConvParams p = new ConvParams(1, s[0], 0, pad[0], 1, d[0], groups);
            y = ConvOps.conv2d(xi.unsqueeze(2), w.unsqueeze(2), b, p).squeeze(2);
        } else {
            y = ConvOps.conv2d(xi, w, b, new ConvParams(s[0], s[1], pad[0], pad[1], d[0], d[1], groups));
        }
        return batched ? y : y.squeeze(0);
    }

    /**
     * Transposed 2-D convolution; weight [in, out / groups, kh, kw]. The output size per dim is
     * (in - 1) stride - 2 padding + dilation (k - 1) + outputPadding + 1, with outputPadding below stride
     * or dilation (it picks among the input sizes a strided conv2d maps to the same size).
     */
    static Tensor convTranspose2d(Tensor x, Tensor w, Tensor b, int[] stride, int[] padding, int[] outputPadding, int groups,
                                  int[] dilation) {
        String op = "convTranspose2d";
        boolean batched = x.dim() == 4;
        if (!batched && x.dim() != 3) throw new IllegalArgumentException(op + ": expects input [N, C, H, W] or [C, H, W], got " + Shapes.str(x.shape()));
        if (w.dim() != 4) throw new IllegalArgumentException(op + ": expects weight [in, out / groups, kh, kw], got " + Shapes.str(w.shape()));
        if (groups <= 0) throw new IllegalArgumentException(op + ": groups must be positive, got " + groups);
        int[] ws = w.shape();
        int channels = x.size(batched ? 1 : 0);
        if (channels != ws[0]) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape()) + " has " + channels + " channels, weight "
                    + Shapes.str(ws) + " expects " + ws[0]);
        }
        if (ws[0] % groups != 0) {
            throw new IllegalArgumentException(op + ": weight " + Shapes.str(ws) + " has " + ws[0] + " input channels, which groups="
                    + groups + " does not divide");
        }
        checkBias(op, b, ws[1] * groups, ws);
        checkDtypes(op, x, w, b);
        int[] s = perDim(op, "stride", stride, 2), p = perDim(op, "padding", padding, 2);
        int[] op2 = perDim(op, "outputPadding", outputPadding, 2), d = perDim(op, "dilation", dilation, 2);
        Tensor xi = batched ? x : x.unsqueeze(0);
        int[] out = new int[2];
        for (int i = 0; i < 2; i++) {
            if (s[i] <= 0 || d[i] <= 0 || p[i] < 0 || op2[i] < 0) {
                throw new IllegalArgumentException(op + ": stride " + Arrays.toString(s) + " and dilation " + Arrays.toString(d)
                        + " must be positive, padding " + Arrays.toString(p) + " and outputPadding " + Arrays.toString(op2) + " non-negative");
            }
            if (op2[i] >= Math.max(s[i], d[i])) {
                throw new IllegalArgumentException(op + ": outputPadding " + Arrays.toString(op2) + " must be smaller than stride "
                        + Arrays.toString(s) + " or dilation " + Arrays.toString(d));
            }
            out[i] = (xi.size(2 + i) - 1) * s[i] - 2 * p[i] + d[i] * (ws[2 + i] - 1) + op2[i] + 1;
            if (out[i] <= 0) {
                throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape()) + " with weight " + Shapes.str(ws)
                        + ", stride " + Arrays.toString(s) + " and padding " + Arrays.toString(p) + " gives an empty output");
            }
        }
        Tensor y = ConvOps.convTranspose2d(xi, w, b, new ConvParams(s[0], s[1], p[0], p[1], d[0], d[1], groups), out[0], out[1]);
        return batched ? y : y.squeeze(0);
    }

    private static void checkBias(String op, Tensor b, int channels, int[] ws) {
        if (b != null && (b.dim() != 1 || b.size(0) != channels)) {
            throw new IllegalArgumentException(op + ": bias " + Shapes.str(b.shape()) + " does not fit weight " + Shapes.str(ws)
                    + ": it must be [" + channels + "]");
        }
    }

    private static void checkDtypes(String op, Tensor x, Tensor w, Tensor b) {
        if (!x.dtype().isFloatingPoint()) throw new IllegalArgumentException(op + ": needs a floating point input, got " + x.dtype());
        if (w.dtype() != x.dtype() || (b != null && b.dtype() != x.dtype())) {
            throw new IllegalArgumentException(op + ": input, weight and bias must share a dtype, got " + x.dtype() + ", " + w.dtype()
                    + (b == null ? "" : " and " + b.dtype()) + "; convert with to(DType)");
        }
    }
}
