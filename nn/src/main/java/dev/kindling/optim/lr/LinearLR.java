package dev.kindling.optim.lr;

import dev.kindling.optim.Optimizer;

/**
 * Scales the lr by a factor that moves linearly from {@code startFactor} to {@code endFactor} over
 * {@code totalIters} epochs, then stays, as torch.optim.lr_scheduler.LinearLR (a warm-up):
 * {@code lr = baseLr * (startFactor + (endFactor - startFactor) * min(epoch, totalIters) / totalIters)}.
 * <pre>{@code
 * var sched = new LinearLR(opt);   // base lr 0.05: 0.0167, 0.0233, 0.03, 0.0367, 0.0433, then 0.05
 * }</pre>
 */
public class LinearLR extends LRScheduler {
    private final double startFactor, endFactor;
    private final int totalIters;

    /** startFactor 1/3, endFactor 1, totalIters 5. */
    public LinearLR(Optimizer optimizer) { this(optimizer, 1.0 / 3, 1.0, 5); }

    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters) {
        super(optimizer);
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("LinearLR: startFactor must be in (0, 1], got " + startFactor);
        }
        if (!(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException("LinearLR: endFactor must be in [0, 1], got " + endFactor);
        }
        if (totalIters < 1) throw new IllegalArgumentException("LinearLR: totalIters must be >= 1, got " + totalIters);
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = groupLrs();
        if (lastEpoch == 0) {
            for (int i = 0; i < lrs.length; i++) lrs[i] *= startFactor;
            return lrs;
        }
        if (lastEpoch > totalIters) return lrs;
        double ratio = 1 + (endFactor - startFactor) / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor));
        for (int i = 0; i < lrs.length; i++) lrs[i] *= ratio;
        return lrs;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lrs = baseLrs.clone();
        double f = startFactor + (endFactor - startFactor) * Math.min(totalIters, lastEpoch) / totalIters;
        for (int i = 0; i < lrs.length; i++) lrs[i] *= f;
        return lrs;
    }
}
