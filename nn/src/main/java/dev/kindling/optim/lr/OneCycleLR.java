package dev.kindling.optim.lr;

import dev.kindling.optim.Optimizer;
import dev.kindling.optim.ParamGroup;
import java.util.List;

/**
 * The 1cycle policy (Smith and Topin, 2017), as torch.optim.lr_scheduler.OneCycleLR: the lr warms
 * up from {@code maxLr / divFactor} to {@code maxLr} over the first {@code pctStart} of
 * {@code totalSteps}, then anneals to {@code maxLr / divFactor / finalDivFactor}; momentum (or Adam's
 * beta1) cycles the opposite way between {@code maxMomentum} and {@code baseMomentum}. With
 * {@code threePhase} the lr comes back down to its start symmetrically before the final anneal.
 * Step it once per batch; it allows {@code totalSteps} steps after construction.
 * <pre>{@code
 * var sched = new OneCycleLR(opt, 0.1, epochs * stepsPerEpoch);
 * var sched = new OneCycleLR(opt, 0.1, 1000, new OneCycleLR.Options().annealStrategy(OneCycleLR.Anneal.LINEAR).threePhase(true));
 * }</pre>
 * It writes {@code initialLr}, {@code maxLr}, {@code minLr} and, when cycling momentum,
 * {@code maxMomentum} and {@code baseMomentum} into each parameter group, as PyTorch does.
 */
public class OneCycleLR extends LRScheduler {
    public enum Anneal { COS, LINEAR }

    /** Defaults: pctStart 0.3, COS, cycleMomentum true, baseMomentum 0.85, maxMomentum 0.95, divFactor 25, finalDivFactor 1e4, threePhase false. */
    public static final class Options {
        double pctStart = 0.3;
        Anneal anneal = Anneal.COS;
        boolean cycleMomentum = true;
        double baseMomentum = 0.85, maxMomentum = 0.95;
        double divFactor = 25, finalDivFactor = 1e4;
        boolean threePhase;

        /** The fraction of the steps spent increasing the lr. */
        public Options pctStart(double pctStart) { this.pctStart = pctStart; return this; }

        public Options annealStrategy(Anneal anneal) { this.anneal = anneal; return this; }

        public Options cycleMomentum(boolean cycleMomentum) { this.cycleMomentum = cycleMomentum; return this; }

        /** The momentum at the peak lr. */
        public Options baseMomentum(double baseMomentum) { this.baseMomentum = baseMomentum; return this; }

        /** The momentum at the lowest lrs. */
        public Options maxMomentum(double maxMomentum) { this.maxMomentum = maxMomentum; return this; }

        /** The starting lr is maxLr / divFactor. */
        public Options divFactor(double divFactor) { this.divFactor = divFactor; return this; }

        /** The final lr is the starting lr / finalDivFactor. */
        public Options finalDivFactor(double finalDivFactor) { this.finalDivFactor = finalDivFactor; return this; }

        public Options threePhase(boolean threePhase) { this.threePhase = threePhase; return this; }
    }

    /** A stretch of the schedule ending at {@code endStep}, annealing between two of the group's keys. */
    private record Phase(double endStep, String startLr, String endLr, String startMomentum, String endMomentum) {}

    private final int totalSteps;
    private final Phase[] phases;
    private final Anneal anneal;
    private final boolean cycleMomentum, useBeta1;

    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps) { this(optimizer, maxLr, totalSteps, new Options()); }

    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, Options options) {
        this(optimizer, new double[]{maxLr}, totalSteps, options);
    }

    /** One maxLr per parameter group (or one for all). */
    public OneCycleLR(Optimizer optimizer, double[] maxLrs, int totalSteps, Options o) {
        super(optimizer);
        if (totalSteps < 1) throw new IllegalArgumentException("OneCycleLR: totalSteps must be >= 1, got " + totalSteps);
        if (!(o.pctStart >= 0 && o.pctStart <= 1)) {
            throw new IllegalArgumentException("OneCycleLR: pctStart must be in [0, 1], got " + o.pctStart);
        }
        this.totalSteps = totalSteps;
        this.anneal = o.anneal;
        this.cycleMomentum = o.cycleMomentum;
        double warm = o.pctStart * totalSteps;
        phases = o.threePhase
                ? new Phase[]{new Phase(warm - 1, "initialLr", "maxLr", "maxMomentum", "baseMomentum"),
                        new Phase(2 * warm - 2, "maxLr", "initialLr", "baseMomentum", "maxMomentum"),
                        new Phase(totalSteps - 1, "initialLr", "minLr", "maxMomentum", "maxMomentum")}
                : new Phase[]{new Phase(warm - 1, "initialLr", "maxLr", "maxMomentum", "baseMomentum"),
                        new Phase(totalSteps - 1, "maxLr", "minLr", "baseMomentum", "maxMomentum")};
        double start = 0;
        for (Phase p : phases) {
            // PyTorch divides by each phase's length and fails on an empty one; say why instead.
            if (p.endStep() == start) {
                throw new IllegalArgumentException("OneCycleLR: with totalSteps " + totalSteps + " and pctStart " + o.pctStart
                        + " a phase of the schedule has no steps; use more steps or another pctStart");
            }
            start = p.endStep();
        }
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] max = perGroup("OneCycleLR", "maxLr", maxLrs, groups.size());
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup g = groups.get(i);
            double initial = max[i] / o.divFactor;
            g.set("initialLr", initial);
            g.set("maxLr", max[i]);
            g.set("minLr", initial / o.finalDivFactor);
            baseLrs[i] = initial;
        }
        useBeta1 = optimizer.defaults().containsKey("betas");
        if (cycleMomentum) {
            if (!useBeta1 && !optimizer.defaults().containsKey("momentum")) {
                throw new IllegalArgumentException("OneCycleLR: cycleMomentum needs an optimizer with momentum or betas, and "
                        + optimizer.getClass().getSimpleName() + " has neither; pass new OneCycleLR.Options().cycleMomentum(false)");
            }
            for (ParamGroup g : groups) {
                setMomentum(g, o.maxMomentum);
                g.set("maxMomentum", o.maxMomentum);
                g.set("baseMomentum", o.baseMomentum);
            }
        }
        initialStep();
    }

    private void setMomentum(ParamGroup g, double m) {
        if (useBeta1) g.set("betas", List.of(m, g.getPair("betas", 1)));
        else g.set("momentum", m);
    }

    private double anneal(double start, double end, double pct) {
        return anneal == Anneal.COS ? end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
    }

    @Override
    protected double[] computeLr() {
        int step = lastEpoch;
        if (step > totalSteps) {
            throw new IllegalStateException("OneCycleLR: tried to step " + step + " times, but the schedule has totalSteps "
                    + totalSteps);
        }
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] lrs = new double[groups.size()];
        for (int i = 0; i < lrs.length; i++) {
            ParamGroup g = groups.get(i);
            double start = 0;
            for (int k = 0; k < phases.length; k++) {
                Phase p = phases[k];
                if (step <= p.endStep() || k == phases.length - 1) {
                    double pct = (step - start) / (p.endStep() - start);
                    lrs[i] = anneal(g.getDouble(p.startLr()), g.getDouble(p.endLr()), pct);
                    if (cycleMomentum) setMomentum(g, anneal(g.getDouble(p.startMomentum()), g.getDouble(p.endMomentum()), pct));
                    break;
                }
                start = p.endStep();
            }
        }
        return lrs;
    }
}
