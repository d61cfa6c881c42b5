package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * logSoftmax and negative log-likelihood in one step, for class indices or class probabilities,
 * see {@link F#crossEntropy(Tensor, Tensor, Tensor, long, String, double)}. The optional class
 * weights are the buffer {@code weight}.
 * <pre>{@code
 * var criterion = new CrossEntropyLoss(new CrossEntropyLoss.Options().labelSmoothing(0.1));
 * Tensor loss = criterion.forward(logits, labels);   // logits [N, C], labels int64 [N]
 * }</pre>
 */
public class CrossEntropyLoss extends Loss {
    /**
     * Cross entropy's keyword arguments with PyTorch's defaults (no weight, ignoreIndex -100,
     * reduction "mean", labelSmoothing 0), set by chained calls; used by {@code CrossEntropyLoss}
     * and {@link F#crossEntropy(Tensor, Tensor, CrossEntropyLoss.Options)}.
     */
    public static final class Options {
        private Tensor weight;
        private long ignoreIndex = -100;
        private String reduction = "mean";
        private double labelSmoothing;

        /** One weight per class ([C]), or null for none. */
        public Options weight(Tensor weight) { this.weight = weight; return this; }

        /** Targets equal to this index contribute nothing, not even to a mean's denominator. */
        public Options ignoreIndex(long ignoreIndex) { this.ignoreIndex = ignoreIndex; return this; }

        public Options reduction(String reduction) {
            Loss.checkReduction("CrossEntropyLoss.Options", reduction);
            this.reduction = reduction;
            return this;
        }

        /** Mixes the targets with the uniform distribution: (1 - s) target + s / C; in [0, 1]. */
        public Options labelSmoothing(double labelSmoothing) {
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
                throw new IllegalArgumentException("CrossEntropyLoss.Options: labelSmoothing must be in [0, 1], got "
                        + labelSmoothing);
            }
            this.labelSmoothing = labelSmoothing;
            return this;
        }

        public Tensor weight() { return weight; }

        public long ignoreIndex() { return ignoreIndex; }

        public String reduction() { return reduction; }

        public double labelSmoothing() { return labelSmoothing; }
    }

    public final Tensor weight;
    public final long ignoreIndex;
    public final double labelSmoothing;

    public CrossEntropyLoss() { this(new Options()); }

    public CrossEntropyLoss(Tensor weight) { this(new Options().weight(weight)); }

    public CrossEntropyLoss(Tensor weight, long ignoreIndex, String reduction, double labelSmoothing) {
        this(new Options().weight(weight).ignoreIndex(ignoreIndex).reduction(reduction).labelSmoothing(labelSmoothing));
    }

    public CrossEntropyLoss(Options options) {
        super(options.reduction());
        this.weight = registerBuffer("weight", options.weight());
        this.ignoreIndex = options.ignoreIndex();
        this.labelSmoothing = options.labelSmoothing();
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.crossEntropy(input, target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    @Override
    protected String describe() {
        return describeWith(shapeOf("weight", weight), ignoreIndex == -100 ? null : "ignoreIndex=" + ignoreIndex,
                ifNot("labelSmoothing", labelSmoothing, 0));
    }
}
