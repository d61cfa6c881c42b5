package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * max(0, -y (x1 - x2) + margin): ranks x1 above x2 (y = 1) or below (y = -1), see
 * {@link F#marginRankingLoss(Tensor, Tensor, Tensor, double, String)}. Call {@code forward(x1, x2, y)}.
 */
public class MarginRankingLoss extends Loss {
    public final double margin;

    public MarginRankingLoss() { this(0.0, "mean"); }

    public MarginRankingLoss(double margin) { this(margin, "mean"); }

    public MarginRankingLoss(double margin, String reduction) {
        super(reduction);
        this.margin = margin;
    }

    public Tensor forward(Tensor input1, Tensor input2, Tensor target) {
        return F.marginRankingLoss(input1, input2, target, margin, reduction);
    }

    @Override
    protected String describe() { return describeWith(ifNot("margin", margin, 0.0)); }
}
