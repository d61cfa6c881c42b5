package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** x for x > 0, else negativeSlope * x (default 0.01). */
public class LeakyReLU extends Module {
    public final double negativeSlope;

    public LeakyReLU() { this(0.01); }

    public LeakyReLU(double negativeSlope) { this.negativeSlope = negativeSlope; }

    @Override
    public Tensor forward(Tensor x) { return F.leakyRelu(x, negativeSlope); }

    @Override
    protected String describe() { return "LeakyReLU(negativeSlope=" + negativeSlope + ")"; }
}
