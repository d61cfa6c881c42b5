package dev.kindling.autograd;

/**
 * A user-defined op with several outputs: forward returns them all, backward gets one gradient per
 * output (zeros for outputs that did not contribute) and returns one per input. Outputs marked with
 * {@link FunctionContext#markNonDifferentiable} come back not requiring grad.
 */
public abstract class MultiOutputFunction {
    public abstract Tensor[] forward(FunctionContext ctx, Tensor... inputs);

    public abstract Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs);

    public final Tensor[] apply(Tensor... inputs) {
        return FunctionNode.run(name(), inputs, ctx -> forward(ctx, inputs), this::backward, backwardReturnsFreshTensors());
    }

    /**
     * Whether {@link #backward} returns only tensors it has just made and keeps no reference to: then a
     * leaf may adopt one as its {@code grad()} without a copy, and a later node's backward may write into
     * it (docs/autograd.md). Never true of a backward that returns its gradient output, an input, a saved
     * tensor, a view of any of them, or a buffer it caches; returning one new tensor for several inputs
     * is fine. Read once per {@code apply}, when the op is recorded. False by default. A fused layer
     * returning a fresh weight gradient each call saves a copy of that gradient per step.
     */
    protected boolean backwardReturnsFreshTensors() {
        return false;
    }

    protected String name() {
        String n = getClass().getSimpleName();
        return (n.isEmpty() ? "MultiOutputFunction" : n) + "Backward";
    }
}
