package dev.kindling.optim;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.cpu.Parallel;
import java.util.List;

/**
 * NAdam, Adam with Nesterov momentum (Dozat, 2016), as torch.optim.NAdam. The momentum coefficient
 * warms up by {@code mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentumDecay))}, and the state keeps the
 * running product {@code muProduct = mu_1 * ... * mu_t}. Per element at step t, with g the gradient
 * (negated when maximizing):
 * <pre>
 * g = g + weightDecay * p                  (with decoupledWeightDecay instead p = p * (1 - lr * weightDecay))
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g^2
 * denom = sqrt(v / (1 - beta2^t)) + eps
 * p = p - lr * (1 - mu_t) / (1 - muProduct) * g / denom
 *       - lr * mu_{t+1} / (1 - muProduct * mu_{t+1}) * m / denom
 * </pre>
 * <pre>{@code
 * var opt = new NAdam(model.parameters(), 2e-3);
 * }</pre>
 * State per parameter: {@code step}, {@code muProduct} (a 0-d float64 tensor), {@code expAvg}, {@code expAvgSq}.
 */
public class NAdam extends Optimizer {
    /** Defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0, momentumDecay 4e-3, decoupledWeightDecay false, maximize false. */
    public static final class Options extends Optimizer.Options<Options> {
        public Options() {
            super(2e-3);
            betas(0.9, 0.999);
            eps(1e-8);
            weightDecay(0);
            momentumDecay(4e-3);
            decoupledWeightDecay(false);
            maximize(false);
        }

        public Options betas(double beta1, double beta2) { return set("betas", List.of(beta1, beta2)); }

        public Options eps(double eps) { return set("eps", eps); }

        /** psi in the momentum schedule mu_t = beta1 * (1 - 0.5 * 0.96^(t * psi)). */
        public Options momentumDecay(double momentumDecay) { return set("momentumDecay", momentumDecay); }

        /** Decay the parameter directly (NAdamW) instead of adding weightDecay * p to the gradient. */
        public Options decoupledWeightDecay(boolean decoupled) { return set("decoupledWeightDecay", decoupled); }
    }

    public NAdam(Iterable<Tensor> params) { this(params, new Options()); }

    public NAdam(Iterable<Tensor> params, double lr) { this(params, new Options().lr(lr)); }

    /** PyTorch's positional order: lr, betas, eps, weightDecay, momentumDecay. */
    public NAdam(Iterable<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, double momentumDecay) {
        this(params, new Options().lr(lr).betas(beta1, beta2).eps(eps).weightDecay(weightDecay).momentumDecay(momentumDecay));
    }

    public NAdam(Iterable<Tensor> params, Options options) { this(single(params), options); }

    public NAdam(List<ParamGroup> groups, Options defaults) { super(groups, defaults); }

    @Override
    protected void validate(ParamGroup g) {
        checkCommon(g);
        checkNonNegative(g, "eps");
        checkBetas(g);
        checkNonNegative(g, "momentumDecay");
        g.getBoolean("decoupledWeightDecay");
    }

    /** muProduct is a running product of scalars, kept in float64 whatever the parameter's dtype. */
    @Override
    protected boolean isScalarState(String key) { return key.equals("muProduct"); }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        double lr = group.lr(), beta1 = group.getPair("betas", 0), beta2 = group.getPair("betas", 1);
        double eps = group.getDouble("eps"), weightDecay = group.getDouble("weightDecay");
        double psi = group.getDouble("momentumDecay");
        boolean maximize = group.getBoolean("maximize"), decoupled = group.getBoolean("decoupledWeightDecay");
        if (state.get("muProduct") == null) state.put("muProduct", Tensor.scalar(1, DType.FLOAT64));
        Elements muProduct = Elements.of(state.get("muProduct").data());
        Elements p = Elements.of(param.data()), d = Elements.of(grad.data());
        Elements m = Elements.of(state.getOrFill("expAvg", param, 0).data());
        Elements v = Elements.of(state.getOrFill("expAvgSq", param, 0).data());
        long t = state.incrementStep();
        double bias2 = 1 - Math.pow(beta2, t);
        double mu = beta1 * (1 - 0.5 * Math.pow(0.96, t * psi));
        double muNext = beta1 * (1 - 0.5 * Math.pow(0.96, (t + 1) * psi));
        double prod = muProduct.get(0) * mu;
        muProduct.set(0, prod);
        muProduct.commit();
        double gradStep = lr * (1 - mu) / (1 - prod);
        double momentumStep = lr * muNext / (1 - prod * muNext);
        double decay = decoupled ? 1 - lr * weightDecay : 1;
        int n = (int) param.numel();
        if (Elements.floatsFromStart(p, d, m, v)) {
            float[] pa = p.floats(), da = d.floats(), ma = m.floats(), va = v.floats();
            float sign = maximize ? -1f : 1f, b1 = (float) beta1, b2 = (float) beta2, fe = (float) eps, fd = (float) decay,
                    coupled = decoupled ? 0f : (float) weightDecay, fb = (float) bias2, gs = (float) gradStep, ms = (float) momentumStep;
            Parallel.forRange(n, 8, (lo, hi) -> {
                for (int i = (int) lo, to = (int) hi; i < to; i++) {
                    float x = pa[i] * fd;
                    float g = sign * da[i];
                    if (coupled != 0) g += coupled * x;
                    float mi = b1 * ma[i] + (1 - b1) * g;
                    float vi = b2 * va[i] + (1 - b2) * (g * g);
                    ma[i] = mi;
                    va[i] = vi;
                    float denom = (float) Math.sqrt(vi / fb) + fe;
                    pa[i] = x - gs * (g / denom) - ms * (mi / denom);
                }
            });
        } else {
            for (int i = 0; i < n; i++) {
                double x = p.get(i) * decay;
                double g = maximize ? -d.get(i) : d.get(i);
                if (weightDecay != 0 && !decoupled) g += weightDecay * x;
                double mi = beta1 * m.get(i) + (1 - beta1) * g;
                double vi = beta2 * v.get(i) + (1 - beta2) * (g * g);
                m.set(i, mi);
                v.set(i, vi);
                double denom = Math.sqrt(vi / bias2) + eps;
                p.set(i, x - gradStep * (g / denom) - momentumStep * (mi / denom));
            }
        }
        p.commit();
        m.commit();
        v.commit();
    }
}
