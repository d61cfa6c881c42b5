package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** x * sigmoid(x), elementwise (swish). */
public class SiLU extends Module {
    @Override
    public Tensor forward(Tensor x) { return F.silu(x); }
}
