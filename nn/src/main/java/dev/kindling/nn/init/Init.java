package dev.kindling.nn.init;

import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;

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
}
