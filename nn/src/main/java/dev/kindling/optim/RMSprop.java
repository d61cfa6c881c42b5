package dev.kindling.optim;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.cpu.Parallel;
import java.util.List;

/**
 * RMSprop (Hinton's lecture 6e), as torch.optim.RMSprop, with the centered variant (Graves, 2013) and
 * momentum. Per element, with g the gradient (negated when maximizing):
 * <pre>
 * g = g + weightDecay * p
 * v = alpha * v + (1 - alpha) * g^2
 * a = alpha * a + (1 - alpha) * g;  avg = sqrt(v - a^2) + eps     (centered)
 *                                   avg = sqrt(v) + eps           (otherwise)
 * b = momentum * b + g / avg;  p = p - lr * b                     (momentum > 0)
 *                              p = p - lr * g / avg               (otherwise)
 * </pre>
 * <pre>{@code
 * var opt = new RMSprop(model.parameters(), 1e-2);
 * var opt = new RMSprop(model.parameters(), new RMSprop.Options().lr(1e-3).momentum(0.9).centered(true));
 * }</pre>
 * State per parameter: {@code step}, {@code squareAvg}, {@code momentumBuffer} (momentum > 0), {@code gradAvg} (centered).
 */
public class RMSprop extends Optimizer {
    /** Defaults: lr 1e-2, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false, maximize false. */
    public static final class Options extends Optimizer.Options<Options> {
        public Options() {
            super(1e-2);
            alpha(0.99);
            eps(1e-8);
            weightDecay(0);
            momentum(0);
            centered(false);
            maximize(false);
        }

        /** Smoothing constant of the running average of g^2. */
        public Options alpha(double alpha) { return set("alpha", alpha); }

        public Options eps(double eps) { return set("eps", eps); }

        public Options momentum(double momentum) { return set("momentum", momentum); }

        /** Normalise by an estimate of the gradient's variance instead of its second moment. */
        public Options centered(boolean centered) { return set("centered", centered); }
    }

    public RMSprop(Iterable<Tensor> params) { this(params, new Options()); }

    public RMSprop(Iterable<Tensor> params, double lr) { this(params, new Options().lr(lr)); }

    /** PyTorch's positional order: lr, alpha, eps, weightDecay, momentum, centered. */
    public RMSprop(Iterable<Tensor> params, double lr, double alpha, double eps, double weightDecay, double momentum,
                   boolean centered) {
        this(params, new Options().lr(lr).alpha(alpha).eps(eps).weightDecay(weightDecay).momentum(momentum).centered(centered));
    }

    public RMSprop(Iterable<Tensor> params, Options options) { this(single(params), options); }

    public RMSprop(List<ParamGroup> groups, Options defaults) { super(groups, defaults); }

    @Override
    protected void validate(ParamGroup g) {
        checkCommon(g);
        checkNonNegative(g, "alpha");
        checkNonNegative(g, "eps");
        checkNonNegative(g, "momentum");
        g.getBoolean("centered");
    }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        double lr = group.lr(), alpha = group.getDouble("alpha"), eps = group.getDouble("eps");
        double weightDecay = group.getDouble("weightDecay"), momentum = group.getDouble("momentum");
        boolean centered = group.getBoolean("centered"), maximize = group.getBoolean("maximize");
        Elements p = Elements.of(param.data()), d = Elements.of(grad.data());
        Elements v = Elements.of(state.getOrFill("squareAvg", param, 0).data());
        Elements a = centered ? Elements.of(state.getOrFill("gradAvg", param, 0).data()) : null;
        Elements b = momentum > 0 ? Elements.of(state.getOrFill("momentumBuffer", param, 0).data()) : null;
        state.incrementStep();
        int n = (int) param.numel();
        if (a == null && Elements.floatsFromStart(p, d, v, b)) {
            float[] pa = p.floats(), da = d.floats(), va = v.floats(), ba = b == null ? null : b.floats();
            float sign = maximize ? -1f : 1f, fa = (float) alpha, fe = (float) eps, fl = (float) lr, wd = (float) weightDecay, mo = (float) momentum;
            Parallel.forRange(n, 8, (lo, hi) -> {
                if (ba == null) {
                    for (int i = (int) lo, to = (int) hi; i < to; i++) {
                        float g = sign * da[i];
                        if (wd != 0) g += wd * pa[i];
                        float vi = fa * va[i] + (1 - fa) * (g * g);
                        va[i] = vi;
                        pa[i] -= fl * (g / ((float) Math.sqrt(vi) + fe));
                    }
                } else {
                    for (int i = (int) lo, to = (int) hi; i < to; i++) {
                        float g = sign * da[i];
                        if (wd != 0) g += wd * pa[i];
                        float vi = fa * va[i] + (1 - fa) * (g * g);
                        va[i] = vi;
                        float bi = mo * ba[i] + g / ((float) Math.sqrt(vi) + fe);
                        ba[i] = bi;
                        pa[i] -= fl * bi;
                    }
                }
            });
        } else {
            for (int i = 0; i < n; i++) {
                double g = maximize ? -d.get(i) : d.get(i);
                if (weightDecay != 0) g += weightDecay * p.get(i);
                double vi = alpha * v.get(i) + (1 - alpha) * (g * g);
                v.set(i, vi);
                double avg;
                if (a != null) {
                    double ai = alpha * a.get(i) + (1 - alpha) * g;
                    a.set(i, ai);
                    avg = Math.sqrt(vi - ai * ai) + eps;
                } else {
                    avg = Math.sqrt(vi) + eps;
                }
                if (b != null) {
                    double bi = momentum * b.get(i) + g / avg;
                    b.set(i, bi);
                    p.set(i, p.get(i) - lr * bi);
                } else {
                    p.set(i, p.get(i) - lr * (g / avg));
                }
            }
        }
        p.commit();
        v.commit();
        if (a != null) a.commit();
        if (b != null) b.commit();
    }
}
