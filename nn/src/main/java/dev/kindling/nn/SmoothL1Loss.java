package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** Quadratic below beta, linear above: see {@link F#smoothL1Loss(Tensor, Tensor, String, double)}. */
public class SmoothL1Loss extends Loss {
    public final double beta;

    public SmoothL1Loss() { this("mean", 1.0); }

    public SmoothL1Loss(String reduction) { this(reduction, 1.0); }

    public SmoothL1Loss(String reduction, double beta) {
        super(reduction);
        if (!(beta >= 0)) throw new IllegalArgumentException("SmoothL1Loss: beta must be >= 0, got " + beta);
        this.beta = beta;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return F.smoothL1Loss(input, target, reduction, beta); }

    @Override
    protected String describe() { return describeWith(ifNot("beta", beta, 1.0)); }
}
