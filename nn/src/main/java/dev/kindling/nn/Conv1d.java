package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * 1-D convolution (see {@link F#conv1d(Tensor, Tensor, Tensor, int, int, int, int)}): input
 * [N, inChannels, L] (or unbatched [inChannels, L]), output [N, outChannels, (L + 2 padding - dilation (k - 1) - 1) / stride + 1].
 * Weight [out, in / groups, k] and bias [out] under PyTorch's names and initialisation.
 * <pre>{@code
 * Conv1d conv = new Conv1d(4, 16, 5, 1, "same");      // Conv1d(4 => 16, kernel=5, padding=same)
 * Tensor y = conv.forward(x);                         // [8, 4, 100] -> [8, 16, 100]
 * }</pre>
 */
public class Conv1d extends ConvNd {
    public Conv1d(int inChannels, int outChannels, int kernelSize) { this(inChannels, outChannels, kernelSize, 1, 0); }

    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride) { this(inChannels, outChannels, kernelSize, stride, 0); }

    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, 1, 1, true);
    }

    /** padding "same" (stride 1 only) or "valid". */
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, String padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, 1, 1, true);
    }

    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups, boolean bias) {
        super(1, inChannels, outChannels, new int[]{kernelSize}, new int[]{stride}, new int[]{padding}, null, new int[]{dilation},
                groups, bias, false, new int[1]);
    }

    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, String padding, int dilation, int groups, boolean bias) {
        super(1, inChannels, outChannels, new int[]{kernelSize}, new int[]{stride}, new int[1], padding, new int[]{dilation},
                groups, bias, false, new int[1]);
    }

    @Override
    public Tensor forward(Tensor x) {
        int s = stride()[0], d = dilation()[0];
        return paddingName() != null ? F.conv1d(x, weight, bias, s, paddingName(), d, groups)
                : F.conv1d(x, weight, bias, s, padding()[0], d, groups);
    }
}
