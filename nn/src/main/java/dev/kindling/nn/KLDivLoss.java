package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/**
 * Kullback-Leibler divergence for log-probability inputs, see {@link F#klDiv(Tensor, Tensor, String, boolean)}.
 * Besides "mean", "sum" and "none" it takes "batchmean", the sum over the batch size: the true KL.
 */
public class KLDivLoss extends Loss {
    public final boolean logTarget;

    public KLDivLoss() { this("mean", false); }

    public KLDivLoss(String reduction) { this(reduction, false); }

    public KLDivLoss(String reduction, boolean logTarget) {
        super(reduction, true);
        this.logTarget = logTarget;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return F.klDiv(input, target, reduction, logTarget); }

    @Override
    protected String describe() { return describeWith(logTarget ? "logTarget=true" : null); }
}
