package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** x for x > 0, else alpha (e^x - 1) (default alpha 1). */
public class ELU extends Module {
    public final double alpha;

    public ELU() { this(1.0); }

    public ELU(double alpha) { this.alpha = alpha; }

    @Override
    public Tensor forward(Tensor x) { return F.elu(x, alpha); }

    @Override
    protected String describe() { return "ELU(alpha=" + alpha + ")"; }
}
