package dev.kindling.samples;

import dev.kindling.autograd.Tensor;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * Pairs of grey images side by side in a grid, written as PNG: each cell is an original followed by its
 * reconstruction, {@code perRow} pairs to a row, every pixel drawn as a {@link #SCALE} x {@link #SCALE}
 * block, {@link #GAP} white pixels between pairs and around the edge. Values are clamped to [0, 1] and
 * drawn white-on-black as MNIST is stored: 0 black, 1 white.
 */
final class ImageGrid {
    static final int SCALE = 2, GAP = 4;

    private ImageGrid() {}

    /** The grid of {@code originals[i]} beside {@code reconstructions[i]}, both [n, h, w] (or [n, 1, h, w]) in [0, 1]. */
    static BufferedImage pairs(Tensor originals, Tensor reconstructions, int perRow) {
        int[] s = originals.shape();
        if (!Arrays.equals(s, reconstructions.shape()) || s.length < 3) {
            throw new IllegalArgumentException("ImageGrid.pairs: originals " + Arrays.toString(s) + " and reconstructions "
                    + Arrays.toString(reconstructions.shape()) + " must both be [n, h, w] or [n, 1, h, w]");
        }
        int n = s[0], h = s[s.length - 2], w = s[s.length - 1], rows = (n + perRow - 1) / perRow;
        float[] a = originals.contiguous().toFloatArray(), b = reconstructions.contiguous().toFloatArray();
        BufferedImage img = new BufferedImage(width(Math.min(n, perRow), w), height(rows, h), BufferedImage.TYPE_BYTE_GRAY);
        fill(img, 255);
        for (int i = 0; i < n; i++) {
            int x0 = GAP + (i % perRow) * (2 * w * SCALE + GAP), y0 = GAP + (i / perRow) * (h * SCALE + GAP);
            draw(img, a, i * h * w, h, w, x0, y0);
            draw(img, b, i * h * w, h, w, x0 + w * SCALE, y0);
        }
        return img;
    }

    /** Pixel width of a grid with {@code pairs} pairs of {@code w}-wide images to a row. */
    static int width(int pairs, int w) { return pairs * 2 * w * SCALE + (pairs + 1) * GAP; }

    /** Pixel height of a grid of {@code rows} rows of {@code h}-high images. */
    static int height(int rows, int h) { return rows * h * SCALE + (rows + 1) * GAP; }

    /** The grey level a value in [0, 1] is drawn with. */
    static int grey(float v) { return Math.round(255 * Math.max(0f, Math.min(1f, v))); }

    /** Writes {@code img} as PNG to {@code file} (its directory is created); returns the absolute path. */
    static Path write(BufferedImage img, Path file) {
        try {
            Path abs = file.toAbsolutePath();
            if (abs.getParent() != null) Files.createDirectories(abs.getParent());
            if (!ImageIO.write(img, "png", abs.toFile())) throw new IOException("no PNG writer in this JVM");
            return abs;
        } catch (IOException e) {
            throw new UncheckedIOException("ImageGrid: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void draw(BufferedImage img, float[] data, int offset, int h, int w, int x0, int y0) {
        // The raster's samples are the grey levels themselves; setRGB would convert through the grey colour
        // space's gamma and shift them.
        WritableRaster raster = img.getRaster();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int g = grey(data[offset + y * w + x]);
                for (int dy = 0; dy < SCALE; dy++) for (int dx = 0; dx < SCALE; dx++) raster.setSample(x0 + x * SCALE + dx, y0 + y * SCALE + dy, 0, g);
            }
        }
    }

    private static void fill(BufferedImage img, int g) {
        WritableRaster raster = img.getRaster();
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) raster.setSample(x, y, 0, g);
    }
}
