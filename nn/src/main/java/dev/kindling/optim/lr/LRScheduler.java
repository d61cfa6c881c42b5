package dev.kindling.optim.lr;

import dev.kindling.optim.Optimizer;
import dev.kindling.optim.ParamGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The base of the learning rate schedulers, as torch.optim.lr_scheduler.LRScheduler. A scheduler
 * sets each parameter group's {@code lr} once per {@link #step()}: call it after
 * {@code optimizer.step()}, once per epoch or once per batch as the schedule is defined.
 * <pre>{@code
 * var opt = new SGD(model.parameters(), 0.1, 0.9);
 * var sched = new StepLR(opt, 30);           // lr 0.1 for epochs 0-29, 0.01 for 30-59, ...
 * for (int epoch = 0; epoch < 90; epoch++) {
 *     train(opt);
 *     sched.step();
 * }
 * }</pre>
 *
 * <p>Construction performs PyTorch's initial step, so the groups hold the epoch-0 learning rate at
 * once. Each group's starting lr is recorded in the group as {@code initialLr} (kept if already
 * there), so schedulers built one after another on one optimizer share it. As PyTorch's, the
 * schedulers are chainable: {@link #computeLr()} derives the next lr from the group's current one,
 * so two schedulers stepping the same optimizer compose their factors.
 */
public abstract class LRScheduler {
    protected final Optimizer optimizer;
    /** Each group's starting lr (its {@code initialLr}). */
    protected final double[] baseLrs;
    /** The epoch (or step) the current lr belongs to; -1 before the initial step. */
    protected int lastEpoch = -1;
    /** Steps taken, the initial one included (PyTorch's {@code _step_count}). */
    protected int stepCount;
    private double[] lastLr;

    protected LRScheduler(Optimizer optimizer) { this(optimizer, true); }

    /** {@code recordInitialLr = false} for schedulers with no base lr (ReduceLROnPlateau). */
    LRScheduler(Optimizer optimizer, boolean recordInitialLr) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        List<ParamGroup> groups = optimizer.paramGroups();
        baseLrs = new double[groups.size()];
        for (int i = 0; i < baseLrs.length; i++) {
            ParamGroup g = groups.get(i);
            baseLrs[i] = recordInitialLr ? (Double) g.setDefault("initialLr", g.lr()) : g.lr();
        }
        lastLr = groupLrs();
    }

    /** Every subclass constructor ends with this: PyTorch's initial step, which sets the lr for epoch 0. */
    protected final void initialStep() {
        stepCount = 0;
        step();
    }

    /** Moves to the next epoch (or step) and sets each group's lr for it. */
    public void step() {
        stepCount++;
        lastEpoch++;
        setLrs(computeLr());
    }

    /** SequentialLR's jump to {@code epoch} (PyTorch's deprecated {@code step(epoch)}): the closed form where there is one. */
    void stepTo(int epoch) {
        stepCount++;
        lastEpoch = epoch;
        double[] closed = closedFormLr();
        setLrs(closed != null ? closed : computeLr());
    }

    /** SequentialLR's undo of the initial step each scheduler took when it was built. */
    void undoStep() { lastEpoch--; }

    /** The groups' lrs for {@link #lastEpoch}, derived from their current lrs where PyTorch does (PyTorch's {@code get_lr}). */
    protected abstract double[] computeLr();

    /** The lrs for {@link #lastEpoch} from the base lrs alone, or null when the schedule has no closed form. */
    protected double[] closedFormLr() { return null; }

    /** The lr each group got from the last step, as PyTorch's {@code get_last_lr()}. */
    public double[] getLastLr() { return lastLr.clone(); }

    public int lastEpoch() { return lastEpoch; }

    public Optimizer optimizer() { return optimizer; }

    /** The groups' current lrs (a fresh array). */
    protected final double[] groupLrs() {
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] lrs = new double[groups.size()];
        for (int i = 0; i < lrs.length; i++) lrs[i] = groups.get(i).lr();
        return lrs;
    }

    protected final void setLrs(double[] lrs) {
        List<ParamGroup> groups = optimizer.paramGroups();
        for (int i = 0; i < lrs.length; i++) groups.get(i).setLr(lrs[i]);
        lastLr = groupLrs();
    }

    void setLastLr(double[] lrs) { lastLr = lrs.clone(); }

    // ------------------------------------------------------------------ state dict

    /**
     * The scheduler's progress: {@code lastEpoch}, {@code stepCount}, {@code baseLrs}, {@code lastLr}
     * and what a subclass adds. Unlike PyTorch's, it does not repeat the constructor's arguments:
     * build the scheduler as before, then load. The groups' lrs are in the optimizer's state dict.
     */
    public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lastEpoch", lastEpoch);
        m.put("stepCount", stepCount);
        m.put("baseLrs", list(baseLrs));
        m.put("lastLr", list(lastLr));
        saveExtra(m);
        return m;
    }

    public void loadStateDict(Map<String, ?> state) {
        lastEpoch = ((Number) require(state, "lastEpoch")).intValue();
        stepCount = ((Number) require(state, "stepCount")).intValue();
        double[] base = array(require(state, "baseLrs"));
        if (base.length != baseLrs.length) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: the state has " + base.length
                    + " base lrs, this optimizer has " + baseLrs.length + " groups");
        }
        System.arraycopy(base, 0, baseLrs, 0, base.length);
        lastLr = array(require(state, "lastLr"));
        loadExtra(state);
    }

    /** Adds a subclass's progress to the state dict. */
    protected void saveExtra(Map<String, Object> state) {}

    protected void loadExtra(Map<String, ?> state) {}

    protected final Object require(Map<String, ?> state, String key) {
        Object v = state.get(key);
        if (v == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: the state has no '" + key + "' (it has "
                    + state.keySet() + ")");
        }
        return v;
    }

    static List<Double> list(double[] a) {
        List<Double> l = new ArrayList<>(a.length);
        for (double x : a) l.add(x);
        return List.copyOf(l);
    }

    static double[] array(Object list) {
        List<?> l = (List<?>) list;
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = ((Number) l.get(i)).doubleValue();
        return a;
    }

    /** The per-group value: one for every group, or one value given for each. */
    static double[] perGroup(String who, String what, double[] values, int groups) {
        if (values.length == 1 && groups != 1) {
            double[] out = new double[groups];
            java.util.Arrays.fill(out, values[0]);
            return out;
        }
        if (values.length != groups) {
            throw new IllegalArgumentException(who + ": expected " + groups + " values of " + what + " (one per parameter group), got "
                    + values.length);
        }
        return values.clone();
    }
}
