package dev.kindling.autograd;

/**
 * A differentiable op defined by the user: implement {@link #forward} and {@link #backward}, then
 * call {@link #apply}. Forward runs without recording; backward gets the gradient of the output
 * and returns one gradient per input ({@code null} where an input needs none). See docs/autograd.md.
 * <pre>{@code
 * class Cube extends Function {
 *     public Tensor forward(FunctionContext ctx, Tensor... in) {
 *         ctx.saveForBackward(in[0]);
 *         return in[0].pow(3);
 *     }
 *     public Tensor[] backward(FunctionContext ctx, Tensor g) {
 *         Tensor x = ctx.savedTensors()[0];
 *         return new Tensor[]{g.mul(x.mul(x)).mul(3)};
 *     }
 * }
 * Tensor y = new Cube().apply(x);
 * }</pre>
 * Writing backward with {@link Tensor} ops makes it differentiable again (createGraph).
 */
public abstract class Function {
    public abstract Tensor forward(FunctionContext ctx, Tensor... inputs);

    public abstract Tensor[] backward(FunctionContext ctx, Tensor gradOutput);

    /** Runs forward and, when an input requires grad and grad mode is on, records a node named after the class. */
    public final Tensor apply(Tensor... inputs) {
        return FunctionNode.run(name(), inputs, ctx -> new Tensor[]{forward(ctx, inputs)},
                (ctx, g) -> backward(ctx, g[0]), backwardReturnsFreshTensors())[0];
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

    /** The node's name in gradFn and graph exports: the class name + "Backward". */
    protected String name() {
        String n = getClass().getSimpleName();
        return (n.isEmpty() ? "Function" : n) + "Backward";
    }
}
