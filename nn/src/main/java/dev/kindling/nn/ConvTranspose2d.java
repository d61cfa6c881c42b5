package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;
import dev.kindling.tensor.Shapes;

/**
 * Transposed 2-D convolution (see {@link F#convTranspose2d(Tensor, Tensor, Tensor, int[], int[], int[], int, int[])}),
 * the gradient of a convolution with respect to its input, used to upsample: input [N, inChannels, H, W],
 * output [N, outChannels, (H - 1) stride - 2 padding + dilation (kernel - 1) + outputPadding + 1, ...].
 * Weight [in, out / groups, kh, kw] and bias [out] under PyTorch's names; initialised as PyTorch does,
 * with fanIn = weight.size(1) * kernel elements.
 * <pre>{@code
 * ConvTranspose2d up = new ConvTranspose2d(16, 8, 3, 2, 1, 1, 1, true, 1);   // doubles H and W
 * Tensor y = up.forward(x);                                                   // [4, 16, 14, 14] -> [4, 8, 28, 28]
 * }</pre>
 */
public class ConvTranspose2d extends ConvNd {
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize) { this(inChannels, outChannels, kernelSize, 1, 0); }

    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride) {
        this(inChannels, outChannels, kernelSize, stride, 0);
    }

    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, 0, 1, true, 1);
    }

    /** PyTorch's argument order: ..., outputPadding, groups, bias, dilation. */
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int outputPadding, int groups,
                           boolean bias, int dilation) {
        this(inChannels, outChannels, repeat(kernelSize, 2), repeat(stride, 2), repeat(padding, 2), repeat(outputPadding, 2), groups,
                bias, repeat(dilation, 2));
    }

    public ConvTranspose2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] outputPadding,
                           int groups, boolean bias, int[] dilation) {
        super(2, inChannels, outChannels, kernelSize, stride, padding, null, dilation, groups, bias, true, outputPadding);
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.convTranspose2d(x, weight, bias, stride(), padding(), outputPadding(), groups, dilation());
    }

    /**
     * As {@link #forward(Tensor)} but with the output's spatial size (oh, ow) chosen among those a strided
     * convolution maps back to the input's size, as PyTorch's {@code forward(x, output_size)}: the output
     * padding is derived from it.
     */
    public Tensor forward(Tensor x, int[] outputSize) {
        if (x.dim() < 3 || outputSize.length != 2) {
            throw new IllegalArgumentException("ConvTranspose2d: expects input [N, C, H, W] and outputSize (oh, ow), got "
                    + Shapes.str(x.shape()) + " and " + java.util.Arrays.toString(outputSize));
        }
        int[] s = stride(), p = padding(), d = dilation(), k = kernelSize(), extra = new int[2];
        for (int i = 0; i < 2; i++) {
            int in = x.size(x.dim() - 2 + i);
            int min = (in - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1;
            extra[i] = outputSize[i] - min;
            if (extra[i] < 0 || extra[i] >= Math.max(s[i], d[i])) {
                throw new IllegalArgumentException("ConvTranspose2d: outputSize " + java.util.Arrays.toString(outputSize) + " is not reachable"
                        + " from input " + Shapes.str(x.shape()) + ": dim " + i + " must be in [" + min + ", "
                        + (min + Math.max(s[i], d[i]) - 1) + "]");
            }
        }
        return F.convTranspose2d(x, weight, bias, s, p, extra, groups, d);
    }
}
