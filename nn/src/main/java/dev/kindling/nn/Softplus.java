package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** log(1 + e^(beta x)) / beta (defaults beta 1, threshold 20). */
public class Softplus extends Module {
    public final double beta, threshold;

    public Softplus() { this(1, 20); }

    public Softplus(double beta, double threshold) {
        this.beta = beta;
        this.threshold = threshold;
    }

    @Override
    public Tensor forward(Tensor x) { return F.softplus(x, beta, threshold); }

    @Override
    protected String describe() { return "Softplus(beta=" + beta + ", threshold=" + threshold + ")"; }
}
