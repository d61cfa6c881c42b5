package dev.kindling.autograd;

import dev.kindling.tensor.Storage;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which gradients one backward pass owns: those it may hand to a leaf as its {@code grad} without
 * copying them, and those a node may overwrite with its own result (relu's backward masks in place).
 * PyTorch's AccumulateGrad steals a gradient that nothing else references; the JVM has no reference
 * counts, so the engine keeps the few it needs. A gradient is owned when its buffer
 * <ul>
 *   <li>was created during this pass, so no tensor from before (the seed, an activation, a tensor the
 *       user holds) shares it;</li>
 *   <li>is held by no pending input of a node still to run (AddBackward hands one gradient to both
 *       inputs; a view backward passes a view of it on);</li>
 *   <li>was never seen by user code: buffers passed to or returned by a hook or a user
 *       {@link Function} are {@link #escaped}, since that code may have kept them;</li>
 *   <li>is exactly the tensor (contiguous, from offset 0, the whole storage), not a view of a larger
 *       buffer.</li>
 * </ul>
 * Counts are per storage, so views of one buffer count together. Skipping the copy matters: the
 * gradients of a model's weights are its largest buffers per training step.
 */
final class GradOwnership {
    private final long passStart = Storage.lastSerial();
    private final Map<Storage, Integer> pending = new IdentityHashMap<>();
    private final Set<Storage> escaped = Collections.newSetFromMap(new IdentityHashMap<>());

    /** {@code g} now waits in a node's input buffer. */
    void held(Tensor g) {
        if (g != null) pending.merge(g.data().storage(), 1, Integer::sum);
    }

    /** {@code g} left a node's input buffer (the node is running, or it was summed into a new one). */
    void released(Tensor g) {
        if (g != null) pending.computeIfPresent(g.data().storage(), (s, n) -> n == 1 ? null : n - 1);
    }

    /** User code saw {@code g}, so it must never become a leaf's grad uncopied, nor be overwritten. */
    void escaped(Tensor g) {
        if (g != null) escaped.add(g.data().storage());
    }

    /** True when the pass owns {@code g}, so the node about to run may write its result into it. */
    boolean mayOverwrite(Tensor g) {
        Storage s = g.data().storage();
        return s.serial() > passStart && g.data().coversStorage() && !pending.containsKey(s) && !escaped.contains(s);
    }

    /** True when {@code g} may become a leaf's grad as it is; from then on the leaf owns it. */
    boolean take(Tensor g) {
        return mayOverwrite(g) && escaped.add(g.data().storage());
    }
}
