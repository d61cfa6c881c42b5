package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * 2-D average pooling (see {@link F#avgPool2d(Tensor, int[], int[], int[], boolean, boolean, Integer)}):
 * the mean of each zero-padded kernel window, windows {@code stride} apart (default: the kernel size).
 * The divisor counts the padding (countIncludePad, the default) or not, or is divisorOverride when set.
 * <pre>{@code
 * AvgPool2d pool = new AvgPool2d(2);                  // AvgPool2d(kernel=2)
 * Tensor y = pool.forward(x);                         // [8, 16, 32, 32] -> [8, 16, 16, 16]
 * }</pre>
 */
public class AvgPool2d extends Module {
    private final int[] kernelSize, stride, padding;
    public final boolean ceilMode, countIncludePad;
    /** Null: divide by the window size. */
    public final Integer divisorOverride;

    public AvgPool2d(int kernelSize) { this(kernelSize, kernelSize, 0); }

    public AvgPool2d(int kernelSize, int stride) { this(kernelSize, stride, 0); }

    public AvgPool2d(int kernelSize, int stride, int padding) { this(kernelSize, stride, padding, false, true, null); }

    /** PyTorch's argument order: kernel, stride, padding, ceilMode, countIncludePad, divisorOverride. */
    public AvgPool2d(int kernelSize, int stride, int padding, boolean ceilMode, boolean countIncludePad, Integer divisorOverride) {
        this(new int[]{kernelSize, kernelSize}, new int[]{stride, stride}, new int[]{padding, padding}, ceilMode, countIncludePad,
                divisorOverride);
    }

    /** Per-dim sizes (height, width); stride null means the kernel size. */
    public AvgPool2d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad, Integer divisorOverride) {
        this.kernelSize = kernelSize.clone();
        this.stride = stride == null ? kernelSize.clone() : stride.clone();
        this.padding = padding.clone();
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        this.divisorOverride = divisorOverride;
        if (this.kernelSize.length != 2 || this.stride.length != 2 || this.padding.length != 2) {
            throw new IllegalArgumentException("AvgPool2d: kernel, stride and padding need 2 values each");
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.avgPool2d(x, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    public int[] kernelSize() { return kernelSize.clone(); }

    public int[] stride() { return stride.clone(); }

    public int[] padding() { return padding.clone(); }

    @Override
    protected String describe() {
        return "AvgPool2d(kernel=" + ConvNd.str(kernelSize) + (java.util.Arrays.equals(stride, kernelSize) ? "" : ", stride=" + ConvNd.str(stride))
                + (padding[0] == 0 && padding[1] == 0 ? "" : ", padding=" + ConvNd.str(padding)) + (ceilMode ? ", ceilMode=true" : "")
                + (countIncludePad ? "" : ", countIncludePad=false") + (divisorOverride == null ? "" : ", divisorOverride=" + divisorOverride)
                + ")";
    }
}
