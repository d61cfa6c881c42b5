package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** x for x > 0, else a * x with a learned slope a: one shared (default) or one per channel, initialised to 0.25. */
public class PReLU extends Module {
    public final Tensor weight;

    public PReLU() { this(1, 0.25); }

    public PReLU(int numParameters, double init) {
        weight = registerParameter("weight", Tensor.full(init, numParameters));
    }

    @Override
    public Tensor forward(Tensor x) { return F.prelu(x, weight); }

    @Override
    protected String describe() { return "PReLU(numParameters=" + weight.numel() + ")"; }
}
