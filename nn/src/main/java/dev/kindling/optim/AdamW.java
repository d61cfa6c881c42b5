package dev.kindling.optim;

import dev.kindling.autograd.Tensor;
import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2017), as torch.optim.AdamW: each step
 * first shrinks the parameter, {@code p = p * (1 - lr * weightDecay)}, then takes Adam's step with
 * the undecayed gradient (see {@link Adam} for the rest of the update; amsgrad is supported).
 * <pre>{@code
 * var opt = new AdamW(model.parameters(), 1e-3);                   // weightDecay 1e-2
 * var opt = new AdamW(model.parameters(), new AdamW.Options().lr(3e-4).weightDecay(0.1));
 * }</pre>
 */
public class AdamW extends Adam {
    /** Defaults as {@link Adam.Options} except weightDecay 1e-2, with decoupledWeightDecay always true. */
    public static class Options extends Adam.Options {
        public Options() { super(1e-2, true); }
    }

    public AdamW(Iterable<Tensor> params) { this(params, new Options()); }

    public AdamW(Iterable<Tensor> params, double lr) { this(params, new Options().lr(lr)); }

    /** PyTorch's positional order: lr, betas, eps, weightDecay, amsgrad. */
    public AdamW(Iterable<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        this(params, new Options().lr(lr).betas(beta1, beta2).eps(eps).weightDecay(weightDecay).amsgrad(amsgrad));
    }

    /** Takes {@link AdamW.Options} (its setters are typed {@code Adam.Options}, hence the parameter type). */
    public AdamW(Iterable<Tensor> params, Adam.Options options) { this(single(params), options); }

    public AdamW(List<ParamGroup> groups, Adam.Options defaults) { super(groups, defaults); }

    @Override
    protected void validate(ParamGroup g) {
        super.validate(g);
        check(g.getBoolean("decoupledWeightDecay"), "AdamW always decouples weight decay; build its options with"
                + " new AdamW.Options() (or use Adam for an L2 penalty)");
    }
}
