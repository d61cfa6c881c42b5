package dev.kindling.optim;

import dev.kindling.autograd.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters that share hyperparameters: PyTorch's {@code param_groups} entry. Options are kept by
 * name, as PyTorch's group dict is ({@code "lr"}, {@code "weightDecay"}, {@code "betas"}, ...): the
 * optimizer fills in its defaults for every option a group does not set, and schedulers change
 * {@code lr} (and momentum or betas) between steps. Values are {@code Double}, {@code Boolean} or,
 * for {@code betas}, an immutable {@code List<Double>} of two.
 * <pre>{@code
 * var groups = List.of(new ParamGroup(model.body.parameters()),
 *                      new ParamGroup(model.head.parameters(), Map.of("lr", 1e-2)));
 * Optimizer opt = new SGD(groups, new SGD.Options().lr(1e-3).momentum(0.9));
 * }</pre>
 */
public final class ParamGroup {
    private final List<Tensor> params;
    private final Map<String, Object> options = new LinkedHashMap<>();

    public ParamGroup(Iterable<Tensor> params) { this(params, Map.of()); }

    /** A group whose {@code options} override the optimizer's defaults (e.g. {@code Map.of("lr", 0.1)}). */
    public ParamGroup(Iterable<Tensor> params, Map<String, ?> options) {
        if (params == null) throw new IllegalArgumentException("ParamGroup: params is null");
        List<Tensor> list = new ArrayList<>();
        for (Tensor p : params) {
            if (p == null) throw new IllegalArgumentException("ParamGroup: parameter " + list.size() + " is null");
            list.add(p);
        }
        this.params = Collections.unmodifiableList(list);
        options.forEach(this::set);
    }

    /** The group's parameters, in order (read-only). */
    public List<Tensor> params() { return params; }

    public double lr() { return getDouble("lr"); }

    /** Sets the learning rate used from the next {@code step()} on. */
    public ParamGroup setLr(double lr) { return set("lr", lr); }

    public boolean has(String key) { return options.containsKey(key); }

    /** The value of an option, or null when the group does not have it. */
    public Object get(String key) { return options.get(key); }

    public double getDouble(String key) {
        Object v = require(key);
        if (!(v instanceof Double d)) throw new IllegalArgumentException("ParamGroup: option '" + key + "' is " + v + ", not a number");
        return d;
    }

    public boolean getBoolean(String key) {
        Object v = require(key);
        if (!(v instanceof Boolean b)) throw new IllegalArgumentException("ParamGroup: option '" + key + "' is " + v + ", not a boolean");
        return b;
    }

    /** A pair such as {@code betas}: element {@code i} of a two-element list. */
    public double getPair(String key, int i) {
        Object v = require(key);
        if (!(v instanceof List<?> l) || l.size() != 2) {
            throw new IllegalArgumentException("ParamGroup: option '" + key + "' is " + v + ", not a pair of numbers");
        }
        return (Double) l.get(i);
    }

    /**
     * Sets an option. Numbers are stored as {@code Double}, pairs ({@code double[]} or a list of
     * numbers) as an immutable {@code List<Double>}; other values must be {@code Boolean}.
     */
    public ParamGroup set(String key, Object value) {
        if ("params".equals(key)) throw new IllegalArgumentException("ParamGroup: 'params' is not an option; pass parameters to the constructor");
        options.put(key, normalise(key, value));
        return this;
    }

    /** Sets {@code key} only when the group does not have it yet (Python's {@code dict.setdefault}); returns the value it has. */
    public Object setDefault(String key, Object value) {
        if (!options.containsKey(key)) set(key, value);
        return options.get(key);
    }

    /** The options by name (read-only view), without the parameters. */
    public Map<String, Object> options() { return Collections.unmodifiableMap(options); }

    void replaceOptions(Map<String, ?> newOptions) {
        options.clear();
        newOptions.forEach((k, v) -> { if (!"params".equals(k)) set(k, v); });
    }

    private Object require(String key) {
        Object v = options.get(key);
        if (v == null) throw new IllegalArgumentException("ParamGroup: no option '" + key + "' (it has " + options.keySet() + ")");
        return v;
    }

    /** The stored form of an option value; also used by {@link Optimizer.Options}. */
    static Object normalise(String key, Object value) {
        if (value instanceof Number n) return n.doubleValue();
        if (value instanceof Boolean) return value;
        double[] pair = null;
        if (value instanceof double[] a) pair = a;
        else if (value instanceof List<?> l && l.stream().allMatch(x -> x instanceof Number)) {
            pair = l.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
        }
        if (pair == null) {
            throw new IllegalArgumentException("ParamGroup: option '" + key + "' must be a number, a boolean or a pair of numbers, got "
                    + (value == null ? "null" : value.getClass().getSimpleName() + " " + value));
        }
        if (pair.length != 2) {
            throw new IllegalArgumentException("ParamGroup: option '" + key + "' must be a pair of numbers, got " + pair.length + " values");
        }
        return List.of(pair[0], pair[1]);
    }

    @Override
    public String toString() { return "ParamGroup(" + params.size() + " params, " + options + ")"; }
}
