package dev.kindling.autograd;

import dev.kindling.tensor.Shapes;

/**
 * A tensor an op keeps for its backward, with the storage version it had when saved. Reading it
 * after an in-place change, or after backward freed it, fails with a message naming the op.
 */
final class SavedTensor {
    private Tensor tensor;
    private final int version;
    private Node owner;

    SavedTensor(Tensor tensor) {
        this.tensor = tensor;
        this.version = tensor.data().storage().version();
    }

    void owner(Node node) { this.owner = node; }

    /** Whether this holds exactly {@code t} (the same object, not just the same data). */
    boolean holds(Tensor t) { return tensor == t; }

    /**
     * Holds {@code replacement} (a tensor over the same storage) instead; used when a user op saved
     * the raw forward result and the recorded output, which carries the graph, replaces it.
     */
    void rebind(Tensor replacement) { tensor = replacement; }

    Tensor get() {
        Tensor t = tensor;
        String op = owner == null ? "backward" : owner.name();
        if (t == null) {
            throw new IllegalStateException(op + ": trying to backward through the graph a second time (or to read its saved"
                    + " tensors after they were freed). backward() frees what the graph saved; pass retainGraph = true to"
                    + " the first backward(...) if you need to run backward through this graph again.");
        }
        int now = t.data().storage().version();
        if (now != version) {
            throw new IllegalStateException(op + ": a tensor it saved for backward (" + t.dtype() + " " + Shapes.str(t.shape())
                    + ") was modified by an in-place operation: it is at version " + now
                    + ", it was at version " + version + " when saved. Use the out-of-place op (add instead of add_) or"
                    + " clone() the tensor before modifying it.");
        }
        return t;
    }

    void release() { tensor = null; }
}
