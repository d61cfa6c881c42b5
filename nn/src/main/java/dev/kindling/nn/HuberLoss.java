package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** Quadratic below delta, linear (slope delta) above: see {@link F#huberLoss(Tensor, Tensor, String, double)}. */
public class HuberLoss extends Loss {
    public final double delta;

    public HuberLoss() { this("mean", 1.0); }

    public HuberLoss(String reduction) { this(reduction, 1.0); }

    public HuberLoss(String reduction, double delta) {
        super(reduction);
        if (!(delta > 0)) throw new IllegalArgumentException("HuberLoss: delta must be > 0, got " + delta);
        this.delta = delta;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return F.huberLoss(input, target, reduction, delta); }

    @Override
    protected String describe() { return describeWith(ifNot("delta", delta, 1.0)); }
}
