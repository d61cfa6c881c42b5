package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * 1-D max pooling (see {@link F#maxPool1d(Tensor, int, int, int, int, boolean)}): [N, C, L] -> [N, C, out].
 * {@link #forward} gives the values, {@link #forwardWithIndices} also the argmax positions in L (what
 * returnIndices=True returns in PyTorch).
 * <pre>{@code
 * MaxPool1d pool = new MaxPool1d(3, 2);               // MaxPool1d(kernel=3, stride=2)
 * Tensor y = pool.forward(x);                         // [8, 16, 101] -> [8, 16, 50]
 * }</pre>
 */
public class MaxPool1d extends Module {
    public final int kernelSize, stride, padding, dilation;
    public final boolean returnIndices, ceilMode;

    public MaxPool1d(int kernelSize) { this(kernelSize, kernelSize, 0); }

    public MaxPool1d(int kernelSize, int stride) { this(kernelSize, stride, 0); }

    public MaxPool1d(int kernelSize, int stride, int padding) { this(kernelSize, stride, padding, 1, false, false); }

    /** PyTorch's argument order: kernel, stride, padding, dilation, returnIndices, ceilMode. */
    public MaxPool1d(int kernelSize, int stride, int padding, int dilation, boolean returnIndices, boolean ceilMode) {
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.returnIndices = returnIndices;
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor x) { return forwardWithIndices(x).values(); }

    /** The pooled values and the position in L of each maximum (int64). */
    public Tensor.ValuesIndices forwardWithIndices(Tensor x) {
        return F.maxPool1dWithIndices(x, kernelSize, stride, padding, dilation, ceilMode);
    }

    @Override
    protected String describe() {
        return "MaxPool1d(kernel=" + kernelSize + (stride == kernelSize ? "" : ", stride=" + stride)
                + (padding == 0 ? "" : ", padding=" + padding) + (dilation == 1 ? "" : ", dilation=" + dilation)
                + (returnIndices ? ", returnIndices=true" : "") + (ceilMode ? ", ceilMode=true" : "") + ")";
    }
}
