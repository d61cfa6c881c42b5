package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** Inverted dropout (see {@link F#dropout}): active in training mode, the identity after {@code eval()}. */
public class Dropout extends Module {
    public final double p;

    public Dropout() { this(0.5); }

    public Dropout(double p) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("Dropout: p must be in [0, 1], got " + p);
        this.p = p;
    }

    @Override
    public Tensor forward(Tensor x) { return F.dropout(x, p, isTraining()); }

    @Override
    protected String describe() { return "Dropout(p=" + p + ")"; }
}
