package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * Resizes [N, C, L] or [N, C, H, W] to a fixed size or by a scale factor (see
 * {@link F#interpolate(Tensor, int[], double[], String, Boolean)}), mode "nearest" (default), "linear",
 * "bilinear" or "area".
 * <pre>{@code
 * Upsample up = new Upsample(2.0, "bilinear", false);   // Upsample(scaleFactor=2.0, mode=bilinear)
 * Tensor y = up.forward(x);                             // [4, 8, 14, 14] -> [4, 8, 28, 28]
 * }</pre>
 */
public class Upsample extends Module {
    private final int[] size;
    private final double[] scaleFactor;
    public final String mode;
    /** Null: PyTorch's default (false). */
    public final Boolean alignCorners;

    /** To a fixed size, nearest neighbour. */
    public Upsample(int[] size) { this(size, null, "nearest", null); }

    public Upsample(int[] size, String mode) { this(size, null, mode, null); }

    /** By a scale factor, nearest neighbour. */
    public Upsample(double scaleFactor) { this(null, new double[]{scaleFactor}, "nearest", null); }

    public Upsample(double scaleFactor, String mode) { this(null, new double[]{scaleFactor}, mode, null); }

    public Upsample(double scaleFactor, String mode, boolean alignCorners) { this(null, new double[]{scaleFactor}, mode, alignCorners); }

    /** PyTorch's argument order; exactly one of size and scaleFactor is non-null. */
    public Upsample(int[] size, double[] scaleFactor, String mode, Boolean alignCorners) {
        if ((size == null) == (scaleFactor == null)) throw new IllegalArgumentException("Upsample: give exactly one of size and scaleFactor");
        this.size = size == null ? null : size.clone();
        this.scaleFactor = scaleFactor == null ? null : scaleFactor.clone();
        this.mode = mode;
        this.alignCorners = alignCorners;
    }

    @Override
    public Tensor forward(Tensor x) { return F.interpolate(x, size, scaleFactor, mode, alignCorners); }

    @Override
    protected String describe() {
        String what = size != null ? "size=" + java.util.Arrays.toString(size)
                : "scaleFactor=" + (scaleFactor.length == 1 ? Double.toString(scaleFactor[0]) : java.util.Arrays.toString(scaleFactor));
        return "Upsample(" + what + ", mode=" + mode + (alignCorners != null && alignCorners ? ", alignCorners=true" : "") + ")";
    }
}
