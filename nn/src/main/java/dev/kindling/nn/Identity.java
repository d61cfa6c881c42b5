package dev.kindling.nn;

import dev.kindling.autograd.Tensor;

/** Returns its input: a placeholder where an architecture may or may not have a layer. */
public class Identity extends Module {
    @Override
    public Tensor forward(Tensor x) { return x; }
}
