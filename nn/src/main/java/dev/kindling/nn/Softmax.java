package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** exp(x) / sum(exp(x)) along dim. */
public class Softmax extends Module {
    public final int dim;

    public Softmax(int dim) { this.dim = dim; }

    @Override
    public Tensor forward(Tensor x) { return F.softmax(x, dim); }

    @Override
    protected String describe() { return "Softmax(dim=" + dim + ")"; }
}
