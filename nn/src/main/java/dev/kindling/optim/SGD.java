package dev.kindling.optim;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.cpu.Parallel;
import java.util.List;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay,
 * as torch.optim.SGD. Per element, with g the gradient (negated when maximizing):
 * <pre>
 * g = g + weightDecay * p
 * b = g on the first step, else momentum * b + (1 - dampening) * g    (when momentum != 0)
 * g = nesterov ? g + momentum * b : b
 * p = p - lr * g
 * </pre>
 * <pre>{@code
 * var opt = new SGD(model.parameters(), 0.1, 0.9);                 // lr, momentum
 * var opt = new SGD(model.parameters(), new SGD.Options().lr(0.1).momentum(0.9).nesterov(true));
 * }</pre>
 * float32 parameters update in float arithmetic, as PyTorch's do; float64 ones in double.
 * State per parameter: {@code momentumBuffer} (only when momentum != 0); no step count.
 */
public class SGD extends Optimizer {
    /** Defaults: lr 1e-3, momentum 0, dampening 0, weightDecay 0, nesterov false, maximize false. */
    public static final class Options extends Optimizer.Options<Options> {
        public Options() {
            super(1e-3);
            momentum(0);
            dampening(0);
            weightDecay(0);
            nesterov(false);
            maximize(false);
        }

        public Options momentum(double momentum) { return set("momentum", momentum); }

        public Options dampening(double dampening) { return set("dampening", dampening); }

        /** Nesterov momentum; needs momentum > 0 and dampening 0. */
        public Options nesterov(boolean nesterov) { return set("nesterov", nesterov); }
    }

    public SGD(Iterable<Tensor> params, double lr) { this(params, new Options().lr(lr)); }

    public SGD(Iterable<Tensor> params, double lr, double momentum) { this(params, new Options().lr(lr).momentum(momentum)); }

    /** PyTorch's positional order: lr, momentum, dampening, weightDecay, nesterov. */
    public SGD(Iterable<Tensor> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        this(params, new Options().lr(lr).momentum(momentum).dampening(dampening).weightDecay(weightDecay).nesterov(nesterov));
    }

    public SGD(Iterable<Tensor> params, Options options) { this(single(params), options); }

    public SGD(List<ParamGroup> groups, Options defaults) { super(groups, defaults); }

    @Override
    protected void validate(ParamGroup g) {
        checkCommon(g);
        checkNonNegative(g, "momentum");
        g.getDouble("dampening");
        check(!g.getBoolean("nesterov") || (g.getDouble("momentum") > 0 && g.getDouble("dampening") == 0),
                "Nesterov momentum requires a momentum > 0 and zero dampening, got momentum " + g.getDouble("momentum")
                        + " and dampening " + g.getDouble("dampening"));
    }

    @Override
    protected boolean countsSteps() { return false; }

    @Override
    protected void update(ParamGroup group, Tensor param, Tensor grad, State state) {
        double lr = group.lr(), momentum = group.getDouble("momentum"), dampening = group.getDouble("dampening");
        double weightDecay = group.getDouble("weightDecay");
        boolean nesterov = group.getBoolean("nesterov"), maximize = group.getBoolean("maximize");
        Elements p = Elements.of(param.data()), d = Elements.of(grad.data());
        Elements buf = null;
        boolean first = false;
        if (momentum != 0) {
            first = state.get("momentumBuffer") == null;
            buf = Elements.of(state.getOrFill("momentumBuffer", param, 0).data());
        }
        int n = (int) param.numel();
        if (p.floats() != null && d.floats() != null && (buf == null || buf.floats() != null)) {
            updateFloats(p, d, buf, n, (float) lr, (float) momentum, (float) dampening, (float) weightDecay, nesterov, maximize, first);
        } else {
            for (int i = 0; i < n; i++) {
                double g = maximize ? -d.get(i) : d.get(i);
                if (weightDecay != 0) g += weightDecay * p.get(i);
                if (buf != null) {
                    double b = first ? g : momentum * buf.get(i) + (1 - dampening) * g;
                    buf.set(i, b);
                    g = nesterov ? g + momentum * b : b;
                }
                p.set(i, p.get(i) - lr * g);
            }
        }
        p.commit();
        if (buf != null) buf.commit();
    }

    /**
     * The same update for float32 arrays in float arithmetic, as PyTorch computes it: without the
     * double conversions the loop vectorises (about 5x faster), and large parameters split over cores.
     */
    private static void updateFloats(Elements p, Elements d, Elements buf, int n, float lr, float momentum, float dampening,
                                     float weightDecay, boolean nesterov, boolean maximize, boolean first) {
        float[] pa = p.floats(), da = d.floats(), ba = buf == null ? null : buf.floats();
        int po = p.offset(), dOff = d.offset(), bo = buf == null ? 0 : buf.offset();
        float sign = maximize ? -1f : 1f, keep = 1f - dampening;
        Parallel.forRange(n, 2, (lo, hi) -> {
            int from = (int) lo, to = (int) hi;   // int bounds: a loop bounded by a long does not vectorise
            if (ba == null) {
                for (int i = from; i < to; i++) pa[po + i] -= lr * (sign * da[dOff + i] + weightDecay * pa[po + i]);
                return;
            }
            for (int i = from; i < to; i++) {
                float g = sign * da[dOff + i] + weightDecay * pa[po + i];
                float b = first ? g : momentum * ba[bo + i] + keep * g;
                ba[bo + i] = b;
                pa[po + i] -= lr * (nesterov ? g + momentum * b : b);
            }
        });
    }
}
