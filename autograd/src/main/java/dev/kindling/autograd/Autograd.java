package dev.kindling.autograd;

/**
 * Gradients as values: {@code grad(outputs, inputs, ...)} returns d(outputs)/d(inputs) without
 * touching any tensor's {@code grad}, the building block of gradient penalties and meta-learning.
 * <pre>{@code
 * Tensor x = Tensor.of(new double[]{1, 2, 3}).requiresGrad_(true);
 * Tensor y = x.pow(3).sum();
 * Tensor dx = Autograd.grad(y, x, true)[0];         // 3x^2, itself differentiable
 * Tensor d2x = Autograd.grad(dx.sum(), x)[0];       // 6x
 * }</pre>
 */
public final class Autograd {
    private Autograd() {}

    /**
     * The gradients of {@code outputs} (weighted by {@code gradOutputs}, which may be null for scalar
     * outputs) with respect to each of {@code inputs}. With {@code createGraph} the result is recorded
     * so it can be differentiated again; without {@code retainGraph} the graph is freed afterwards.
     * An input the outputs do not depend on is an error.
     */
    public static Tensor[] grad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, boolean retainGraph,
                                boolean createGraph) {
        return grad(outputs, inputs, gradOutputs, retainGraph, createGraph, false);
    }

    /** As {@link #grad(Tensor[], Tensor[], Tensor[], boolean, boolean)}; with {@code allowUnused}, unused inputs get null. */
    public static Tensor[] grad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, boolean retainGraph,
                                boolean createGraph, boolean allowUnused) {
        return Engine.grad(outputs, inputs, gradOutputs, retainGraph || createGraph, createGraph, allowUnused);
    }

    /** The gradient of a scalar {@code output} with respect to {@code inputs}; the graph is freed. */
    public static Tensor[] grad(Tensor output, Tensor... inputs) {
        return grad(new Tensor[]{output}, inputs, null, false, false);
    }

    /** The gradient of a scalar {@code output}, recorded when {@code createGraph} (which also keeps the graph). */
    public static Tensor[] grad(Tensor output, Tensor input, boolean createGraph) {
        return grad(new Tensor[]{output}, new Tensor[]{input}, null, createGraph, createGraph);
    }
}
