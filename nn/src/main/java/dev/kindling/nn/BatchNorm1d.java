package dev.kindling.nn;

import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;
import dev.kindling.tensor.DType;

/**
 * Batch normalisation over [N, C] or [N, C, L]: in training, each channel is normalised by the batch's
 * mean and (biased) variance and the running statistics are updated with {@code momentum} (0.1; null
 * for a cumulative average); in eval mode the running statistics are used. Buffers running_mean,
 * running_var and num_batches_tracked, weight (ones) and bias (zeros), as torch.nn.BatchNorm1d.
 */
public class BatchNorm1d extends Module {
    public final int numFeatures;
    public final double eps;
    /** Null for a cumulative moving average. */
    public final Double momentum;
    public final Tensor weight, bias, runningMean, runningVar, numBatchesTracked;

    public BatchNorm1d(int numFeatures) { this(numFeatures, 1e-5, 0.1, true, true); }

    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        if (numFeatures <= 0) throw new IllegalArgumentException("BatchNorm1d: numFeatures must be positive, got " + numFeatures);
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = registerParameter("weight", affine ? Tensor.ones(numFeatures) : null);
        this.bias = registerParameter("bias", affine ? Tensor.zeros(numFeatures) : null);
        this.runningMean = registerBuffer("running_mean", trackRunningStats ? Tensor.zeros(numFeatures) : null);
        this.runningVar = registerBuffer("running_var", trackRunningStats ? Tensor.ones(numFeatures) : null);
        this.numBatchesTracked = registerBuffer("num_batches_tracked", trackRunningStats ? Tensor.zeros(DType.INT64) : null);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 2 && x.dim() != 3 || x.shape()[1] != numFeatures) {
            throw new IllegalArgumentException("BatchNorm1d: expects [N, " + numFeatures + "] or [N, " + numFeatures
                    + ", L], got " + dev.kindling.tensor.Shapes.str(x.shape()));
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
        return "BatchNorm1d(" + numFeatures + ", eps=" + eps + ", momentum=" + momentum + (weight == null ? ", affine=false" : "")
                + (runningMean == null ? ", trackRunningStats=false" : "") + ")";
    }
}
