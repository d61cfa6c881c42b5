package dev.kindling.optim.lr;

import dev.kindling.optim.Optimizer;
import java.util.Arrays;

/**
 * Multiplies the lr by {@code gamma} at each milestone epoch, as torch.optim.lr_scheduler.MultiStepLR:
 * {@code lr = baseLr * gamma^(number of milestones <= epoch)}. A milestone listed twice applies gamma twice.
 * <pre>{@code
 * var sched = new MultiStepLR(opt, new int[]{30, 80}, 0.1);   // base lr 0.05: 0.05, then 0.005 from 30, 0.0005 from 80
 * }</pre>
 */
public class MultiStepLR extends LRScheduler {
    /** Sorted, with repeats. */
    private final int[] milestones;
    private final double gamma;

    /** gamma 0.1. */
    public MultiStepLR(Optimizer optimizer, int[] milestones) { this(optimizer, milestones, 0.1); }

    public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma) {
        super(optimizer);
        this.milestones = milestones.clone();
        Arrays.sort(this.milestones);
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = groupLrs();
        int times = 0;
        for (int m : milestones) if (m == lastEpoch) times++;
        if (times == 0) return lrs;
        for (int i = 0; i < lrs.length; i++) lrs[i] *= Math.pow(gamma, times);
        return lrs;
    }

    @Override
    protected double[] closedFormLr() {
        int passed = 0;
        for (int m : milestones) if (m <= lastEpoch) passed++;
        double[] lrs = baseLrs.clone();
        for (int i = 0; i < lrs.length; i++) lrs[i] *= Math.pow(gamma, passed);
        return lrs;
    }
}
