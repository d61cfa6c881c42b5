package dev.kindling.optim;

import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Device;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The base of every optimizer, as torch.optim.Optimizer: parameter groups with per-group options,
 * per-parameter state created on a parameter's first update, {@code step()}, {@code zeroGrad()} and
 * a state dict that resumes training exactly.
 *
 * <p>{@link #step()} runs without recording and skips parameters whose gradient is null. Each
 * optimizer's update is one fused loop over the parameter, its gradient and its state buffers,
 * written as the formula in PyTorch's documentation, that changes them in place and allocates
 * nothing (see {@link Elements}).
 * <pre>{@code
 * Optimizer opt = new Adam(model.parameters(), 1e-3);
 * for (...) {
 *     opt.zeroGrad();
 *     loss(model.forward(x), y).backward();
 *     opt.step();
 * }
 * }</pre>
 */
public abstract class Optimizer {
    private final Map<String, Object> defaults;
    private final List<ParamGroup> paramGroups = new ArrayList<>();
    private final Map<Tensor, State> state = new IdentityHashMap<>();
    /** Which group validation is looking at, for error messages. */
    private String where = "";

    /**
     * @param groups   the parameter groups; each option a group leaves out takes its value from {@code defaults}
     * @param defaults every option this optimizer has, with its default value
     */
    protected Optimizer(List<ParamGroup> groups, Options<?> defaults) {
        this.defaults = Collections.unmodifiableMap(new LinkedHashMap<>(defaults.values));
        where = " (defaults)";
        validate(new ParamGroup(List.of(), this.defaults));
        where = "";
        if (groups.isEmpty()) throw new IllegalArgumentException(name() + ": got an empty parameter list");
        for (ParamGroup g : groups) addParamGroup(g);
    }

    /** Wraps a plain parameter list as the single group of a constructor that takes {@code Iterable<Tensor>}. */
    protected static List<ParamGroup> single(Iterable<Tensor> params) {
        ParamGroup g = new ParamGroup(params);
        if (g.params().isEmpty()) return List.of();
        return List.of(g);
    }

    // ------------------------------------------------------------------ groups

    /** The parameter groups, in order; change a group's {@code lr} (or other options) to affect later steps. */
    public List<ParamGroup> paramGroups() { return Collections.unmodifiableList(paramGroups); }

    /** Every option with its default value (read-only), as PyTorch's {@code optimizer.defaults}. */
    public Map<String, Object> defaults() { return defaults; }

    /**
     * Adds a group (e.g. layers unfrozen during fine-tuning). Options it does not set take the
     * optimizer's defaults; unknown options, invalid values, non-leaf tensors and parameters already in
     * another group are errors.
     */
    public void addParamGroup(ParamGroup group) {
        String at = " (parameter group " + paramGroups.size() + ")";
        for (String key : group.options().keySet()) {
            if (!defaults.containsKey(key)) {
                throw new IllegalArgumentException(name() + ": unknown option '" + key + "'" + at + "; " + name() + " has "
                        + defaults.keySet());
            }
        }
        IdentityHashMap<Tensor, Boolean> seen = new IdentityHashMap<>();
        for (ParamGroup g : paramGroups) for (Tensor p : g.params()) seen.put(p, true);
        for (int i = 0; i < group.params().size(); i++) {
            Tensor p = group.params().get(i);
            if (!p.isLeaf()) {
                throw new IllegalArgumentException(name() + ": cannot optimize a tensor computed by " + p.gradFn().name()
                        + " (parameter " + i + at + "); optimize the leaves it was computed from");
            }
            if (!p.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(name() + ": parameter " + i + at + " is " + p.dtype()
                        + "; only floating point tensors can be optimized");
            }
            if (seen.put(p, true) != null) {
                throw new IllegalArgumentException(name() + ": parameter " + i + at + " appears more than once"
                        + " (in this group or an earlier one); each parameter may be in one group, once");
            }
        }
        defaults.forEach(group::setDefault);
        where = at;
        try {
            validate(group);
        } finally {
            where = "";
        }
        paramGroups.add(group);
    }

    // ------------------------------------------------------------------ stepping

    /** Updates every parameter that has a gradient, without recording. */
    public void step() {
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (ParamGroup g : paramGroups) {
                for (Tensor p : g.params()) {
                    Tensor grad = p.grad();
                    if (grad == null) continue;
                    update(g, p, grad, state.computeIfAbsent(p, k -> new State()));
                }
            }
        }
    }

    /**
     * Recomputes the loss with {@code closure} (grad mode on: it should zero the gradients, run the
     * model and call backward), then steps; returns the closure's loss.
     */
    public Tensor step(Supplier<Tensor> closure) {
        Tensor loss;
        try (GradMode.Scope s = GradMode.enableGrad()) {
            loss = closure.get();
        }
        step();
        return loss;
    }

    /** Clears every gradient (sets it to null), so the next backward starts afresh. */
    public void zeroGrad() { zeroGrad(true); }

    /** With {@code setToNone = false}, fills the gradients with zeros in place instead of dropping them. */
    public void zeroGrad(boolean setToNone) {
        for (ParamGroup g : paramGroups) {
            for (Tensor p : g.params()) {
                Tensor grad = p.grad();
                if (grad == null) continue;
                if (setToNone) {
                    p.setGrad(null);
                } else {
                    // A gradient recorded with createGraph is cut from its graph before it is overwritten, as PyTorch does.
                    if (!grad.isLeaf()) p.setGrad(grad = grad.detach());
                    grad.data().fill_(0);
                }
            }
        }
    }

    /**
     * One parameter's update. Called inside {@code noGrad()} for parameters with a gradient;
     * {@code state} is empty on a parameter's first update.
     */
    protected abstract void update(ParamGroup group, Tensor param, Tensor grad, State state);

    /** Checks a group's options (with defaults filled in); call the {@code check...} helpers. */
    protected abstract void validate(ParamGroup group);

    /** Whether the state records a step count (PyTorch's {@code state['step']}); SGD's does not. */
    protected boolean countsSteps() { return true; }

    /** State that {@link #loadStateDict} keeps in its saved dtype and on the CPU instead of moving to the parameter's (NAdam's muProduct). */
    protected boolean isScalarState(String key) { return false; }

    protected String name() { return getClass().getSimpleName(); }

    // ------------------------------------------------------------------ per-parameter state

    /** A parameter's state: its step count and named buffers ({@code expAvg}, {@code momentumBuffer}, ...). */
    protected static final class State {
        private long step;
        private final Map<String, Tensor> buffers = new LinkedHashMap<>();

        /** Steps taken so far. */
        public long step() { return step; }

        /** Counts one more step and returns the new count (PyTorch's {@code step += 1}). */
        public long incrementStep() { return ++step; }

        /** The buffer, or null before it was created. */
        public Tensor get(String name) { return buffers.get(name); }

        /** The buffer, created filled with {@code value} in the parameter's shape, dtype and device if absent. */
        public Tensor getOrFill(String name, Tensor param, double value) {
            return buffers.computeIfAbsent(name, k -> Tensor.wrap(NDArray.full(value, param.dtype(), param.device(), param.shape())));
        }

        public void put(String name, Tensor buffer) { buffers.put(name, buffer); }
    }

    /** The state of one parameter (read-only; empty before its first update): {@code step} as a 0-d float64 tensor, then its buffers. */
    public Map<String, Tensor> state(Tensor param) {
        State s = state.get(param);
        if (s == null) return Map.of();
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (countsSteps()) out.put("step", Tensor.scalar(s.step, DType.FLOAT64));
        out.putAll(s.buffers);
        return Collections.unmodifiableMap(out);
    }

    // ------------------------------------------------------------------ state dict

    /**
     * PyTorch's optimizer state dict: {@code state} maps a parameter's index (counting through the
     * groups in order) to its state, {@code step} first as a 0-d float64 tensor; {@code paramGroups}
     * holds each group's options and, under {@code "params"}, its parameters' indices.
     */
    public record StateDict(Map<Integer, Map<String, Tensor>> state, List<Map<String, Object>> paramGroups) {}

    /** A snapshot of the state (copies: later steps do not change it) and the groups' options. */
    public StateDict stateDict() {
        Map<Integer, Map<String, Tensor>> states = new LinkedHashMap<>();
        List<Map<String, Object>> groups = new ArrayList<>();
        int index = 0;
        for (ParamGroup g : paramGroups) {
            List<Integer> ids = new ArrayList<>();
            for (Tensor p : g.params()) {
                State s = state.get(p);
                if (s != null) {
                    Map<String, Tensor> m = new LinkedHashMap<>();
                    if (countsSteps()) m.put("step", Tensor.scalar(s.step, DType.FLOAT64));
                    s.buffers.forEach((k, v) -> m.put(k, Tensor.wrap(v.data().copy())));
                    states.put(index, Collections.unmodifiableMap(m));
                }
                ids.add(index++);
            }
            Map<String, Object> options = new LinkedHashMap<>(g.options());
            options.put("params", List.copyOf(ids));
            groups.add(Collections.unmodifiableMap(options));
        }
        return new StateDict(Collections.unmodifiableMap(states), List.copyOf(groups));
    }

    /**
     * Replaces the state and the groups' options with a saved {@link StateDict} from an optimizer of
     * the same type over parameters of the same shapes, in the same groups. Buffers are copied and
     * converted to their parameter's dtype and device. Everything is checked before anything changes.
     */
    public void loadStateDict(StateDict saved) {
        List<Map<String, Object>> groups = saved.paramGroups();
        if (groups.size() != paramGroups.size()) {
            throw new IllegalArgumentException(name() + ".loadStateDict: the state has " + groups.size()
                    + " parameter groups, this optimizer has " + paramGroups.size());
        }
        Map<Integer, Tensor> byIndex = new LinkedHashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            Object ids = groups.get(i).get("params");
            List<Tensor> mine = paramGroups.get(i).params();
            if (!(ids instanceof List<?> l) || l.size() != mine.size()) {
                throw new IllegalArgumentException(name() + ".loadStateDict: parameter group " + i + " has "
                        + (ids instanceof List<?> l2 ? l2.size() : "no") + " parameters in the state and " + mine.size() + " here");
            }
            for (int j = 0; j < mine.size(); j++) byIndex.put(((Number) l.get(j)).intValue(), mine.get(j));
        }
        Map<Tensor, State> loaded = new IdentityHashMap<>();
        for (Map.Entry<Integer, Map<String, Tensor>> e : saved.state().entrySet()) {
            Tensor p = byIndex.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException(name() + ".loadStateDict: the state has an entry for parameter " + e.getKey()
                        + ", which no group lists");
            }
            State s = new State();
            for (Map.Entry<String, Tensor> b : e.getValue().entrySet()) {
                String key = b.getKey();
                NDArray v = b.getValue().data();
                if (key.equals("step")) {
                    s.step = (long) v.item();
                } else if (isScalarState(key)) {
                    s.buffers.put(key, Tensor.wrap(v.to(Device.CPU).copy()));
                } else {
                    if (!Arrays.equals(v.shapeRef(), p.data().shapeRef())) {
                        throw new IllegalArgumentException(name() + ".loadStateDict: state '" + key + "' of parameter " + e.getKey()
                                + " has shape " + Shapes.str(v.shapeRef()) + ", but the parameter has shape " + Shapes.str(p.shape()));
                    }
                    s.buffers.put(key, Tensor.wrap(v.to(p.dtype()).to(p.device()).copy()));
                }
            }
            loaded.put(p, s);
        }
        state.clear();
        state.putAll(loaded);
        for (int i = 0; i < groups.size(); i++) paramGroups.get(i).replaceOptions(groups.get(i));
    }

    // ------------------------------------------------------------------ validation helpers

    /** Throws {@code IllegalArgumentException} naming this optimizer and the group when {@code ok} is false. */
    protected final void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(name() + ": " + message + where);
    }

    /** The option must be >= 0 (NaN is not). */
    protected final void checkNonNegative(ParamGroup g, String key) {
        double v = g.getDouble(key);
        check(v >= 0, "invalid " + key + " " + v + ", it must be >= 0");
    }

    /** The option must lie in [lo, hi], or [lo, hi) when {@code hiOpen}. */
    protected final void checkRange(ParamGroup g, String key, double lo, double hi, boolean hiOpen) {
        double v = g.getDouble(key);
        check(v >= lo && (hiOpen ? v < hi : v <= hi),
                "invalid " + key + " " + v + ", it must be in [" + lo + ", " + hi + (hiOpen ? ")" : "]"));
    }

    /** Both betas must lie in [0, 1). */
    protected final void checkBetas(ParamGroup g) {
        for (int i = 0; i < 2; i++) {
            double b = g.getPair("betas", i);
            check(b >= 0 && b < 1, "invalid beta parameter at index " + i + ": " + b + ", betas must be in [0, 1)");
        }
    }

    /** Checks the options every optimizer has: lr, weightDecay (and that maximize is a boolean). */
    protected final void checkCommon(ParamGroup g) {
        checkNonNegative(g, "lr");
        checkNonNegative(g, "weightDecay");
        g.getBoolean("maximize");
    }

    // ------------------------------------------------------------------ options

    /**
     * An optimizer's options with their defaults, set fluently: {@code new Adam.Options().lr(3e-4).amsgrad(true)}.
     * Every optimizer has {@code lr}, {@code weightDecay} and {@code maximize}.
     */
    public abstract static class Options<O extends Options<O>> {
        final Map<String, Object> values = new LinkedHashMap<>();

        protected Options(double lr) {
            set("lr", lr);
        }

        public O lr(double lr) { return set("lr", lr); }

        /** L2 penalty: the gradient becomes grad + weightDecay * param (AdamW decays the parameter directly). */
        public O weightDecay(double weightDecay) { return set("weightDecay", weightDecay); }

        /** Maximise the objective instead of minimising it (the gradient's sign is flipped). */
        public O maximize(boolean maximize) { return set("maximize", maximize); }

        @SuppressWarnings("unchecked")
        protected final O set(String key, Object value) {
            values.put(key, ParamGroup.normalise(key, value));
            return (O) this;
        }

        @Override
        public String toString() { return getClass().getEnclosingClass().getSimpleName() + ".Options" + values; }
    }
}
