package dev.kindling.autograd;

/** A node for a single-output op whose derivative rule is a {@link Backward}. */
final class FormulaNode extends Node {
    private final Backward backward;

    FormulaNode(String name, Edge[] next, GradMeta output, Backward backward) {
        super(name, next, new GradMeta[]{output});
        this.backward = backward;
    }

    @Override
    Tensor[] apply(Tensor[] gradOutputs) { return backward.apply(gradOutputs[0]); }

    @Override
    Tensor[] applyOwning(Tensor[] gradOutputs) { return backward.applyOwning(gradOutputs[0]); }

    @Override
    boolean overwrites() { return backward.overwrites(); }
}
