package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;
import dev.kindling.nn.init.Init;

/**
 * y = x1^T W x2 + b: inputs [..., in1] and [..., in2], output [..., out]; weight [out, in1, in2] and bias [out]
 * initialised U(-1/sqrt(in1), 1/sqrt(in1)) as PyTorch.
 */
public class Bilinear extends Module {
    public final int in1Features, in2Features, outFeatures;
    public final Tensor weight, bias;

    public Bilinear(int in1Features, int in2Features, int outFeatures) { this(in1Features, in2Features, outFeatures, true); }

    public Bilinear(int in1Features, int in2Features, int outFeatures, boolean bias) {
        this.in1Features = in1Features;
        this.in2Features = in2Features;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Tensor.zeros(outFeatures, in1Features, in2Features));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outFeatures) : null);
        double bound = 1 / Math.sqrt(in1Features);
        Init.uniform_(weight, -bound, bound);
        if (this.bias != null) Init.uniform_(this.bias, -bound, bound);
    }

    public Tensor forward(Tensor x1, Tensor x2) { return F.bilinear(x1, x2, weight, bias); }

    @Override
    protected String describe() { return "Bilinear(" + in1Features + ", " + in2Features + " => " + outFeatures + ")"; }
}
