package dev.kindling.optim;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.cpu.Parallel;
import java.util.List;

/**
 * Adagrad (Duchi et al., 2011), as torch.optim.Adagrad. Per element at step t, with g the gradient
 * (negated when maximizing):
 * <pre>
 * g = g + weightDecay * p
 * s = s + g^2                              (s starts at initialAccumulatorValue)
 * p = p - lr / (1 + (t - 1) * lrDecay) * g / (sqrt(s) + eps)
 * </pre>
 * <pre>{@code
 * var opt = new Adagrad(model.parameters(), 1e-2);
 * }</pre>
 * State per parameter: {@code step}, {@code sum}.
 */
public class Adagrad extends Optimizer {
    /** Defaults: lr 1e-2, lrDecay 0, weightDecay 0, initialAccumulatorValue 0, eps 1e-10, maximize false. */
    public static final class Options extends Optimizer.Options<Options> {
        public Options() {
            super(1e-2);
            lrDecay(0);
            weightDecay(0);
            initialAccumulatorValue(0);
            eps(1e-10);
            maximize(false);
        }

        /** The step size at step t is lr / (1 + (t - 1) * lrDecay). */
        public Options lrDecay(double lrDecay) { return set("lrDecay", lrDecay); }

        /** The starting value of every element of the sum of squared gradients. */
        public Options initialAccumulatorValue(double value) { return set("initialAccumulatorValue", value); }

        public Options eps(double eps) { return set("eps", eps); }
    }

    public Adagrad(Iterable<Tensor> params) { this(params, new Options()); }

    public Adagrad(Iterable<Tensor> params, double lr) { this(params, new Options().lr(lr)); }

    /** PyTorch's positional order: lr, lrDecay, weightDecay, initialAccumulatorValue, eps. */
    public Adagrad(Iterable<Tensor> params, double lr, double lrDecay, double weightDecay, double initialAccumulatorValue,
                   double eps) {
        this(params, new Options().lr(lr).lrDecay(lrDecay).weightDecay(weightDecay)
                .initialAccumulatorValue(initialAccumulatorValue).eps(eps));
    }

    public Adagrad(Iterable<Tensor> params, Options options) { this(single(params), options); }

    public Adagrad(List<ParamGroup> groups, Options defaults) { super(groups, defaults); }

    @Override
    protected void validate(ParamGroup g) {
        checkCommon(g);
        checkNonNegative(g, "lrDecay");
        checkNonNegative(g, "initialAccumulatorValue");
        checkNonNegative(g, "eps");
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        double lr = group.lr(), lrDecay = group.getDouble("lrDecay"), eps = group.getDouble("eps");
        double weightDecay = group.getDouble("weightDecay");
        boolean maximize = group.getBoolean("maximize");
        Elements p = Elements.of(param.data()), d = Elements.of(grad.data());
        Elements s = Elements.of(state.getOrFill("sum", param, group.getDouble("initialAccumulatorValue")).data());
        long t = state.incrementStep();
        double clr = lr / (1 + (t - 1) * lrDecay);
        int n = (int) param.numel();
        if (Elements.floatsFromStart(p, d, s)) {
            float[] pa = p.floats(), da = d.floats(), sa = s.floats();
            float sign = maximize ? -1f : 1f, fc = (float) clr, fe = (float) eps, wd = (float) weightDecay;
            Parallel.forRange(n, 8, (lo, hi) -> {
                for (int i = (int) lo, to = (int) hi; i < to; i++) {
                    float g = sign * da[i];
                    if (wd != 0) g += wd * pa[i];
                    float si = sa[i] + g * g;
                    sa[i] = si;
                    pa[i] -= fc * (g / ((float) Math.sqrt(si) + fe));
                }
            });
        } else {
            for (int i = 0; i < n; i++) {
                double g = maximize ? -d.get(i) : d.get(i);
                if (weightDecay != 0) g += weightDecay * p.get(i);
                double si = s.get(i) + g * g;
                s.set(i, si);
                p.set(i, p.get(i) - clr * (g / (Math.sqrt(si) + eps)));
            }
        }
        p.commit();
        s.commit();
    }
}
