package dev.kindling.autograd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a user-defined {@link Function} keeps between its forward and its backward: tensors saved
 * for backward (checked against in-place changes like the built-in ops' saved tensors), which
 * outputs carry no gradient, and any other values it needs ({@link #put}).
 */
public final class FunctionContext {
    private final boolean[] needsInputGrad;
    private SavedTensor[] saved = new SavedTensor[0];
    private final Map<Tensor, Boolean> nonDifferentiable = new IdentityHashMap<>();
    private final Map<String, Object> values = new HashMap<>();
    private boolean savedFreedAfterBackward;

    FunctionContext(boolean[] needsInputGrad) { this.needsInputGrad = needsInputGrad; }

    /** Keeps tensors for backward; call once in forward with everything backward will read. */
    public void saveForBackward(Tensor... tensors) {
        List<SavedTensor> s = new ArrayList<>(tensors.length);
        for (Tensor t : tensors) s.add(t == null ? null : new SavedTensor(t));
        saved = s.toArray(new SavedTensor[0]);
    }

    /** The tensors saved in forward, in order; fails if one was modified in place since, or backward freed them. */
    public Tensor[] savedTensors() {
        Tensor[] out = new Tensor[saved.length];
        for (int i = 0; i < saved.length; i++) out[i] = saved[i] == null ? null : saved[i].get();
        return out;
    }

    /** Declares outputs that have no gradient (indices, masks): they come back not requiring grad. */
    public void markNonDifferentiable(Tensor... outputs) {
        for (Tensor t : outputs) nonDifferentiable.put(t, Boolean.TRUE);
    }

    /** Whether input {@code i} needs a gradient, so backward can skip work for the others. */
    public boolean needsInputGrad(int i) { return needsInputGrad[i]; }

    /** Keeps a non-tensor value (a shape, a flag) for backward. */
    public void put(String key, Object value) { values.put(key, value); }

    @SuppressWarnings("unchecked")
    public <T> T get(String key) {
        if (!values.containsKey(key)) throw new IllegalArgumentException("FunctionContext: nothing was put under \"" + key + "\"");
        return (T) values.get(key);
    }

    /**
     * True while backward runs for the last time and is not itself recorded: the engine frees what
     * forward saved once it returns (backward without retainGraph or createGraph). A function may then
     * write over an array it made in forward only to save it (never an input or an output, which others
     * may hold) instead of allocating another, bumping its storage's version first so that a backward
     * retried after a failure reports the change instead of reading it: the fused recurrent layers write
     * their gate gradients over their saved gates.
     */
    public boolean savedFreedAfterBackward() { return savedFreedAfterBackward; }

    void savedFreedAfterBackward(boolean freed) { savedFreedAfterBackward = freed; }

    boolean isNonDifferentiable(Tensor t) { return nonDifferentiable.containsKey(t); }

    SavedTensor[] saved() { return saved; }
}
