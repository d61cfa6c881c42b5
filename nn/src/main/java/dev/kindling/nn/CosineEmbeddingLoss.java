package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * Whether pairs are similar (y = 1) or not (y = -1) by cosine similarity, see
 * {@link F#cosineEmbeddingLoss(Tensor, Tensor, Tensor, double, String)}. Call {@code forward(x1, x2, y)}.
 */
public class CosineEmbeddingLoss extends Loss {
    public final double margin;

    public CosineEmbeddingLoss() { this(0.0, "mean"); }

    public CosineEmbeddingLoss(double margin) { this(margin, "mean"); }

    public CosineEmbeddingLoss(double margin, String reduction) {
        super(reduction);
        this.margin = margin;
    }

    public Tensor forward(Tensor input1, Tensor input2, Tensor target) {
        return F.cosineEmbeddingLoss(input1, input2, target, margin, reduction);
    }

    @Override
    protected String describe() { return describeWith(ifNot("margin", margin, 0.0)); }
}
