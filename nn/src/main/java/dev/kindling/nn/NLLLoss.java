package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * Negative log-likelihood of class indices given log-probabilities, see
 * {@link F#nllLoss(Tensor, Tensor, Tensor, long, String)}. The optional class weights are the buffer {@code weight}.
 */
public class NLLLoss extends Loss {
    public final Tensor weight;
    public final long ignoreIndex;

    public NLLLoss() { this(null, -100, "mean"); }

    public NLLLoss(Tensor weight) { this(weight, -100, "mean"); }

    public NLLLoss(String reduction) { this(null, -100, reduction); }

    public NLLLoss(Tensor weight, long ignoreIndex, String reduction) {
        super(reduction);
        this.weight = registerBuffer("weight", weight);
        this.ignoreIndex = ignoreIndex;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return F.nllLoss(input, target, weight, ignoreIndex, reduction); }

    @Override
    protected String describe() {
        return describeWith(shapeOf("weight", weight), ignoreIndex == -100 ? null : "ignoreIndex=" + ignoreIndex);
    }
}
