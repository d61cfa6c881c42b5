package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * Binary cross entropy of probabilities, see {@link F#binaryCrossEntropy(Tensor, Tensor, Tensor, String)};
 * for raw scores prefer {@link BCEWithLogitsLoss}. The optional weight is the buffer {@code weight}.
 */
public class BCELoss extends Loss {
    public final Tensor weight;

    public BCELoss() { this(null, "mean"); }

    public BCELoss(Tensor weight) { this(weight, "mean"); }

    public BCELoss(String reduction) { this(null, reduction); }

    public BCELoss(Tensor weight, String reduction) {
        super(reduction);
        this.weight = registerBuffer("weight", weight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return F.binaryCrossEntropy(input, target, weight, reduction); }

    @Override
    protected String describe() { return describeWith(shapeOf("weight", weight)); }
}
