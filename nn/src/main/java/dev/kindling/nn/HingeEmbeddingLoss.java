package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** x for y = 1, max(0, margin - x) for y = -1: see {@link F#hingeEmbeddingLoss(Tensor, Tensor, double, String)}. */
public class HingeEmbeddingLoss extends Loss {
    public final double margin;

    public HingeEmbeddingLoss() { this(1.0, "mean"); }

    public HingeEmbeddingLoss(double margin) { this(margin, "mean"); }

    public HingeEmbeddingLoss(double margin, String reduction) {
        super(reduction);
        this.margin = margin;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return F.hingeEmbeddingLoss(input, target, margin, reduction); }

    @Override
    protected String describe() { return describeWith(ifNot("margin", margin, 1.0)); }
}
