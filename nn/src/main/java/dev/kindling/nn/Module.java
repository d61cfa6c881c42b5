package dev.kindling.nn;

import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.io.Safetensors;
import dev.kindling.tensor.Device;
import dev.kindling.tensor.Shapes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The base of every layer and model. A module owns parameters (tensors that require grad and that
 * optimizers update), buffers (state saved with the model but not trained, such as BatchNorm's
 * running mean) and child modules, each registered under a name. Names compose with dots into
 * PyTorch's state-dict keys ({@code 0.weight}, {@code encoder.layers.1.bias}), so weights move between
 * Kindling and PyTorch unchanged.
 * <pre>{@code
 * class Net extends Module {
 *     final Linear fc1 = registerModule("fc1", new Linear(784, 128));
 *     final Linear fc2 = registerModule("fc2", new Linear(128, 10));
 *     public Tensor forward(Tensor x) { return fc2.forward(fc1.forward(x).relu()); }
 * }
 * }</pre>
 * In Java, import it by name: {@code java.lang.Module} shadows an on-demand import.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** The layer's computation on one input. Layers with several inputs or outputs add typed overloads. */
    public Tensor forward(Tensor input) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not take a single tensor; call one of its"
                + " forward overloads");
    }

    // ------------------------------------------------------------------ registration

    /**
     * Registers a parameter (null for an absent one, as {@code bias=false}: it then appears nowhere).
     * The tensor is marked as requiring grad; returns it so fields can be initialised in one line.
     */
    public Tensor registerParameter(String name, Tensor parameter) {
        checkName(name, "parameter");
        if (parameter != null && !parameter.isLeaf()) {
            throw new IllegalArgumentException("registerParameter(\"" + name + "\"): a parameter must be a leaf, but this tensor"
                    + " was computed by " + parameter.gradFn().name() + "; pass detach() of it, or create it directly");
        }
        if (parameter != null && !parameter.requiresGrad()) parameter.requiresGrad_(true);
        parameters.put(name, parameter);
        return parameter;
    }

    /** Registers state that is saved and moved with the module but not trained (null for an absent one). */
    public Tensor registerBuffer(String name, Tensor buffer) {
        checkName(name, "buffer");
        buffers.put(name, buffer);
        return buffer;
    }

    /** Registers a child module; its parameters appear under {@code name + "."}. Returns it. */
    public <M extends Module> M registerModule(String name, M module) {
        checkName(name, "module");
        if (module == this) throw new IllegalArgumentException("registerModule(\"" + name + "\"): a module cannot contain itself");
        children.put(name, module);
        return module;
    }

    private void checkName(String name, String kind) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("register " + kind + ": name must be non-empty and contain no '.', got \"" + name + "\"");
        }
        String taken = parameters.containsKey(name) && !kind.equals("parameter") ? "a parameter"
                : buffers.containsKey(name) && !kind.equals("buffer") ? "a buffer"
                : children.containsKey(name) && !kind.equals("module") ? "a module" : null;
        if (taken != null) {
            throw new IllegalArgumentException("register " + kind + " \"" + name + "\": the name is already " + taken
                    + " of " + getClass().getSimpleName());
        }
    }

    // ------------------------------------------------------------------ traversal

    /** Every parameter of this module and its descendants, each once, in registration order. */
    public List<Tensor> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Parameters under their dotted names ({@code 0.weight}); a tensor shared by two modules appears once, under its first name. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        collect("", out, seen, true);
        return out;
    }

    /** Buffers under their dotted names. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, Collections.newSetFromMap(new IdentityHashMap<>()), false);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, Set<Tensor> seen, boolean params) {
        for (Map.Entry<String, Tensor> e : (params ? parameters : buffers).entrySet()) {
            if (e.getValue() != null && seen.add(e.getValue())) out.put(prefix + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Module> c : children.entrySet()) {
            if (c.getValue() != null) c.getValue().collect(prefix + c.getKey() + ".", out, seen, params);
        }
    }

    /** The direct children, in registration order. */
    public List<Module> children() { return new ArrayList<>(namedChildren().values()); }

    public Map<String, Module> namedChildren() {
        Map<String, Module> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> c : children.entrySet()) if (c.getValue() != null) out.put(c.getKey(), c.getValue());
        return out;
    }

    /** This module and every descendant, depth first, each once. */
    public List<Module> modules() {
        Set<Module> seen = new LinkedHashSet<>();
        List<Module> stack = new ArrayList<>(List.of(this));
        while (!stack.isEmpty()) {
            Module m = stack.remove(stack.size() - 1);
            if (!seen.add(m)) continue;
            List<Module> kids = m.children();
            for (int i = kids.size() - 1; i >= 0; i--) stack.add(kids.get(i));
        }
        return new ArrayList<>(seen);
    }

    /** Runs {@code fn} on every descendant, then on this module (PyTorch's order); returns this. */
    public Module apply(Consumer<Module> fn) {
        for (Module c : children()) c.apply(fn);
        fn.accept(this);
        return this;
    }

    // ------------------------------------------------------------------ modes and gradients

    /** Training mode (dropout active, batch statistics) for this module and all descendants; returns this. */
    public Module train() { return train(true); }

    public Module train(boolean mode) {
        training = mode;
        for (Module c : children()) c.train(mode);
        return this;
    }

    /** Evaluation mode: dropout off, running statistics used. Returns this. */
    public Module eval() { return train(false); }

    public boolean isTraining() { return training; }

    /** Clears every parameter's gradient (sets it to null, as PyTorch's default {@code set_to_none}). */
    public void zeroGrad() {
        for (Tensor p : parameters()) p.setGrad(null);
    }

    /** Moves every parameter and buffer to {@code device} in place (the same Tensor objects); returns this. */
    public Module to(Device device) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (Tensor p : parameters()) if (!p.device().equals(device)) p.set_(p.detach().to(device));
            for (Tensor b : namedBuffers().values()) if (!b.device().equals(device)) b.set_(b.to(device));
        }
        return this;
    }

    // ------------------------------------------------------------------ state dict

    /**
     * Parameters and buffers under PyTorch's keys, in PyTorch's order (each module's parameters, then
     * its buffers, then its children's). The tensors are detached and share the module's data.
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        stateInto("", out);
        return out;
    }

    private void stateInto(String prefix, Map<String, Tensor> out) {
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            if (e.getValue() != null) out.put(prefix + e.getKey(), e.getValue().detach());
        }
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            if (e.getValue() != null) out.put(prefix + e.getKey(), e.getValue().detach());
        }
        for (Map.Entry<String, Module> c : children.entrySet()) {
            if (c.getValue() != null) c.getValue().stateInto(prefix + c.getKey() + ".", out);
        }
    }

    /**
     * Copies values from {@code state} into this module's parameters and buffers (converted to their
     * dtype, in place). Strict mode checks everything first and reports every missing key, unexpected
     * key and shape mismatch in one error, leaving the module untouched; non-strict mode loads the keys
     * that match and skips the rest, but still refuses a shape mismatch.
     */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (String k : own.keySet()) if (!state.containsKey(k)) missing.add(k);
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            Tensor mine = own.get(e.getKey());
            if (mine == null) {
                unexpected.add(e.getKey());
            } else if (!Arrays.equals(mine.shape(), e.getValue().shape())) {
                mismatched.add(e.getKey() + ": checkpoint " + Shapes.str(e.getValue().shape()) + ", model " + Shapes.str(mine.shape()));
            }
        }
        if (!mismatched.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            StringBuilder msg = new StringBuilder("loadStateDict: the state does not fit " + getClass().getSimpleName() + ":");
            if (!missing.isEmpty()) msg.append("\n  missing keys: ").append(missing);
            if (strict && !unexpected.isEmpty()) msg.append("\n  unexpected keys: ").append(unexpected);
            if (!mismatched.isEmpty()) msg.append("\n  shape mismatches: ").append(String.join("; ", mismatched));
            msg.append("\n  nothing was loaded");
            throw new IllegalArgumentException(msg.toString());
        }
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : state.entrySet()) {
                Tensor mine = own.get(e.getKey());
                if (mine != null) mine.copy_(e.getValue());
            }
        }
    }

    // ------------------------------------------------------------------ description

    /**
     * What the layer is, in Flux's style: {@code Linear(784 => 128)}. Containers override {@link #toString()}
     * to list their children; leaf layers override this.
     */
    protected String describe() { return getClass().getSimpleName() + "()"; }

    /** PyTorch's nested listing: the layer's description, then each child indented under its name. */
    @Override
    public String toString() {
        Map<String, Module> kids = namedChildren();
        if (kids.isEmpty()) return describe();
        StringBuilder s = new StringBuilder(getClass().getSimpleName()).append("(\n");
        for (Map.Entry<String, Module> c : kids.entrySet()) {
            String child = c.getValue().toString().replace("\n", "\n  ");
            s.append("  (").append(c.getKey()).append("): ").append(child).append('\n');
        }
        return s.append(')').toString();
    }

    /**
     * A table of every module with its own parameter count, then the totals:
     * <pre>
     * module   type     parameters
     * 0        Linear   100,480
     * ...
     * total             101,770 (101,770 trainable)
     * </pre>
     */
    public String summary() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"module", "type", "parameters"});
        summaryRows("", this, rows);
        long total = 0, trainable = 0;
        for (Tensor p : parameters()) {
            total += p.numel();
            if (p.requiresGrad()) trainable += p.numel();
        }
        int w0 = 0, w1 = 0;
        for (String[] r : rows) {
            w0 = Math.max(w0, r[0].length());
            w1 = Math.max(w1, r[1].length());
        }
        StringBuilder s = new StringBuilder();
        for (String[] r : rows) s.append(pad(r[0], w0)).append("  ").append(pad(r[1], w1)).append("  ").append(r[2]).append('\n');
        s.append(pad("total", w0)).append("  ").append(pad("", w1)).append("  ").append(String.format("%,d", total))
                .append(" (").append(String.format("%,d", trainable)).append(" trainable)");
        return s.toString();
    }

    /** The number of elements in this module's own parameters, not its children's. */
    public long ownParameterCount() {
        long own = 0;
        for (Tensor p : parameters.values()) if (p != null) own += p.numel();
        return own;
    }

    private static void summaryRows(String name, Module m, List<String[]> rows) {
        rows.add(new String[]{name.isEmpty() ? "(root)" : name, m.getClass().getSimpleName(), String.format("%,d", m.ownParameterCount())});
        for (Map.Entry<String, Module> c : m.namedChildren().entrySet()) {
            summaryRows(name.isEmpty() ? c.getKey() : name + "." + c.getKey(), c.getValue(), rows);
        }
    }

    private static String pad(String s, int width) { return s + " ".repeat(Math.max(0, width - s.length())); }

    // ------------------------------------------------------------------ files

    /**
     * Writes {@link #stateDict()} to a safetensors file (atomically: an error leaves any existing file as it
     * was). PyTorch reads it with {@code safetensors.torch.load_file} and {@code model.load_state_dict}.
     * <pre>{@code
     * model.save(Path.of("mlp.safetensors"));
     * }</pre>
     */
    public void save(Path path) throws IOException { Safetensors.save(stateDict(), path); }

    /**
     * Loads a safetensors file written by {@link #save(Path)} or by PyTorch, strictly: when the file's keys or
     * shapes do not match this module, the error lists every missing key, unexpected key and shape mismatch,
     * and nothing is changed. Values are converted to each parameter's dtype (a float16 file loads into float32).
     */
    public void load(Path path) throws IOException {
        Map<String, Tensor> state = Safetensors.load(path);
        try {
            loadStateDict(state, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }
}
