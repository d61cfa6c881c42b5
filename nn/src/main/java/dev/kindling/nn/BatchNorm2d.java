package dev.kindling.nn;

/**
 * Batch normalisation of feature maps [N, C, H, W]: each channel is normalised over the batch and
 * every position (see {@link BatchNorm} for the statistics, parameters and buffers), as torch.nn.BatchNorm2d.
 * <pre>{@code
 * BatchNorm2d bn = new BatchNorm2d(16);     // after a Conv2d(_, 16, _)
 * Tensor y = bn.forward(x);                 // [8, 16, 32, 32], zero mean and unit variance per channel in training
 * }</pre>
 */
public class BatchNorm2d extends BatchNorm {
    public BatchNorm2d(int numFeatures) { this(numFeatures, 1e-5, 0.1, true, true); }

    public BatchNorm2d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    protected boolean acceptsRank(int rank) { return rank == 4; }

    @Override
    protected String expectedShapes(int channels) { return "[N, " + channels + ", H, W]"; }
}
