package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** 1 / (1 + e^-x), elementwise. */
public class Sigmoid extends Module {
    @Override
    public Tensor forward(Tensor x) { return F.sigmoid(x); }
}
