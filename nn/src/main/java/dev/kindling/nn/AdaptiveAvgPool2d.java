package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * Averages each plane down to a fixed size whatever the input size (see {@link F#adaptiveAvgPool2d(Tensor, int[])}):
 * [N, C, H, W] -> [N, C, oh, ow]. With output size 1 it is global average pooling.
 * <pre>{@code
 * AdaptiveAvgPool2d gap = new AdaptiveAvgPool2d(1);   // AdaptiveAvgPool2d(1)
 * Tensor y = gap.forward(x);                          // [8, 512, 7, 7] -> [8, 512, 1, 1]
 * }</pre>
 */
public class AdaptiveAvgPool2d extends Module {
    private final int[] outputSize;

    public AdaptiveAvgPool2d(int outputSize) { this(new int[]{outputSize, outputSize}); }

    /** (oh, ow). */
    public AdaptiveAvgPool2d(int[] outputSize) {
        if (outputSize.length != 2 || outputSize[0] <= 0 || outputSize[1] <= 0) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d: outputSize needs 2 positive values, got "
                    + java.util.Arrays.toString(outputSize));
        }
        this.outputSize = outputSize.clone();
    }

    @Override
    public Tensor forward(Tensor x) { return F.adaptiveAvgPool2d(x, outputSize); }

    public int[] outputSize() { return outputSize.clone(); }

    @Override
    protected String describe() { return "AdaptiveAvgPool2d(" + ConvNd.str(outputSize) + ")"; }
}
