package dev.kindling.nn;

/**
 * Batch normalisation over [N, C] or [N, C, L], channels in dim 1 (see {@link BatchNorm} for the
 * statistics, parameters and buffers), as torch.nn.BatchNorm1d.
 */
public class BatchNorm1d extends BatchNorm {
    public BatchNorm1d(int numFeatures) { this(numFeatures, 1e-5, 0.1, true, true); }

    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    protected boolean acceptsRank(int rank) { return rank == 2 || rank == 3; }

    @Override
    protected String expectedShapes(int channels) { return "[N, " + channels + "] or [N, " + channels + ", L]"; }
}
