package dev.kindling.optim.lr;

import dev.kindling.optim.Optimizer;
import dev.kindling.optim.ParamGroup;
import java.util.List;
import java.util.Map;

/**
 * Cuts the lr by {@code factor} when a metric has stopped improving for more than {@code patience}
 * epochs, as torch.optim.lr_scheduler.ReduceLROnPlateau. A value improves on the best so far when it
 * is lower (MIN) or higher (MAX) by more than {@code threshold}, relative (REL: best * (1 -+ threshold))
 * or absolute (ABS: best -+ threshold). After a cut, {@code cooldown} epochs pass before bad epochs
 * count again. The lr never goes below {@code minLr}, and a cut smaller than {@code eps} is skipped.
 * <pre>{@code
 * var sched = new ReduceLROnPlateau(opt, new ReduceLROnPlateau.Options().patience(5));
 * for (...) { train(); sched.step(validationLoss); }
 * }</pre>
 */
public class ReduceLROnPlateau extends LRScheduler {
    public enum Mode { MIN, MAX }

    public enum ThresholdMode { REL, ABS }

    /** Defaults: MIN, factor 0.1, patience 10, threshold 1e-4, REL, cooldown 0, minLr 0, eps 1e-8. */
    public static final class Options {
        Mode mode = Mode.MIN;
        double factor = 0.1;
        int patience = 10;
        double threshold = 1e-4;
        ThresholdMode thresholdMode = ThresholdMode.REL;
        int cooldown;
        double[] minLrs = {0};
        double eps = 1e-8;

        /** MIN when lower is better (a loss), MAX when higher is (an accuracy). */
        public Options mode(Mode mode) { this.mode = mode; return this; }

        /** new lr = lr * factor; must be in [0, 1). */
        public Options factor(double factor) { this.factor = factor; return this; }

        /** How many epochs without improvement are tolerated before a cut. */
        public Options patience(int patience) { this.patience = patience; return this; }

        public Options threshold(double threshold) { this.threshold = threshold; return this; }

        public Options thresholdMode(ThresholdMode thresholdMode) { this.thresholdMode = thresholdMode; return this; }

        public Options cooldown(int cooldown) { this.cooldown = cooldown; return this; }

        /** One lower bound for every group, or one per group. */
        public Options minLr(double... minLrs) { this.minLrs = minLrs.clone(); return this; }

        public Options eps(double eps) { this.eps = eps; return this; }
    }

    private final Mode mode;
    private final double factor, threshold, eps;
    private final int patience, cooldown;
    private final ThresholdMode thresholdMode;
    private final double[] minLrs;
    private double best;
    private int numBadEpochs, cooldownCounter;

    public ReduceLROnPlateau(Optimizer optimizer) { this(optimizer, new Options()); }

    public ReduceLROnPlateau(Optimizer optimizer, Options o) {
        super(optimizer, false);
        if (!(o.factor >= 0 && o.factor < 1)) throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in [0, 1), got " + o.factor);
        if (o.patience < 0) throw new IllegalArgumentException("ReduceLROnPlateau: patience must be >= 0, got " + o.patience);
        if (o.cooldown < 0) throw new IllegalArgumentException("ReduceLROnPlateau: cooldown must be >= 0, got " + o.cooldown);
        if (!(o.threshold >= 0)) throw new IllegalArgumentException("ReduceLROnPlateau: threshold must be >= 0, got " + o.threshold);
        this.minLrs = perGroup("ReduceLROnPlateau", "minLr", o.minLrs, optimizer.paramGroups().size());
        for (double m : minLrs) if (!(m >= 0)) throw new IllegalArgumentException("ReduceLROnPlateau: minLr must be >= 0, got " + m);
        this.mode = o.mode;
        this.factor = o.factor;
        this.patience = o.patience;
        this.threshold = o.threshold;
        this.thresholdMode = o.thresholdMode;
        this.cooldown = o.cooldown;
        this.eps = o.eps;
        lastEpoch = 0;
        best = worst();
    }

    /** Records this epoch's metric and cuts the lr if it has stopped improving. */
    public void step(double metric) {
        lastEpoch++;
        if (isBetter(metric)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0;
        }
        if (numBadEpochs > patience) {
            List<ParamGroup> groups = optimizer.paramGroups();
            for (int i = 0; i < groups.size(); i++) {
                double old = groups.get(i).lr(), cut = Math.max(old * factor, minLrs[i]);
                if (old - cut > eps) groups.get(i).setLr(cut);
            }
            cooldownCounter = cooldown;
            numBadEpochs = 0;
        }
        setLastLr(groupLrs());
    }

    /** Always fails: this scheduler needs the metric. */
    @Override
    public void step() {
        throw new UnsupportedOperationException("ReduceLROnPlateau: step() needs the metric it watches; call step(validationLoss)");
    }

    @Override
    protected double[] computeLr() { return groupLrs(); }

    private double worst() { return mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY; }

    private boolean isBetter(double a) {
        if (mode == Mode.MIN) return thresholdMode == ThresholdMode.REL ? a < best * (1 - threshold) : a < best - threshold;
        return thresholdMode == ThresholdMode.REL ? a > best * (threshold + 1) : a > best + threshold;
    }

    @Override
    protected void saveExtra(Map<String, Object> state) {
        state.put("best", best);
        state.put("numBadEpochs", numBadEpochs);
        state.put("cooldownCounter", cooldownCounter);
    }

    @Override
    protected void loadExtra(Map<String, ?> state) {
        best = ((Number) require(state, "best")).doubleValue();
        numBadEpochs = ((Number) require(state, "numBadEpochs")).intValue();
        cooldownCounter = ((Number) require(state, "cooldownCounter")).intValue();
    }
}
