package dev.kindling.autograd;

/**
 * The derivative rule of a single-output op: given the gradient of its output, the gradients of
 * its inputs in the order the op took them ({@code null} where an input needs none). Written with
 * {@link Tensor} ops, so that with {@code createGraph} the rule itself is recorded and can be
 * differentiated again. A rule reads what the op kept through {@link SavedTensor#get()}, never
 * through a captured tensor, so that in-place changes are caught and backward can free it.
 */
@FunctionalInterface
interface Backward {
    Tensor[] apply(Tensor gradOutput);

    /**
     * {@link #apply} when the engine owns gradOutput (nothing else holds or has seen its storage): a rule
     * may write its result into it instead of a new array. Only the recording-off backward calls this.
     */
    default Tensor[] applyOwning(Tensor gradOutput) {
        return apply(gradOutput);
    }

    /** Whether {@link #applyOwning} writes into its gradient: only then does the engine check ownership. */
    default boolean overwrites() {
        return false;
    }
}
