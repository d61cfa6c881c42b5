package dev.kindling.optim;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.cpu.Parallel;
import java.util.List;

/**
 * Adadelta (Zeiler, 2012), as torch.optim.Adadelta. Per element, with g the gradient (negated when
 * maximizing):
 * <pre>
 * g = g + weightDecay * p
 * v = rho * v + (1 - rho) * g^2
 * delta = sqrt(u + eps) / sqrt(v + eps) * g
 * u = rho * u + (1 - rho) * delta^2
 * p = p - lr * delta
 * </pre>
 * <pre>{@code
 * var opt = new Adadelta(model.parameters());                      // lr 1.0
 * }</pre>
 * State per parameter: {@code step}, {@code squareAvg}, {@code accDelta}.
 */
public class Adadelta extends Optimizer {
    /** Defaults: lr 1.0, rho 0.9, eps 1e-6, weightDecay 0, maximize false. */
    public static final class Options extends Optimizer.Options<Options> {
        public Options() {
            super(1.0);
            rho(0.9);
            eps(1e-6);
            weightDecay(0);
            maximize(false);
        }

        /** Decay rate of the running averages, in [0, 1]. */
        public Options rho(double rho) { return set("rho", rho); }

        public Options eps(double eps) { return set("eps", eps); }
    }

    public Adadelta(Iterable<Tensor> params) { this(params, new Options()); }

    public Adadelta(Iterable<Tensor> params, double lr) { this(params, new Options().lr(lr)); }

    /** PyTorch's positional order: lr, rho, eps, weightDecay. */
    public Adadelta(Iterable<Tensor> params, double lr, double rho, double eps, double weightDecay) {
        this(params, new Options().lr(lr).rho(rho).eps(eps).weightDecay(weightDecay));
    }

    public Adadelta(Iterable<Tensor> params, Options options) { this(single(params), options); }

    public Adadelta(List<ParamGroup> groups, Options defaults) { super(groups, defaults); }

    @Override
    protected void validate(ParamGroup g) {
        checkCommon(g);
        checkRange(g, "rho", 0, 1, false);
        checkNonNegative(g, "eps");
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        double lr = group.lr(), rho = group.getDouble("rho"), eps = group.getDouble("eps");
        double weightDecay = group.getDouble("weightDecay");
        boolean maximize = group.getBoolean("maximize");
        Elements p = Elements.of(param.data()), d = Elements.of(grad.data());
        Elements v = Elements.of(state.getOrFill("squareAvg", param, 0).data());
        Elements u = Elements.of(state.getOrFill("accDelta", param, 0).data());
        state.incrementStep();
        int n = (int) param.numel();
        if (Elements.floatsFromStart(p, d, v, u)) {
            float[] pa = p.floats(), da = d.floats(), va = v.floats(), ua = u.floats();
            float sign = maximize ? -1f : 1f, fr = (float) rho, fe = (float) eps, fl = (float) lr, wd = (float) weightDecay;
            Parallel.forRange(n, 8, (lo, hi) -> {
                for (int i = (int) lo, to = (int) hi; i < to; i++) {
                    // Unconditional, unlike the other optimizers' loops: with the test on wd, C2 stopped
                    // vectorising this one (1.3 ms instead of 0.18). Only an infinite parameter with no
                    // weight decay tells the difference (0 * inf).
                    float g = sign * da[i] + wd * pa[i];
                    float vi = fr * va[i] + (1 - fr) * (g * g);
                    float delta = (float) Math.sqrt(ua[i] + fe) / (float) Math.sqrt(vi + fe) * g;
                    va[i] = vi;
                    ua[i] = fr * ua[i] + (1 - fr) * (delta * delta);
                    pa[i] -= fl * delta;
                }
            });
        } else {
            for (int i = 0; i < n; i++) {
                double g = maximize ? -d.get(i) : d.get(i);
                if (weightDecay != 0) g += weightDecay * p.get(i);
                double vi = rho * v.get(i) + (1 - rho) * (g * g);
                double delta = Math.sqrt(u.get(i) + eps) / Math.sqrt(vi + eps) * g;
                v.set(i, vi);
                u.set(i, rho * u.get(i) + (1 - rho) * (delta * delta));
                p.set(i, p.get(i) - lr * delta);
            }
        }
        p.commit();
        v.commit();
        u.commit();
    }
}
