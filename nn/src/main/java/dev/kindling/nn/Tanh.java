package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** tanh(x), elementwise. */
public class Tanh extends Module {
    @Override
    public Tensor forward(Tensor x) { return F.tanh(x); }
}
