package dev.kindling.nn.functional;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Shapes;

/**
 * Functional forms of the layers, activations and losses (torch.nn.functional): stateless static
 * methods on tensors, differentiable through autograd.
 * <pre>{@code
 * Tensor h = F.relu(F.linear(x, w1, b1));
 * Tensor loss = F.crossEntropy(F.linear(h, w2, b2), labels);
 * }</pre>
 */
public final class F {
    private F() {}

    // ------------------------------------------------------------------ linear layers

    /** x W^T + b for x [..., in], W [out, in], b [out] (or null): the output is [..., out]. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("linear: weight must be [out, in], got " + Shapes.str(weight.shape()));
        }
        if (x.dim() == 0 || x.shape()[x.dim() - 1] != weight.shape()[1]) {
            throw new IllegalArgumentException("linear: input " + Shapes.str(x.shape()) + " does not fit weight "
                    + Shapes.str(weight.shape()) + ": the input's last dim must be " + weight.shape()[1]);
        }
        if (bias != null && (bias.dim() != 1 || bias.shape()[0] != weight.shape()[0])) {
            throw new IllegalArgumentException("linear: bias " + Shapes.str(bias.shape()) + " does not fit weight "
                    + Shapes.str(weight.shape()) + ": it must be [" + weight.shape()[0] + "]");
        }
        Tensor y = x.matmul(weight.t());
        return bias == null ? y : y.add(bias);
    }

    public static Tensor linear(Tensor x, Tensor weight) { return linear(x, weight, null); }

    // ------------------------------------------------------------------ activations

    public static Tensor relu(Tensor x) { return x.relu(); }

    /** x for x > 0, else slope * x (PyTorch's default slope 0.01). */
    public static Tensor leakyRelu(Tensor x, double negativeSlope) {
        return Tensor.where(x.gt(0.0), x, x.mul(negativeSlope));
    }

    public static Tensor leakyRelu(Tensor x) { return leakyRelu(x, 0.01); }

    /** x for x > 0, else alpha (e^x - 1). */
    public static Tensor elu(Tensor x, double alpha) {
        // exp of the clamped input: exp of a large positive x in the unused branch would be inf, and inf * 0 in backward is NaN.
        return Tensor.where(x.gt(0.0), x, x.clampMax(0).exp().sub(1.0).mul(alpha));
    }

    public static Tensor elu(Tensor x) { return elu(x, 1.0); }

    /** The exact GELU, x * Phi(x) = x/2 (1 + erf(x / sqrt 2)). */
    public static Tensor gelu(Tensor x) { return gelu(x, "none"); }

    /** approximate "none" (erf) or "tanh": x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static Tensor gelu(Tensor x, String approximate) {
        switch (approximate) {
            case "none": return x.mul(x.mul(1 / Math.sqrt(2)).erf().add(1.0)).mul(0.5);
            case "tanh": {
                Tensor inner = x.add(x.pow(3.0).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
                return x.mul(inner.tanh().add(1.0)).mul(0.5);
            }
            default: throw new IllegalArgumentException("gelu: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
        }
    }

    /** x * sigmoid(x) (also called swish). */
    public static Tensor silu(Tensor x) { return x.mul(x.sigmoid()); }

    public static Tensor sigmoid(Tensor x) { return x.sigmoid(); }

    public static Tensor tanh(Tensor x) { return x.tanh(); }

    public static Tensor softmax(Tensor x, int dim) { return x.softmax(dim); }

    public static Tensor logSoftmax(Tensor x, int dim) { return x.logSoftmax(dim); }

    /**
     * log(1 + e^(beta x)) / beta, computed as relu(x) + log1p(e^(-beta |x|)) / beta so it never overflows
     * (PyTorch switches to x above {@code threshold}; the two agree to 1e-9 there).
     */
    public static Tensor softplus(Tensor x, double beta, double threshold) {
        Tensor smooth = x.abs().mul(-beta).exp().log1p().div(beta);
        return Tensor.where(x.mul(beta).gt(threshold), x, x.relu().add(smooth));
    }

    public static Tensor softplus(Tensor x) { return softplus(x, 1, 20); }

    /** Clamps to [minVal, maxVal] (default [-1, 1]). */
    public static Tensor hardtanh(Tensor x, double minVal, double maxVal) { return x.clamp(minVal, maxVal); }

    public static Tensor hardtanh(Tensor x) { return hardtanh(x, -1, 1); }

    /**
     * x for x > 0, else weight * x, with one weight shared by all channels or one per channel
     * (dim 1 of the input, as PyTorch).
     */
    public static Tensor prelu(Tensor x, Tensor weight) {
        Tensor w = weight;
        if (weight.numel() > 1) {
            if (x.dim() < 2 || x.shape()[1] != weight.numel()) {
                throw new IllegalArgumentException("prelu: " + weight.numel() + " weights need an input with " + weight.numel()
                        + " channels in dim 1, got " + Shapes.str(x.shape()));
            }
            int[] s = new int[x.dim()];
            java.util.Arrays.fill(s, 1);
            s[1] = (int) weight.numel();
            w = weight.reshape(s);
        }
        return Tensor.where(x.gt(0.0), x, x.mul(w));
    }

    // ------------------------------------------------------------------ regularisation

    /**
     * Inverted dropout: in training, zeroes each element with probability p and scales the rest by
     * 1/(1-p), so evaluation needs no rescaling; outside training it returns x.
     */
    public static Tensor dropout(Tensor x, double p, boolean training) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
        if (!training || p == 0) return x;
        if (p == 1) return x.mul(0.0);
        Tensor keep = Tensor.bernoulli(Tensor.full(1 - p, x.dtype().isFloatingPoint() ? x.dtype() : DType.FLOAT32, x.shape()));
        return x.mul(keep).div(1 - p);
    }

    public static Tensor dropout(Tensor x, double p) { return dropout(x, p, true); }
}
