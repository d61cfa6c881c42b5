package dev.kindling.optim.lr;

import dev.kindling.optim.Optimizer;

/**
 * Multiplies the lr by {@code gamma} every {@code stepSize} epochs, as torch.optim.lr_scheduler.StepLR:
 * {@code lr = baseLr * gamma^(epoch / stepSize)} (integer division).
 * <pre>{@code
 * var sched = new StepLR(opt, 30, 0.1);   // base lr 0.05: 0.05 for epochs 0-29, 0.005 for 30-59, ...
 * }</pre>
 */
public class StepLR extends LRScheduler {
    private final int stepSize;
    private final double gamma;

    /** gamma 0.1. */
    public StepLR(Optimizer optimizer, int stepSize) { this(optimizer, stepSize, 0.1); }

    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize < 1) throw new IllegalArgumentException("StepLR: stepSize must be >= 1, got " + stepSize);
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = groupLrs();
        if (lastEpoch == 0 || lastEpoch % stepSize != 0) return lrs;
        for (int i = 0; i < lrs.length; i++) lrs[i] *= gamma;
        return lrs;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lrs = baseLrs.clone();
        for (int i = 0; i < lrs.length; i++) lrs[i] *= Math.pow(gamma, Math.floorDiv(lastEpoch, stepSize));
        return lrs;
    }
}
