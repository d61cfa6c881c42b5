package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.Shapes;

/**
 * The base of the loss modules: each holds its reduction ("mean", "sum" or "none") and its
 * hyperparameters, and its {@code forward} calls the matching function of
 * {@link dev.kindling.nn.functional.F}. Losses with a weight register it as the buffer
 * {@code weight} (and {@code pos_weight}), as PyTorch does, so it moves with {@code to(Device)}.
 * <pre>{@code
 * Loss criterion = new CrossEntropyLoss();
 * Tensor loss = criterion.forward(model.forward(x), labels);
 * }</pre>
 */
public abstract class Loss extends Module {
    public final String reduction;

    protected Loss(String reduction) { this(reduction, false); }

    /** For KLDivLoss, whose reduction may also be "batchmean". */
    Loss(String reduction, boolean batchmeanToo) {
        boolean ok = "mean".equals(reduction) || "sum".equals(reduction) || "none".equals(reduction)
                || batchmeanToo && "batchmean".equals(reduction);
        if (!ok) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": reduction must be \"mean\", "
                    + (batchmeanToo ? "\"batchmean\", " : "") + "\"sum\" or \"none\", got "
                    + (reduction == null ? "null" : "\"" + reduction + "\""));
        }
        this.reduction = reduction;
    }

    /** Also used by CrossEntropyLoss.Options, which validates as it is built. */
    static void checkReduction(String where, String reduction) {
        if (!"mean".equals(reduction) && !"sum".equals(reduction) && !"none".equals(reduction)) {
            throw new IllegalArgumentException(where + ": reduction must be \"mean\", \"sum\" or \"none\", got "
                    + (reduction == null ? "null" : "\"" + reduction + "\""));
        }
    }

    /** The loss of input against target. Losses of three tensors (pairs and a label) add their own overload. */
    public Tensor forward(Tensor input, Tensor target) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not take (input, target); losses of pairs"
                + " take forward(input1, input2, target)");
    }

    /** {@code Name(reduction=mean, extra...)}: each extra is a "name=value" already formatted. */
    protected String describeWith(String... extras) {
        StringBuilder s = new StringBuilder(getClass().getSimpleName()).append("(reduction=").append(reduction);
        for (String e : extras) if (e != null) s.append(", ").append(e);
        return s.append(')').toString();
    }

    @Override
    protected String describe() { return describeWith(); }

    /** "name=[C]" for a tensor that is set, null (left out) for one that is not. */
    static String shapeOf(String name, Tensor t) { return t == null ? null : name + "=" + Shapes.str(t.shape()); }

    /** "name=value" when value differs from PyTorch's default, else null (left out). */
    static String ifNot(String name, double value, double defaultValue) {
        return value == defaultValue ? null : name + "=" + value;
    }
}
