package dev.kindling.data;

import dev.kindling.Random;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.Shapes;

/**
 * Crops a random {@code height x width} window out of an image tensor {@code [..., H, W]} after padding
 * each border with {@code padding} zeros, as torchvision's {@code RandomCrop(size, padding)} does: the
 * window's top-left corner is uniform over every position that fits in the padded image. Leading dims
 * (channels, a batch) share one window. Positions come from {@link Random}'s global generator, so
 * {@code Random.manualSeed} makes them reproducible.
 * <pre>{@code
 * Tensor y = new RandomCrop(28, 4).apply(x);   // [1, 28, 28] -> [1, 28, 28], shifted by up to 4 pixels
 * }</pre>
 */
public final class RandomCrop implements Transform<Tensor, Tensor> {
    private final int height, width, padding;

    /** A square {@code size x size} crop with no padding. */
    public RandomCrop(int size) { this(size, size, 0); }

    /** A square {@code size x size} crop of the image padded by {@code padding} zeros on every side. */
    public RandomCrop(int size, int padding) { this(size, size, padding); }

    public RandomCrop(int height, int width, int padding) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("RandomCrop: the size must be positive, got " + height + " x " + width);
        }
        if (padding < 0) throw new IllegalArgumentException("RandomCrop: padding must be >= 0, got " + padding);
        this.height = height;
        this.width = width;
        this.padding = padding;
    }

    @Override
    public Tensor apply(Tensor x) {
        if (x.dim() < 2) throw new IllegalArgumentException("RandomCrop: expects an image tensor [..., H, W], got " + Shapes.str(x.shape()));
        int dh = x.dim() - 2, dw = x.dim() - 1;
        int h = x.size(dh), w = x.size(dw), ph = h + 2 * padding, pw = w + 2 * padding;
        if (height > ph || width > pw) {
            throw new IllegalArgumentException("RandomCrop: a " + height + " x " + width + " crop does not fit in input "
                    + Shapes.str(x.shape()) + " padded by " + padding + " (" + ph + " x " + pw + ")");
        }
        int top = (int) Random.defaultGenerator().nextLong(0, ph - height + 1);
        int left = (int) Random.defaultGenerator().nextLong(0, pw - width + 1);
        int[] shape = x.shape();
        shape[dh] = height;
        shape[dw] = width;
        Tensor out = Tensor.zeros(x.dtype(), shape);
        // Only the part of the window that overlaps the unpadded image is copied; the rest stays zero,
        // so the padded image is never built.
        int y0 = Math.max(top, padding), y1 = Math.min(top + height, padding + h);
        int x0 = Math.max(left, padding), x1 = Math.min(left + width, padding + w);
        if (y1 > y0 && x1 > x0) {
            out.narrow(dh, y0 - top, y1 - y0).narrow(dw, x0 - left, x1 - x0)
                    .copy_(x.narrow(dh, y0 - padding, y1 - y0).narrow(dw, x0 - padding, x1 - x0));
        }
        return out;
    }

    @Override
    public String toString() {
        return "RandomCrop(size=" + (height == width ? "" + height : height + " x " + width) + ", padding=" + padding + ")";
    }
}
