package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;
import dev.kindling.nn.init.Init;

/**
 * y = x W^T + b. Input [..., in], output [..., out]; weight [out, in], bias [out]. Initialised as
 * PyTorch's: weight by kaiming uniform with a = sqrt(5), which is U(-1/sqrt(in), 1/sqrt(in)), bias U(-1/sqrt(in), 1/sqrt(in)).
 * <pre>{@code
 * Linear fc = new Linear(784, 128);     // Linear(784 => 128)
 * Tensor y = fc.forward(x);             // [64, 784] -> [64, 128]
 * }</pre>
 */
public class Linear extends Module {
    public final int inFeatures, outFeatures;
    public final Tensor weight;
    /** Null when built with {@code bias = false}. */
    public final Tensor bias;

    public Linear(int inFeatures, int outFeatures) { this(inFeatures, outFeatures, true); }

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        if (inFeatures < 0 || outFeatures < 0) {
            throw new IllegalArgumentException("Linear: sizes must be non-negative, got " + inFeatures + " => " + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Tensor.zeros(outFeatures, inFeatures));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outFeatures) : null);
        resetParameters();
    }

    public void resetParameters() {
        Init.kaimingUniform_(weight, Math.sqrt(5));
        if (bias != null) {
            double bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
            Init.uniform_(bias, -bound, bound);
        }
    }

    @Override
    public Tensor forward(Tensor x) { return F.linear(x, weight, bias); }

    @Override
    protected String describe() { return "Linear(" + inFeatures + " => " + outFeatures + (bias == null ? ", bias=false" : "") + ")"; }
}
