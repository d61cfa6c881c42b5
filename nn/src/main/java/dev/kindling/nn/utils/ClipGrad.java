package dev.kindling.nn.utils;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_ (here because that is
 * where PyTorch keeps them). Both change the gradients in place, skip parameters without one, and
 * record nothing; call them between {@code backward()} and {@code optimizer.step()}.
 * <pre>{@code
 * loss.backward();
 * double norm = ClipGrad.clipGradNorm_(model.parameters(), 1.0);
 * optimizer.step();
 * }</pre>
 */
public final class ClipGrad {
    private ClipGrad() {}

    /** {@link #clipGradNorm_(Iterable, double, double, boolean)} with the 2-norm. */
    public static double clipGradNorm_(Iterable<Tensor> params, double maxNorm) { return clipGradNorm_(params, maxNorm, 2, false); }

    public static double clipGradNorm_(Iterable<Tensor> params, double maxNorm, double normType) {
        return clipGradNorm_(params, maxNorm, normType, false);
    }

    /**
     * Scales all gradients together so that their joint norm (the norm of every gradient element
     * concatenated into one vector) is at most {@code maxNorm}: each gradient is multiplied by
     * {@code min(1, maxNorm / (total + 1e-6))}. {@code normType} is p > 0, or
     * {@code Double.POSITIVE_INFINITY} for the largest absolute element.
     *
     * @param errorIfNonfinite throw when the total norm is NaN or infinite (else the gradients become NaN, as in PyTorch)
     * @return the total norm before clipping (0 when no parameter has a gradient)
     */
    public static double clipGradNorm_(Iterable<Tensor> params, double maxNorm, double normType, boolean errorIfNonfinite) {
        if (!(normType > 0)) {
            throw new IllegalArgumentException("clipGradNorm_: normType must be positive (or Double.POSITIVE_INFINITY), got " + normType);
        }
        if (!(maxNorm >= 0)) throw new IllegalArgumentException("clipGradNorm_: maxNorm must be >= 0, got " + maxNorm);
        List<NDArray> grads = grads(params);
        if (grads.isEmpty()) return 0;
        boolean inf = normType == Double.POSITIVE_INFINITY;
        double total = 0;
        for (NDArray g : grads) {
            // Each gradient's norm is computed in its own dtype on its own device, as PyTorch's foreach norms are.
            double n = g.norm(normType, null, false).item();
            total = inf ? Math.max(total, n) : total + (normType == 2 ? n * n : Math.pow(n, normType));
            if (Double.isNaN(n)) total = Double.NaN;
        }
        if (!inf) total = normType == 2 ? Math.sqrt(total) : Math.pow(total, 1 / normType);
        if (errorIfNonfinite && !Double.isFinite(total)) {
            throw new IllegalStateException("clipGradNorm_: the total norm of order " + normType + " of the gradients is " + total
                    + ", so they cannot be clipped; pass errorIfNonfinite = false to clip anyway (the gradients become NaN)");
        }
        // min(NaN, 1) is NaN, so a NaN norm makes every gradient NaN, as torch.clamp does.
        double coef = Math.min(maxNorm / (total + 1e-6), 1.0);
        if (!(coef == 1.0)) for (NDArray g : grads) g.binary_(BinaryOp.MUL, coef);
        return total;
    }

    /** Clamps every gradient element into [-clipValue, clipValue]. */
    public static void clipGradValue_(Iterable<Tensor> params, double clipValue) {
        if (!(clipValue >= 0)) throw new IllegalArgumentException("clipGradValue_: clipValue must be >= 0, got " + clipValue);
        for (NDArray g : grads(params)) g.clamp_(-clipValue, clipValue);
    }

    private static List<NDArray> grads(Iterable<Tensor> params) {
        List<NDArray> out = new ArrayList<>();
        for (Tensor p : params) if (p.grad() != null) out.add(p.grad().data());
        return out;
    }
}
