package dev.kindling.amp;

import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.optim.Optimizer;
import dev.kindling.optim.ParamGroup;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loss scaling for float16 training, as {@code torch.amp.GradScaler}: float16 gradients of small
 * losses underflow to zero, so the loss is multiplied by a large scale before backward and the
 * gradients are divided by it before the optimizer step. A step whose gradients hold an inf or NaN
 * (the scale was too large) is skipped and the scale shrinks by {@code backoffFactor}; after
 * {@code growthInterval} clean steps in a row it grows by {@code growthFactor}.
 *
 * <pre>{@code
 * GradScaler scaler = new GradScaler();
 * for (Tensor[] batch : loader) {
 *     optimizer.zeroGrad();
 *     Tensor loss;
 *     try (Autocast ignored = Autocast.enable(Device.Type.CUDA)) { loss = F.crossEntropy(model.forward(batch[0]), batch[1]); }
 *     scaler.scale(loss).backward();
 *     scaler.step(optimizer);        // unscales, then steps unless a gradient is inf/NaN
 *     scaler.update();
 * }
 * }</pre>
 *
 * Defaults are PyTorch's: initScale 2^16, growthFactor 2, backoffFactor 0.5, growthInterval 2000.
 * It works on any device: the inf/NaN check reads one number back per {@link #unscale_}. Gradients
 * must be float32 (or float64): unscaling float16 gradients is refused, as in PyTorch, because the
 * point of scaling is that the master copy of every gradient is wider than the forward's type.
 */
public final class GradScaler {
    private enum Stage { READY, UNSCALED, STEPPED }

    private static final class PerOptimizer {
        Stage stage = Stage.READY;
        boolean foundInf;
    }

    private double scale;
    private final double growthFactor, backoffFactor;
    private final int growthInterval;
    private final boolean enabled;
    private int growthTracker;
    private final Map<Optimizer, PerOptimizer> perOptimizer = new IdentityHashMap<>();

    /** PyTorch's defaults: initScale 65536, growthFactor 2, backoffFactor 0.5, growthInterval 2000, enabled. */
    public GradScaler() { this(65536.0, 2.0, 0.5, 2000, true); }

    public GradScaler(double initScale, double growthFactor, double backoffFactor, int growthInterval, boolean enabled) {
        if (!(initScale > 0)) throw new IllegalArgumentException("GradScaler: initScale must be > 0, got " + initScale);
        if (!(growthFactor > 1)) throw new IllegalArgumentException("GradScaler: growthFactor must be > 1, got " + growthFactor);
        if (!(backoffFactor > 0 && backoffFactor < 1)) {
            throw new IllegalArgumentException("GradScaler: backoffFactor must be in (0, 1), got " + backoffFactor);
        }
        if (growthInterval <= 0) throw new IllegalArgumentException("GradScaler: growthInterval must be > 0, got " + growthInterval);
        this.scale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
        this.enabled = enabled;
    }

    /** outputs * scale (outputs itself when disabled); call backward on the result. */
    public Tensor scale(Tensor outputs) { return enabled ? outputs.mul(scale) : outputs; }

    /**
     * Divides every gradient of {@code optimizer}'s parameters by the scale, in place, and records
     * whether any is inf or NaN. Call it before clipping gradients; {@link #step} calls it when you
     * did not. At most once per optimizer between {@link #update}s.
     */
    public void unscale_(Optimizer optimizer) {
        if (!enabled) return;
        PerOptimizer st = perOptimizer.computeIfAbsent(optimizer, o -> new PerOptimizer());
        if (st.stage == Stage.UNSCALED) {
            throw new IllegalStateException("unscale_() has already been called on this optimizer since the last update()");
        }
        if (st.stage == Stage.STEPPED) throw new IllegalStateException("unscale_() is being called after step()");
        double inv = 1.0 / scale;
        Tensor worst = null;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (ParamGroup group : optimizer.paramGroups()) {
                for (Tensor p : group.params()) {
                    Tensor g = p.grad();
                    if (g == null) continue;
                    if (g.dtype().isHalf()) {
                        throw new IllegalStateException("GradScaler.unscale_: attempting to unscale " + g.dtype()
                                + " gradients (parameter " + java.util.Arrays.toString(p.shape()) + "); keep parameters in float32"
                                + " and let Autocast cast them");
                    }
                    // max |g| propagates NaN and keeps inf, so one sum of maxima tells whether any gradient is non-finite.
                    Tensor m = g.abs().max();
                    worst = worst == null ? m : worst.add(m);
                    g.mul_(inv);
                }
            }
        }
        st.foundInf = worst != null && !Double.isFinite(worst.item());
        st.stage = Stage.UNSCALED;
    }

    /**
     * Unscales (unless {@link #unscale_} already did) and runs {@code optimizer.step()} when no gradient
     * is inf or NaN. Returns whether the optimizer stepped.
     */
    public boolean step(Optimizer optimizer) {
        if (!enabled) {
            optimizer.step();
            return true;
        }
        PerOptimizer st = perOptimizer.computeIfAbsent(optimizer, o -> new PerOptimizer());
        if (st.stage == Stage.STEPPED) throw new IllegalStateException("step() has already been called since the last update()");
        if (st.stage == Stage.READY) unscale_(optimizer);
        st.stage = Stage.STEPPED;
        if (st.foundInf) return false;
        optimizer.step();
        return true;
    }

    /**
     * Adjusts the scale for the next iteration: times backoffFactor if any optimizer stepped over an
     * inf/NaN since the last update, else counts a clean step and times growthFactor after
     * growthInterval of them in a row.
     */
    public void update() {
        if (!enabled) return;
        if (perOptimizer.isEmpty()) throw new IllegalStateException("update(): no inf checks were recorded prior to update (call step first)");
        boolean foundInf = false;
        for (PerOptimizer st : perOptimizer.values()) foundInf |= st.foundInf;
        if (foundInf) {
            scale *= backoffFactor;
            growthTracker = 0;
        } else if (++growthTracker == growthInterval) {
            scale *= growthFactor;
            growthTracker = 0;
        }
        perOptimizer.clear();
    }

    /** Sets the scale to {@code newScale} instead of adjusting it (torch's update(new_scale)). */
    public void update(double newScale) {
        if (!enabled) return;
        if (!(newScale > 0)) throw new IllegalArgumentException("update: newScale must be > 0, got " + newScale);
        scale = newScale;
        perOptimizer.clear();
    }

    /** The current scale (1.0 when disabled, as PyTorch's get_scale). */
    public double getScale() { return enabled ? scale : 1.0; }

    public double getGrowthFactor() { return growthFactor; }

    public double getBackoffFactor() { return backoffFactor; }

    public int getGrowthInterval() { return growthInterval; }

    public boolean isEnabled() { return enabled; }

    /** PyTorch's keys: scale, growth_factor, backoff_factor, growth_interval, _growth_tracker (empty when disabled). */
    public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!enabled) return m;
        m.put("scale", scale);
        m.put("growth_factor", growthFactor);
        m.put("backoff_factor", backoffFactor);
        m.put("growth_interval", growthInterval);
        m.put("_growth_tracker", growthTracker);
        return m;
    }

    /** Restores the scale and growth tracker saved by {@link #stateDict} (the factors are the constructor's). */
    public void loadStateDict(Map<String, ?> state) {
        if (!enabled) return;
        if (state.isEmpty()) throw new IllegalArgumentException("loadStateDict: the state is empty (saved from a disabled GradScaler?)");
        scale = ((Number) state.get("scale")).doubleValue();
        growthTracker = ((Number) state.get("_growth_tracker")).intValue();
    }

    @Override
    public String toString() {
        return "GradScaler(scale=" + getScale() + ", growthFactor=" + growthFactor + ", backoffFactor=" + backoffFactor
                + ", growthInterval=" + growthInterval + (enabled ? "" : ", enabled=false") + ")";
    }
}
