package dev.kindling.io;

import dev.kindling.autograd.Tensor;
import java.util.Map;

/**
 * Something whose state a {@link Checkpoint} can save and restore: an optimizer (moment buffers, step
 * counts), a learning-rate scheduler, a data sampler. The state is split the way a safetensors file
 * stores it: tensors, and strings for everything else (numbers, flags), which the file keeps in its
 * {@code __metadata__}.
 * <p>The methods are not named {@code stateDict}/{@code loadStateDict} so that a class whose own
 * {@code stateDict()} returns a richer structure (PyTorch optimizers return nested dicts) can also
 * implement this, as an adapter.
 * <pre>{@code
 * class Counter implements Stateful {
 *     long steps;
 *     public Map<String, Tensor> tensorState() { return Map.of(); }
 *     public Map<String, String> extraState() { return Map.of("steps", Long.toString(steps)); }
 *     public void loadState(Map<String, Tensor> t, Map<String, String> extra) { steps = Long.parseLong(extra.get("steps")); }
 * }
 * }</pre>
 */
public interface Stateful {
    /** Tensor state under names of its choosing (dots allowed). Need not be copies: a checkpoint writes them at once. */
    Map<String, Tensor> tensorState();

    /** Everything else, as strings; none by default. */
    default Map<String, String> extraState() { return Map.of(); }

    /**
     * Restores state saved from {@link #tensorState()} and {@link #extraState()}. Should check everything
     * before changing anything, so a checkpoint that does not fit leaves the object as it was.
     */
    void loadState(Map<String, Tensor> tensors, Map<String, String> extra);
}
