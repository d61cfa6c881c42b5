package dev.kindling.autograd;

import dev.kindling.tensor.BinaryOp;

/** The node behind a leaf that requires grad: it adds the gradient that reaches it into the leaf's {@code grad}. */
final class AccumulateGrad extends Node {
    final Tensor leaf;

    AccumulateGrad(Tensor leaf) {
        super("AccumulateGrad", new Edge[0], new GradMeta[]{GradMeta.of(leaf.data())});
        this.leaf = leaf;
    }

    @Override
    Tensor[] apply(Tensor[] gradOutputs) { throw new IllegalStateException("AccumulateGrad is run by the engine"); }

    /**
     * Sums {@code g} into the leaf's gradient. The first gradient becomes the leaf's grad as it is
     * when {@code ownership} proves nothing else holds it; otherwise it is copied, because it may be
     * a tensor the caller still holds (the seed of backward, or a hook's result), one that another
     * leaf got too (AddBackward hands the same gradient to both inputs), or a broadcast view (from
     * SumBackward), and later accumulation writes into it. With createGraph the copy is a recorded
     * clone(), as PyTorch's, so the gradient stays differentiable. Leaves shared by threads
     * training at once are summed under a lock.
     */
    void accumulate(Tensor g, boolean createGraph, GradOwnership ownership) {
        synchronized (leaf) {
            Tensor old = leaf.grad();
            if (old == null) {
                if (createGraph) leaf.setGrad(g.clone());
                else leaf.setGrad(Tensor.wrap(ownership.take(g) ? g.data() : g.data().copy()));
            } else if (createGraph || old.requiresGrad()) {
                leaf.setGrad(old.add(g));
            } else {
                old.data().binary_(BinaryOp.ADD, g.data());
            }
        }
    }
}
