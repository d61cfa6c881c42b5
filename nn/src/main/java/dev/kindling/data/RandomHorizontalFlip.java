package dev.kindling.data;

import dev.kindling.Random;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.Shapes;

/**
 * Mirrors an image tensor {@code [..., H, W]} left to right with probability {@code p} (torchvision's
 * {@code RandomHorizontalFlip}, default p = 0.5): {@code out[..., y, x] = in[..., y, W - 1 - x]}. The coin
 * comes from {@link Random}'s global generator, so {@code Random.manualSeed} makes it reproducible.
 * <pre>{@code
 * Tensor y = new RandomHorizontalFlip().apply(x);   // x or x mirrored, 50:50
 * }</pre>
 */
public final class RandomHorizontalFlip implements Transform<Tensor, Tensor> {
    private final double p;

    public RandomHorizontalFlip() { this(0.5); }

    public RandomHorizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("RandomHorizontalFlip: p must be in [0, 1], got " + p);
        this.p = p;
    }

    @Override
    public Tensor apply(Tensor x) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException("RandomHorizontalFlip: expects an image tensor [..., H, W], got " + Shapes.str(x.shape()));
        }
        if (!(Random.defaultGenerator().nextDouble() < p)) return x;
        int w = x.size(x.dim() - 1);
        long[] reversed = new long[w];
        for (int i = 0; i < w; i++) reversed[i] = w - 1 - i;
        return x.indexSelect(x.dim() - 1, Tensor.of(reversed));
    }

    @Override
    public String toString() { return "RandomHorizontalFlip(p=" + p + ")"; }
}
