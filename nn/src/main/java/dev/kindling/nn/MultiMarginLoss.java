package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * Multi-class hinge loss, see {@link F#multiMarginLoss(Tensor, Tensor, int, double, Tensor, String)}.
 * The optional class weights are the buffer {@code weight}.
 */
public class MultiMarginLoss extends Loss {
    public final int p;
    public final double margin;
    public final Tensor weight;

    public MultiMarginLoss() { this(1, 1.0, null, "mean"); }

    public MultiMarginLoss(int p, double margin) { this(p, margin, null, "mean"); }

    public MultiMarginLoss(int p, double margin, Tensor weight) { this(p, margin, weight, "mean"); }

    public MultiMarginLoss(int p, double margin, Tensor weight, String reduction) {
        super(reduction);
        if (p != 1 && p != 2) throw new IllegalArgumentException("MultiMarginLoss: p must be 1 or 2, got " + p);
        this.p = p;
        this.margin = margin;
        this.weight = registerBuffer("weight", weight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return F.multiMarginLoss(input, target, p, margin, weight, reduction); }

    @Override
    protected String describe() {
        return describeWith(p == 1 ? null : "p=" + p, ifNot("margin", margin, 1.0), shapeOf("weight", weight));
    }
}
