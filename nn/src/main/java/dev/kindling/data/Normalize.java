package dev.kindling.data;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.Shapes;
import java.util.Arrays;

/**
 * Per-channel standardisation of an image tensor {@code [..., C, H, W]}, as torchvision's {@code Normalize}:
 * {@code out[..., c, :, :] = (x[..., c, :, :] - mean[c]) / std[c]}. One value (for any number of
 * channels) or one per channel. Works on one image or a whole batch; the shape is kept.
 * <pre>{@code
 * Normalize n = new Normalize(new double[]{0.1307}, new double[]{0.3081});   // MNIST's statistics
 * Tensor y = n.apply(images);                                                  // [60000, 1, 28, 28]
 * }</pre>
 */
public final class Normalize implements Transform<Tensor, Tensor> {
    private final double[] mean, std;
    /** mean and std as [C, 1, 1], so they broadcast over the channels of any [..., C, H, W]. */
    private final Tensor meanT, stdT;

    public Normalize(double[] mean, double[] std) {
        if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("Normalize: mean and std need the same, non-zero number of values, got "
                    + (mean == null ? "null" : mean.length) + " and " + (std == null ? "null" : std.length));
        }
        for (int c = 0; c < std.length; c++) {
            if (std[c] == 0) throw new IllegalArgumentException("Normalize: std[" + c + "] is 0, which would divide by zero");
        }
        this.mean = mean.clone();
        this.std = std.clone();
        float[] m = new float[mean.length], s = new float[std.length];
        for (int c = 0; c < m.length; c++) {
            m[c] = (float) mean[c];
            s[c] = (float) std[c];
        }
        this.meanT = Tensor.of(m, m.length, 1, 1);
        this.stdT = Tensor.of(s, s.length, 1, 1);
    }

    @Override
    public Tensor apply(Tensor x) {
        if (x.dim() < 3) {
            throw new IllegalArgumentException("Normalize: expects an image tensor [..., C, H, W], got " + Shapes.str(x.shape()));
        }
        int channels = x.size(x.dim() - 3);
        if (mean.length != 1 && mean.length != channels) {
            throw new IllegalArgumentException("Normalize: input " + Shapes.str(x.shape()) + " has " + channels
                    + " channels, but mean and std have " + mean.length + " values (give 1 or " + channels + ")");
        }
        return x.sub(meanT).div(stdT);
    }

    @Override
    public String toString() { return "Normalize(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")"; }
}
