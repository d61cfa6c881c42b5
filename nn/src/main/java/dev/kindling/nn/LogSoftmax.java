package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;

/** x - logsumexp(x) along dim. */
public class LogSoftmax extends Module {
    public final int dim;

    public LogSoftmax(int dim) { this.dim = dim; }

    @Override
    public Tensor forward(Tensor x) { return F.logSoftmax(x, dim); }

    @Override
    protected String describe() { return "LogSoftmax(dim=" + dim + ")"; }
}
