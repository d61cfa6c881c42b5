package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;
import java.util.Arrays;

/**
 * Normalises each sample over its last dims (the normalized shape), then scales and shifts by learned
 * weight (ones) and bias (zeros), as torch.nn.LayerNorm (eps 1e-5).
 */
public class LayerNorm extends Module {
    private final int[] normalizedShape;
    public final double eps;
    /** Null without elementwise affine. */
    public final Tensor weight, bias;

    public LayerNorm(int... normalizedShape) { this(normalizedShape, 1e-5, true, true); }

    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine, boolean bias) {
        if (normalizedShape.length == 0) throw new IllegalArgumentException("LayerNorm: needs a normalized shape");
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.weight = registerParameter("weight", elementwiseAffine ? Tensor.ones(normalizedShape) : null);
        this.bias = registerParameter("bias", elementwiseAffine && bias ? Tensor.zeros(normalizedShape) : null);
    }

    public int[] normalizedShape() { return normalizedShape.clone(); }

    @Override
    public Tensor forward(Tensor x) { return F.layerNorm(x, normalizedShape, weight, bias, eps); }

    @Override
    protected String describe() {
        return "LayerNorm(" + Arrays.toString(normalizedShape) + ", eps=" + eps + (weight == null ? ", elementwiseAffine=false" : "") + ")";
    }
}
