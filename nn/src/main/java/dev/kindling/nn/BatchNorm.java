package dev.kindling.nn;

import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Shapes;

/**
 * What {@link BatchNorm1d} and {@link BatchNorm2d} share (PyTorch's _BatchNorm); they differ only in
 * the input ranks they accept. In training, each channel (dim 1) is normalised by the batch's mean and
 * (biased) variance over every other dim, and the running statistics are updated with {@code momentum}
 * (0.1; null for a cumulative average) from the unbiased variance; in eval mode the running statistics
 * normalise (without tracked running statistics the batch's are always used).
 * Then y = (x - mean) / sqrt(var + eps) * weight + bias. Parameters weight (ones) and bias (zeros), buffers
 * running_mean, running_var and num_batches_tracked, under PyTorch's names.
 */
public abstract class BatchNorm extends Module {
    public final int numFeatures;
    public final double eps;
    /** Null for a cumulative moving average. */
    public final Double momentum;
    public final Tensor weight, bias, runningMean, runningVar, numBatchesTracked;

    protected BatchNorm(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        if (numFeatures <= 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": numFeatures must be positive, got " + numFeatures);
        }
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = registerParameter("weight", affine ? Tensor.ones(numFeatures) : null);
        this.bias = registerParameter("bias", affine ? Tensor.zeros(numFeatures) : null);
        this.runningMean = registerBuffer("running_mean", trackRunningStats ? Tensor.zeros(numFeatures) : null);
        this.runningVar = registerBuffer("running_var", trackRunningStats ? Tensor.ones(numFeatures) : null);
        this.numBatchesTracked = registerBuffer("num_batches_tracked", trackRunningStats ? Tensor.zeros(DType.INT64) : null);
    }

    /** Whether this layer takes inputs of the given rank. */
    protected abstract boolean acceptsRank(int rank);

    /** The accepted input shapes for {@code channels} channels, for error messages: "[N, 3] or [N, 3, L]". */
    protected abstract String expectedShapes(int channels);

    @Override
    public Tensor forward(Tensor x) {
        if (!acceptsRank(x.dim()) || x.shape()[1] != numFeatures) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": expects " + expectedShapes(numFeatures)
                    + ", got " + Shapes.str(x.shape()));
        }
        boolean useBatch = isTraining() || runningMean == null;
        boolean track = isTraining() && runningMean != null;
        // momentum null means a cumulative average: this batch weighs 1 / (batches seen, including it).
        double factor = momentum != null ? momentum : track ? 1.0 / (numBatchesTracked.item() + 1) : 0;
        Tensor y = F.batchNorm(x, runningMean, runningVar, weight, bias, useBatch, factor, eps);
        if (track) {
            try (GradMode.Scope s = GradMode.noGrad()) {
                numBatchesTracked.copy_(numBatchesTracked.add(1L));
            }
        }
        return y;
    }

    @Override
    protected String describe() {
        return getClass().getSimpleName() + "(" + numFeatures + ", eps=" + eps + ", momentum=" + momentum
                + (weight == null ? ", affine=false" : "") + (runningMean == null ? ", trackRunningStats=false" : "") + ")";
    }
}
