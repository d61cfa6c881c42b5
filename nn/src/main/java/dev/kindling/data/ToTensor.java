package dev.kindling.data;

import dev.kindling.autograd.Tensor;

/**
 * An 8-bit {@link Image} ({@code H x W x C}, values 0..255) to a float32 tensor {@code [C, H, W]} with
 * values {@code pixel / 255} in [0, 1], as torchvision's {@code ToTensor}.
 * <pre>{@code
 * Tensor x = new ToTensor().apply(mnist.image(0));   // [1, 28, 28]
 * }</pre>
 */
public final class ToTensor implements Transform<Image, Tensor> {
    /** 1/255 of every byte value, so the conversion is a table look-up per pixel. */
    private static final float[] SCALED = new float[256];

    static {
        for (int i = 0; i < 256; i++) SCALED[i] = i / 255f;
    }

    @Override
    public Tensor apply(Image image) {
        if (image == null) throw new IllegalArgumentException("ToTensor: the image is null");
        int h = image.height(), w = image.width(), c = image.channels();
        byte[] px = image.pixels();
        float[] out = new float[px.length];
        int plane = h * w;
        for (int p = 0; p < plane; p++) {
            for (int ch = 0; ch < c; ch++) out[ch * plane + p] = SCALED[px[p * c + ch] & 0xFF];
        }
        return Tensor.of(out, c, h, w);
    }

    /** Bytes to floats in [0, 1], element by element: the whole-split fast path of the datasets. */
    static float[] scale(byte[] bytes, int from, int length) {
        float[] out = new float[length];
        for (int i = 0; i < length; i++) out[i] = SCALED[bytes[from + i] & 0xFF];
        return out;
    }

    @Override
    public String toString() { return "ToTensor()"; }
}
