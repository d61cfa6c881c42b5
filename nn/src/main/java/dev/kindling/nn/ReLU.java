package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** max(x, 0), elementwise. */
public class ReLU extends Module {
    @Override
    public Tensor forward(Tensor x) { return F.relu(x); }
}
