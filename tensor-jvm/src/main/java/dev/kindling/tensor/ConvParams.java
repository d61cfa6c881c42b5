package dev.kindling.tensor;

/**
 * The geometry of a 2-D convolution apart from its kernel (which the weight's shape gives): stride,
 * zero padding on both sides, dilation (the spacing of kernel taps) and groups (input and output
 * channels split into {@code groups} independent convolutions). Along one axis the output size is
 * {@code (in + 2 pad - dilation (k - 1) - 1) / stride + 1}.
 */
public record ConvParams(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {
    public ConvParams {
        if (strideH <= 0 || strideW <= 0 || dilationH <= 0 || dilationW <= 0 || groups <= 0 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d: stride (" + strideH + ", " + strideW + "), dilation (" + dilationH + ", "
                    + dilationW + ") and groups (" + groups + ") must be positive and padding (" + padH + ", " + padW
                    + ") non-negative");
        }
    }

    /** Stride 1, no padding, no dilation, one group. */
    public static final ConvParams DEFAULT = new ConvParams(1, 1, 0, 0, 1, 1, 1);

    /** The same stride, padding and dilation on both axes. */
    public static ConvParams of(int stride, int padding, int dilation, int groups) {
        return new ConvParams(stride, stride, padding, padding, dilation, dilation, groups);
    }

    public int outH(int h, int kh) { return NDArray.convOut("conv2d", h, kh, strideH, padH, dilationH); }

    public int outW(int w, int kw) { return NDArray.convOut("conv2d", w, kw, strideW, padW, dilationW); }

    @Override
    public String toString() {
        return "stride=(" + strideH + ", " + strideW + "), padding=(" + padH + ", " + padW + "), dilation=(" + dilationH + ", "
                + dilationW + "), groups=" + groups;
    }
}
