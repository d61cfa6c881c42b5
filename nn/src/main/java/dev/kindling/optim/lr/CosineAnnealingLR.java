package dev.kindling.optim.lr;

import dev.kindling.optim.Optimizer;

/**
 * Anneals the lr from its base value to {@code etaMin} along half a cosine over {@code tMax} epochs,
 * as torch.optim.lr_scheduler.CosineAnnealingLR (SGDR without restarts):
 * {@code lr = etaMin + (baseLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2}. Past tMax it climbs back
 * up along the same cosine, as PyTorch's does. Steps use PyTorch's recursive form of that formula, so
 * the schedule composes with other schedulers on the same optimizer.
 * <pre>{@code
 * var sched = new CosineAnnealingLR(opt, 100);          // etaMin 0
 * }</pre>
 */
public class CosineAnnealingLR extends LRScheduler {
    private final int tMax;
    private final double etaMin;

    public CosineAnnealingLR(Optimizer optimizer, int tMax) { this(optimizer, tMax, 0); }

    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        super(optimizer);
        if (tMax < 1) throw new IllegalArgumentException("CosineAnnealingLR: tMax must be >= 1, got " + tMax);
        this.tMax = tMax;
        this.etaMin = etaMin;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = groupLrs();
        if (lastEpoch == 0) return lrs;
        if (stepCount == 1 && lastEpoch > 0) return closedFormLr();
        for (int i = 0; i < lrs.length; i++) {
            if (Math.floorMod(lastEpoch - 1 - tMax, 2 * tMax) == 0) {
                // At the bottom of the cosine the recursive ratio below would divide by zero.
                lrs[i] = lrs[i] + (baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
            } else {
                lrs[i] = (1 + Math.cos(Math.PI * lastEpoch / tMax)) / (1 + Math.cos(Math.PI * (lastEpoch - 1) / tMax))
                        * (lrs[i] - etaMin) + etaMin;
            }
        }
        return lrs;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lrs = new double[baseLrs.length];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(Math.PI * lastEpoch / tMax)) / 2;
        }
        return lrs;
    }
}
