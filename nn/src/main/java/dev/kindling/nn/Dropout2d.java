package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * Channel dropout (see {@link F#dropout2d(Tensor, double, boolean)}): in training mode zeroes whole
 * channels of [N, C, H, W] with probability p and scales the rest by 1/(1-p); the identity after
 * {@code eval()}. Neighbouring pixels of a feature map are strongly correlated, so dropping single
 * elements barely regularises a convolutional layer; dropping the whole map does.
 */
public class Dropout2d extends Module {
    public final double p;

    public Dropout2d() { this(0.5); }

    public Dropout2d(double p) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("Dropout2d: p must be in [0, 1], got " + p);
        this.p = p;
    }

    @Override
    public Tensor forward(Tensor x) { return F.dropout2d(x, p, isTraining()); }

    @Override
    protected String describe() { return "Dropout2d(p=" + p + ")"; }
}
