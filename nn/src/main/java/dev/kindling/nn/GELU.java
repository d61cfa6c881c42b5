package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** x * Phi(x); approximate "none" (exact, with erf; the default) or "tanh". */
public class GELU extends Module {
    public final String approximate;

    public GELU() { this("none"); }

    public GELU(String approximate) {
        if (!approximate.equals("none") && !approximate.equals("tanh")) {
            throw new IllegalArgumentException("GELU: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
        }
        this.approximate = approximate;
    }

    @Override
    public Tensor forward(Tensor x) { return F.gelu(x, approximate); }

    @Override
    protected String describe() { return "GELU(approximate=" + approximate + ")"; }
}
