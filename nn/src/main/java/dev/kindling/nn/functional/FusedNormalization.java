package dev.kindling.nn.functional;

import dev.kindling.autograd.Function;
import dev.kindling.autograd.FunctionContext;
import dev.kindling.autograd.GradMode;
import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;

/**
 * What the fused CPU normalisations ({@link FusedLayerNorm}, {@link FusedBatchNorm}) share: the inputs
 * they take (x, then weight and bias or null, all saved), a backward that differentiates their Tensor-op
 * form when asked for a graph (createGraph), so second derivatives are exact, and gradients that are
 * always new arrays.
 */
abstract class FusedNormalization extends Function {
    final double eps;

    FusedNormalization(double eps) { this.eps = eps; }

    /**
     * Whether the fused kernels take the inputs as they are: x contiguous on the CPU, float32 or float64,
     * weight and bias (when present) of x's dtype with {@code affineSize} elements.
     */
    static boolean handles(Tensor x, Tensor weight, Tensor bias, int affineSize) {
        return fits(x, x) && x.data().isContiguous() && (weight == null || fits(weight, x) && weight.numel() == affineSize)
                && (bias == null || fits(bias, x) && bias.numel() == affineSize);
    }

    private static boolean fits(Tensor t, Tensor x) {
        return t.device().isCpu() && t.dtype() == x.dtype() && (t.dtype() == DType.FLOAT32 || t.dtype() == DType.FLOAT64);
    }

    /** The same normalisation as Tensor ops. */
    abstract Tensor opsForm(Tensor x, Tensor weight, Tensor bias);

    /** The gradients of x, weight and bias (null where not needed) from a contiguous dy, on raw arrays. */
    abstract Tensor[] rawBackward(FunctionContext ctx, Tensor[] in, NDArray dy);

    @Override
    public final Tensor[] backward(FunctionContext ctx, Tensor gradOutput) {
        Tensor[] in = ctx.savedTensors();
        if (GradMode.isEnabled()) {
            return RecurrentLayer.gradientsOf(ctx, in, new Tensor[]{opsForm(in[0], in[1], in[2])}, new Tensor[]{gradOutput});
        }
        return rawBackward(ctx, in, gradOutput.data().contiguous());
    }

    /** dx (or null) and the weight and bias gradients, each in its parameter's shape and dtype where needed. */
    static Tensor[] gradients(FunctionContext ctx, Tensor[] in, NDArray dx, double[] dw, double[] db) {
        Tensor[] result = new Tensor[3];
        if (dx != null) result[0] = Tensor.wrap(dx);
        if (in[1] != null && ctx.needsInputGrad(1)) result[1] = Tensor.wrap(NDArray.of(dw, in[1].shape()).to(in[1].dtype()));
        if (in[2] != null && ctx.needsInputGrad(2)) result[2] = Tensor.wrap(NDArray.of(db, in[2].shape()).to(in[2].dtype()));
        return result;
    }

    @Override
    protected final boolean backwardReturnsFreshTensors() { return true; }
}
