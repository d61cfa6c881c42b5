package dev.kindling.autograd;

/**
 * Runs a user-defined op: forward without recording, then one node whose backward is the user's.
 * Shared by {@link Function} (one output) and {@link MultiOutputFunction}.
 */
final class FunctionNode extends Node {
    interface Forward { Tensor[] run(FunctionContext ctx); }

    interface BackwardFn { Tensor[] run(FunctionContext ctx, Tensor[] gradOutputs); }

    private final FunctionContext ctx;
    private final BackwardFn backward;
    private final int inputs;
    private final boolean returnsFreshTensors;

    private FunctionNode(String name, Edge[] next, GradMeta[] outputs, FunctionContext ctx, BackwardFn backward,
                         boolean returnsFreshTensors) {
        super(name, next, outputs);
        this.ctx = ctx;
        this.backward = backward;
        this.inputs = next.length;
        this.returnsFreshTensors = returnsFreshTensors;
    }

    /** The function declared that its backward returns tensors no one else holds. */
    boolean returnsFreshTensors() { return returnsFreshTensors; }

    static Tensor[] run(String name, Tensor[] inputs, Forward forward, BackwardFn backward, boolean returnsFreshTensors) {
        boolean[] needs = new boolean[inputs.length];
        boolean record = false;
        for (int i = 0; i < inputs.length; i++) {
            needs[i] = inputs[i] != null && inputs[i].requiresGrad() && GradMode.isEnabled();
            record |= needs[i];
        }
        FunctionContext ctx = new FunctionContext(needs);
        Tensor[] raw;
        try (GradMode.Scope s = GradMode.noGrad()) {
            raw = forward.run(ctx);
        }
        if (raw == null || raw.length == 0) throw new IllegalStateException(name + ": forward returned no outputs");
        // Fresh tensors, so that returning an input as-is never rewrites the input's own history. An
        // output sharing an input's storage (the input itself, or a view of it) is a view of that
        // input, as in PyTorch, so in-place ops on it get the input's checks: a bare wrap would let
        // y.add_() silently change a leaf that requires grad.
        Tensor[] outputs = new Tensor[raw.length];
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == null) throw new IllegalStateException(name + ": forward returned null as output " + i);
            outputs[i] = Tensor.wrap(raw[i].data());
            for (Tensor in : inputs) {
                if (in != null && raw[i].data().sharesStorage(in.data())) {
                    outputs[i] = in.viewResult(raw[i].data());
                    break;
                }
            }
        }
        if (!record) return outputs;
        Edge[] edges = new Edge[inputs.length];
        for (int i = 0; i < inputs.length; i++) edges[i] = needs[i] ? inputs[i].gradientEdge() : null;
        GradMeta[] meta = new GradMeta[outputs.length];
        for (int i = 0; i < outputs.length; i++) meta[i] = GradMeta.of(outputs[i].data());
        FunctionNode node = new FunctionNode(name, edges, meta, ctx, backward, returnsFreshTensors);
        node.keep(ctx.saved());
        for (int i = 0; i < outputs.length; i++) {
            if (outputs[i].dtype().isFloatingPoint() && !ctx.isNonDifferentiable(raw[i])) outputs[i].attach(node, i);
        }
        // A saved output must be the recorded one, or double backward would see it as a constant.
        for (SavedTensor s : ctx.saved()) {
            if (s == null) continue;
            for (int i = 0; i < raw.length; i++) if (s.holds(raw[i])) s.rebind(outputs[i]);
        }
        return outputs;
    }

    /** Tells the function whether the engine frees what it saved after the coming backward. */
    void savedFreedAfterBackward(boolean freed) { ctx.savedFreedAfterBackward(freed); }

    /**
     * Outputs that got no gradient get zeros, so the user's backward never sees null. The shapes of the
     * gradients it returns are checked by the engine, like every node's.
     */
    @Override
    Tensor[] apply(Tensor[] gradOutputs) {
        Tensor[] g = gradOutputs.clone();
        for (int i = 0; i < g.length; i++) if (g[i] == null) g[i] = outputs[i].zeros();
        Tensor[] grads = backward.run(ctx, g);
        if (grads == null || grads.length != inputs) {
            throw new IllegalStateException(name() + ": backward returned " + (grads == null ? "null" : grads.length
                    + " gradients") + " but forward took " + inputs + " inputs (return null for an input without gradient)");
        }
        return grads;
    }
}
