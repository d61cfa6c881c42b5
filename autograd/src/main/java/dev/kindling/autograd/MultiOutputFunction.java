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
        return FunctionNode.run(name(), inputs, ctx -> forward(ctx, inputs), this::backward);
    }

    protected String name() {
        String n = getClass().getSimpleName();
        return (n.isEmpty() ? "MultiOutputFunction" : n) + "Backward";
    }
}
