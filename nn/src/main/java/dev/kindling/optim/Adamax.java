package dev.kindling.optim;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.cpu.Parallel;
import java.util.List;

/**
 * Adamax, Adam with the infinity norm (Kingma and Ba, 2014), as torch.optim.Adamax. Per element at
 * step t, with g the gradient (negated when maximizing):
 * <pre>
 * g = g + weightDecay * p
 * m = beta1 * m + (1 - beta1) * g
 * u = max(beta2 * u, |g| + eps)
 * p = p - lr / (1 - beta1^t) * m / u
 * </pre>
 * <pre>{@code
 * var opt = new Adamax(model.parameters(), 2e-3);
 * }</pre>
 * State per parameter: {@code step}, {@code expAvg}, {@code expInf}.
 */
public class Adamax extends Optimizer {
    /** Defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0, maximize false. */
    public static final class Options extends Optimizer.Options<Options> {
        public Options() {
            super(2e-3);
            betas(0.9, 0.999);
            eps(1e-8);
            weightDecay(0);
            maximize(false);
        }

        public Options betas(double beta1, double beta2) { return set("betas", List.of(beta1, beta2)); }

        public Options eps(double eps) { return set("eps", eps); }
    }

    public Adamax(Iterable<Tensor> params) { this(params, new Options()); }

    public Adamax(Iterable<Tensor> params, double lr) { this(params, new Options().lr(lr)); }

    /** PyTorch's positional order: lr, betas, eps, weightDecay. */
    public Adamax(Iterable<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this(params, new Options().lr(lr).betas(beta1, beta2).eps(eps).weightDecay(weightDecay));
    }

    public Adamax(Iterable<Tensor> params, Options options) { this(single(params), options); }

    public Adamax(List<ParamGroup> groups, Options defaults) { super(groups, defaults); }

    @Override
    protected void validate(ParamGroup g) {
        checkCommon(g);
        checkNonNegative(g, "eps");
        checkBetas(g);
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        double lr = group.lr(), beta1 = group.getPair("betas", 0), beta2 = group.getPair("betas", 1);
        double eps = group.getDouble("eps"), weightDecay = group.getDouble("weightDecay");
        boolean maximize = group.getBoolean("maximize");
        Elements p = Elements.of(param.data()), d = Elements.of(grad.data());
        Elements m = Elements.of(state.getOrFill("expAvg", param, 0).data());
        Elements u = Elements.of(state.getOrFill("expInf", param, 0).data());
        long t = state.incrementStep();
        double clr = lr / (1 - Math.pow(beta1, t));
        int n = (int) param.numel();
        if (Elements.floatsFromStart(p, d, m, u)) {
            float[] pa = p.floats(), da = d.floats(), ma = m.floats(), ua = u.floats();
            float sign = maximize ? -1f : 1f, b1 = (float) beta1, b2 = (float) beta2, fc = (float) clr, fe = (float) eps,
                    wd = (float) weightDecay;
            Parallel.forRange(n, 8, (lo, hi) -> {
                for (int i = (int) lo, to = (int) hi; i < to; i++) {
                    float g = sign * da[i];
                    if (wd != 0) g += wd * pa[i];
                    float mi = b1 * ma[i] + (1 - b1) * g;
                    float ui = Math.max(b2 * ua[i], Math.abs(g) + fe);
                    ma[i] = mi;
                    ua[i] = ui;
                    pa[i] -= fc * (mi / ui);
                }
            });
        } else {
            for (int i = 0; i < n; i++) {
                double g = maximize ? -d.get(i) : d.get(i);
                if (weightDecay != 0) g += weightDecay * p.get(i);
                double mi = beta1 * m.get(i) + (1 - beta1) * g;
                double ui = Math.max(beta2 * u.get(i), Math.abs(g) + eps);
                m.set(i, mi);
                u.set(i, ui);
                p.set(i, p.get(i) - clr * (mi / ui));
            }
        }
        p.commit();
        m.commit();
        u.commit();
    }
}
