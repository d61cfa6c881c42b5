package dev.kindling.autograd;

/** How ops record themselves: whether to, and the node that links an output to its inputs. */
final class Graph {
    private Graph() {}

    /** Whether an op on {@code a} must record: grad mode is on and the input requires grad. */
    static boolean records(Tensor a) { return a.requiresGrad() && GradMode.isEnabled(); }

    static boolean records(Tensor a, Tensor b) { return (a.requiresGrad() || b.requiresGrad()) && GradMode.isEnabled(); }

    static boolean records(Tensor... inputs) {
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return GradMode.isEnabled();
        return false;
    }

    /** Keeps {@code t} for backward when {@code needed}, else null. */
    static SavedTensor save(Tensor t, boolean needed) { return needed ? new SavedTensor(t) : null; }

    static SavedTensor save(Tensor t) { return new SavedTensor(t); }

    /**
     * Makes {@code out} the output of a new node named {@code name} whose rule is {@code backward},
     * sending gradients to {@code inputs} (null entries, and inputs that do not require grad, get none).
     * Returns {@code out}.
     */
    static Tensor record(String name, Tensor out, Backward backward, Tensor[] inputs, SavedTensor... saved) {
        Edge[] edges = new Edge[inputs.length];
        for (int i = 0; i < inputs.length; i++) edges[i] = inputs[i] == null ? null : inputs[i].gradientEdge();
        FormulaNode node = new FormulaNode(name, edges, GradMeta.of(out.data()), backward);
        if (saved.length > 0) node.keep(saved);
        out.attach(node, 0);
        return out;
    }

    static Tensor record(String name, Tensor out, Backward backward, Tensor input, SavedTensor... saved) {
        return record(name, out, backward, new Tensor[]{input}, saved);
    }
}
