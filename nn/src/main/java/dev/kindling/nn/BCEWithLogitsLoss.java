package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * Sigmoid and binary cross entropy in one stable step, see
 * {@link F#binaryCrossEntropyWithLogits(Tensor, Tensor, Tensor, String, Tensor)}. The optional weights
 * are the buffers {@code weight} and {@code pos_weight}, PyTorch's names.
 */
public class BCEWithLogitsLoss extends Loss {
    public final Tensor weight;
    public final Tensor posWeight;

    public BCEWithLogitsLoss() { this(null, "mean", null); }

    public BCEWithLogitsLoss(Tensor weight) { this(weight, "mean", null); }

    public BCEWithLogitsLoss(String reduction) { this(null, reduction, null); }

    public BCEWithLogitsLoss(Tensor weight, String reduction, Tensor posWeight) {
        super(reduction);
        this.weight = registerBuffer("weight", weight);
        this.posWeight = registerBuffer("pos_weight", posWeight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.binaryCrossEntropyWithLogits(input, target, weight, reduction, posWeight);
    }

    @Override
    protected String describe() { return describeWith(shapeOf("weight", weight), shapeOf("posWeight", posWeight)); }
}
