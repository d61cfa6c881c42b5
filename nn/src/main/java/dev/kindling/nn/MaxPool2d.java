package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * 2-D max pooling (see {@link F#maxPool2d(Tensor, int[], int[], int[], int[], boolean)}): the max of each
 * kernel window, windows {@code stride} apart (default: the kernel size), over an input padded with
 * -inf; [N, C, H, W] -> [N, C, oh, ow]. The gradient goes to each window's maximum, found again from
 * the indices saved in forward. Java has no tuple return, so {@link #forward} gives the values and
 * {@link #forwardWithIndices} the values and the argmax positions (what returnIndices=True returns in PyTorch).
 * <pre>{@code
 * MaxPool2d pool = new MaxPool2d(2);                  // MaxPool2d(kernel=2)
 * Tensor y = pool.forward(x);                         // [64, 6, 24, 24] -> [64, 6, 12, 12]
 * }</pre>
 */
public class MaxPool2d extends Module {
    private final int[] kernelSize, stride, padding, dilation;
    public final boolean returnIndices, ceilMode;

    public MaxPool2d(int kernelSize) { this(kernelSize, kernelSize, 0); }

    public MaxPool2d(int kernelSize, int stride) { this(kernelSize, stride, 0); }

    public MaxPool2d(int kernelSize, int stride, int padding) { this(kernelSize, stride, padding, 1, false, false); }

    /** PyTorch's argument order: kernel, stride, padding, dilation, returnIndices, ceilMode. */
    public MaxPool2d(int kernelSize, int stride, int padding, int dilation, boolean returnIndices, boolean ceilMode) {
        this(new int[]{kernelSize, kernelSize}, new int[]{stride, stride}, new int[]{padding, padding}, new int[]{dilation, dilation},
                returnIndices, ceilMode);
    }

    /** Per-dim sizes (height, width); stride null means the kernel size. */
    public MaxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean returnIndices, boolean ceilMode) {
        this.kernelSize = kernelSize.clone();
        this.stride = stride == null ? kernelSize.clone() : stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.returnIndices = returnIndices;
        this.ceilMode = ceilMode;
        if (this.kernelSize.length != 2 || this.stride.length != 2 || this.padding.length != 2 || this.dilation.length != 2) {
            throw new IllegalArgumentException("MaxPool2d: kernel, stride, padding and dilation need 2 values each");
        }
    }

    @Override
    public Tensor forward(Tensor x) { return forwardWithIndices(x).values(); }

    /** The pooled values and the flat position iy * W + ix of each maximum in its input plane (int64). */
    public Tensor.ValuesIndices forwardWithIndices(Tensor x) {
        return F.maxPool2dWithIndices(x, kernelSize, stride, padding, dilation, ceilMode);
    }

    public int[] kernelSize() { return kernelSize.clone(); }

    public int[] stride() { return stride.clone(); }

    public int[] padding() { return padding.clone(); }

    public int[] dilation() { return dilation.clone(); }

    @Override
    protected String describe() {
        return "MaxPool2d(kernel=" + ConvNd.str(kernelSize) + (java.util.Arrays.equals(stride, kernelSize) ? "" : ", stride=" + ConvNd.str(stride))
                + (padding[0] == 0 && padding[1] == 0 ? "" : ", padding=" + ConvNd.str(padding))
                + (dilation[0] == 1 && dilation[1] == 1 ? "" : ", dilation=" + ConvNd.str(dilation))
                + (returnIndices ? ", returnIndices=true" : "") + (ceilMode ? ", ceilMode=true" : "") + ")";
    }
}
