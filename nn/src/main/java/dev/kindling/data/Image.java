package dev.kindling.data;

import java.util.Arrays;

/**
 * An 8-bit image as files hold it, before it becomes a tensor: {@code height x width x channels} unsigned
 * bytes in row-major HWC order (the layout of a PIL image or a numpy {@code uint8} array). Kindling has no
 * uint8 tensors, so datasets hand out images in this form and {@link ToTensor} turns them into float
 * {@code [C, H, W]} tensors in [0, 1].
 * <pre>{@code
 * Image img = mnist.image(0);              // 28 x 28 x 1
 * int p = img.get(14, 14, 0);              // 0..255
 * Tensor t = new ToTensor().apply(img);    // [1, 28, 28], float32 in [0, 1]
 * }</pre>
 */
public final class Image {
    private final int height, width, channels;
    private final byte[] pixels;

    /** Wraps {@code pixels} (HWC order, not copied); its length must be height * width * channels. */
    public Image(int height, int width, int channels, byte[] pixels) {
        if (height <= 0 || width <= 0 || channels <= 0) {
            throw new IllegalArgumentException("Image: sizes must be positive, got " + height + " x " + width + " x " + channels);
        }
        if (pixels == null || pixels.length != (long) height * width * channels) {
            throw new IllegalArgumentException("Image: " + height + " x " + width + " x " + channels + " needs "
                    + (long) height * width * channels + " bytes, got " + (pixels == null ? "null" : pixels.length));
        }
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.pixels = pixels;
    }

    public int height() { return height; }

    public int width() { return width; }

    public int channels() { return channels; }

    /** The value at row y, column x, channel c, in 0..255. */
    public int get(int y, int x, int c) { return pixels[(y * width + x) * channels + c] & 0xFF; }

    /** The bytes in HWC order (the image's own array, not a copy). */
    public byte[] pixels() { return pixels; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Image i && i.height == height && i.width == width && i.channels == channels
                && Arrays.equals(i.pixels, pixels);
    }

    @Override
    public int hashCode() { return 31 * (31 * (31 * height + width) + channels) + Arrays.hashCode(pixels); }

    @Override
    public String toString() { return "Image(" + height + " x " + width + " x " + channels + ")"; }
}
