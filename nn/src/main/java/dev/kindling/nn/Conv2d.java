package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * 2-D convolution (see {@link F#conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)}): input
 * [N, inChannels, H, W] (or unbatched [inChannels, H, W]), output [N, outChannels, oh, ow] with
 * oh = (H + 2 padding - dilation (kernel - 1) - 1) / stride + 1. Weight [out, in / groups, kh, kw] and
 * bias [out] under PyTorch's names and initialisation (see {@link ConvNd#resetParameters()}).
 * <pre>{@code
 * Conv2d conv = new Conv2d(1, 6, 5);                  // Conv2d(1 => 6, kernel=5)
 * Tensor y = conv.forward(x);                         // [64, 1, 28, 28] -> [64, 6, 24, 24]
 * Conv2d same = new Conv2d(16, 32, 3, 1, "same");     // keeps H and W
 * }</pre>
 */
public class Conv2d extends ConvNd {
    public Conv2d(int inChannels, int outChannels, int kernelSize) { this(inChannels, outChannels, kernelSize, 1, 0); }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride) { this(inChannels, outChannels, kernelSize, stride, 0); }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, 1, 1, true);
    }

    /** padding "same" (stride 1 only) or "valid". */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, String padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, 1, 1, true);
    }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups, boolean bias) {
        this(inChannels, outChannels, repeat(kernelSize, 2), repeat(stride, 2), repeat(padding, 2), repeat(dilation, 2), groups, bias);
    }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, String padding, int dilation, int groups, boolean bias) {
        this(inChannels, outChannels, repeat(kernelSize, 2), repeat(stride, 2), padding, repeat(dilation, 2), groups, bias);
    }

    /** Per-dim sizes: kernelSize, stride, padding and dilation are each (height, width). */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation, int groups,
                  boolean bias) {
        super(2, inChannels, outChannels, kernelSize, stride, padding, null, dilation, groups, bias, false, new int[2]);
    }

    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, String padding, int[] dilation, int groups,
                  boolean bias) {
        super(2, inChannels, outChannels, kernelSize, stride, new int[2], padding, dilation, groups, bias, false, new int[2]);
    }

    @Override
    public Tensor forward(Tensor x) {
        return paddingName() != null ? F.conv2d(x, weight, bias, stride(), paddingName(), dilation(), groups)
                : F.conv2d(x, weight, bias, stride(), padding(), dilation(), groups);
    }
}
