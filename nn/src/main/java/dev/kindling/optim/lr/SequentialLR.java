package dev.kindling.optim.lr;

import dev.kindling.optim.Optimizer;
import dev.kindling.optim.ParamGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs schedulers one after another, switching at the milestone epochs, as
 * torch.optim.lr_scheduler.SequentialLR: scheduler k runs from milestone k-1, restarting at its own
 * epoch 0 (from its closed form, as PyTorch's {@code step(0)}). Build the schedulers on the same
 * optimizer first; this undoes their initial steps and restores the groups' {@code initialLr}.
 * <pre>{@code
 * var warmup = new LinearLR(opt, 0.1, 1.0, 5);
 * var decay = new CosineAnnealingLR(opt, 95);
 * var sched = new SequentialLR(opt, List.of(warmup, decay), new int[]{5});
 * }</pre>
 */
public class SequentialLR extends LRScheduler {
    private final List<LRScheduler> schedulers;
    private final int[] milestones;

    public SequentialLR(Optimizer optimizer, List<LRScheduler> schedulers, int[] milestones) {
        super(optimizer);
        if (schedulers.isEmpty()) throw new IllegalArgumentException("SequentialLR: needs at least one scheduler");
        for (int i = 0; i < schedulers.size(); i++) {
            LRScheduler s = schedulers.get(i);
            if (s.optimizer() != optimizer) {
                throw new IllegalArgumentException("SequentialLR: scheduler " + i + " (" + s.getClass().getSimpleName()
                        + ") steps a different optimizer; build every scheduler on the one passed here");
            }
            if (s instanceof ReduceLROnPlateau) {
                throw new IllegalArgumentException("SequentialLR: scheduler " + i + " is a ReduceLROnPlateau, which steps on a metric"
                        + " and cannot be sequenced");
            }
        }
        if (milestones.length != schedulers.size() - 1) {
            throw new IllegalArgumentException("SequentialLR: " + schedulers.size() + " schedulers need " + (schedulers.size() - 1)
                    + " milestones, got " + milestones.length);
        }
        for (int i = 1; i < milestones.length; i++) {
            if (milestones[i] < milestones[i - 1]) {
                throw new IllegalArgumentException("SequentialLR: milestones must be increasing, got " + java.util.Arrays.toString(milestones));
            }
        }
        this.schedulers = List.copyOf(schedulers);
        this.milestones = milestones.clone();
        lastEpoch = 0;
        for (ParamGroup g : optimizer.paramGroups()) g.setLr(g.getDouble("initialLr"));
        undoStep();
        this.schedulers.get(0).initialStep();
        setLastLr(this.schedulers.get(0).getLastLr());
    }

    @Override
    public void step() {
        stepCount++;
        lastEpoch++;
        int idx = 0;
        while (idx < milestones.length && milestones[idx] <= lastEpoch) idx++;
        LRScheduler s = schedulers.get(idx);
        if (idx > 0 && milestones[idx - 1] == lastEpoch) s.stepTo(0);
        else s.step();
        setLastLr(s.getLastLr());
    }

    /** Undoes the initial steps of the schedulers inside, not its own (PyTorch's recursive_undo). */
    @Override
    void undoStep() { for (LRScheduler s : schedulers) s.undoStep(); }

    @Override
    protected double[] computeLr() { return groupLrs(); }

    /** Also holds each scheduler's state dict, in order, under {@code schedulers}. */
    @Override
    protected void saveExtra(Map<String, Object> state) {
        List<Map<String, Object>> inner = new ArrayList<>();
        for (LRScheduler s : schedulers) inner.add(s.stateDict());
        state.put("schedulers", List.copyOf(inner));
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void loadExtra(Map<String, ?> state) {
        List<?> inner = (List<?>) require(state, "schedulers");
        if (inner.size() != schedulers.size()) {
            throw new IllegalArgumentException("SequentialLR.loadStateDict: the state has " + inner.size() + " schedulers, this has "
                    + schedulers.size());
        }
        for (int i = 0; i < inner.size(); i++) schedulers.get(i).loadStateDict((Map<String, ?>) inner.get(i));
    }
}
