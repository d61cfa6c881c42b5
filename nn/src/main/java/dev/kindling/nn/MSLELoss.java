package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** Mean squared logarithmic error (log(1 + x) - log(1 + y))^2, see {@link F#msleLoss(Tensor, Tensor, String)}. */
public class MSLELoss extends Loss {
    public MSLELoss() { this("mean"); }

    public MSLELoss(String reduction) { super(reduction); }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return F.msleLoss(input, target, reduction); }
}
