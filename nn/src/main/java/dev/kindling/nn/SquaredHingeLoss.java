package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** max(0, 1 - y x)^2 for labels in {-1, 1}: see {@link F#squaredHingeLoss(Tensor, Tensor, String)}. */
public class SquaredHingeLoss extends Loss {
    public SquaredHingeLoss() { this("mean"); }

    public SquaredHingeLoss(String reduction) { super(reduction); }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return F.squaredHingeLoss(input, target, reduction); }
}
