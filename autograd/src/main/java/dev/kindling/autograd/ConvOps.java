package dev.kindling.autograd;

import dev.kindling.amp.Autocast;
import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.ConvParams;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;

/**
 * The differentiable 2-D convolutions behind {@code F.conv1d}, {@code F.conv2d} and
 * {@code F.convTranspose2d} (use those: they also take padding modes, unbatched inputs and give
 * errors in the caller's terms). Three ops close under differentiation, so their backward rules are
 * made of each other and {@code createGraph} gives derivatives of any order:
 * <ul>
 * <li>{@link #conv2d}: y = x ⋆ w (+ b), the convolution C(x, w);</li>
 * <li>{@link #convTranspose2d}: T(x, w) = C(·, w)^T x, its adjoint in the input (+ b);</li>
 * <li>{@link #conv2dBackwardWeight}: W(x, g) = C(x, ·)^T g, its adjoint in the weight.</li>
 * </ul>
 * All three are bilinear, and with {@code <C(x, w), g> = <x, T(g, w)> = <w, W(x, g)>} every partial
 * derivative is one of the three: dC/dx = T, dC/dw = W; dT/dx = C, dT/dw = W with the roles of its
 * arguments swapped; dW/dx = T, dW/dg = C. The bias gradient is the output gradient summed over
 * batch and positions.
 */
public final class ConvOps {
    private ConvOps() {}

    /** C(x, w) + b: x [N, C, H, W], w [O, C / groups, kh, kw], b [O] or null; result [N, O, oh, ow]. */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor b, ConvParams p) {
        x = Autocast.cast("conv2d", x);
        w = Autocast.cast("conv2d", w);
        b = Autocast.cast("conv2d", b);
        Tensor out = Tensor.wrap(x.data().conv2d(w.data(), b == null ? null : b.data(), p));
        if (!Graph.records(x, w, b)) return out;
        int[] xs = x.shape(), ws = w.shape();
        boolean biasGrad = b != null && b.requiresGrad();
        SavedTensor sx = Graph.save(x, w.requiresGrad()), sw = Graph.save(w, x.requiresGrad());
        return Graph.record("ConvolutionBackward", out, g -> new Tensor[]{
                sw == null ? null : convTranspose2d(g, sw.get(), null, p, xs[2], xs[3]),
                sx == null ? null : conv2dBackwardWeight(sx.get(), g, p, ws[2], ws[3]),
                biasGrad ? biasGradient(g) : null}, new Tensor[]{x, w, b}, sx, sw);
    }

    /**
     * T(x, w) + b, the transposed convolution: x [N, O, h, w] (shaped like a conv2d output), w
     * [O, C / groups, kh, kw] (conv2d's weight layout: ConvTranspose2d's [in, out / groups, kh, kw]),
     * b [C] or null; result [N, C, outH, outW], where (outH, outW) is an input size that conv2d with
     * {@code p} maps to (h, w).
     */
    public static Tensor convTranspose2d(Tensor x, Tensor w, Tensor b, ConvParams p, int outH, int outW) {
        x = Autocast.cast("convTranspose2d", x);
        w = Autocast.cast("convTranspose2d", w);
        b = Autocast.cast("convTranspose2d", b);
        NDArray y = x.data().conv2dBackwardInput(w.data(), p, outH, outW);
        if (b != null) {
            int c = y.shapeRef()[1];
            if (b.dim() != 1 || b.size(0) != c) {
                throw new IllegalArgumentException("convTranspose2d: bias " + Shapes.str(b.shape()) + " does not fit weight "
                        + Shapes.str(w.shape()) + " with groups=" + p.groups() + ": it must be [" + c + "]");
            }
            y.binary_(BinaryOp.ADD, b.data().reshape(1, c, 1, 1));
        }
        Tensor out = Tensor.wrap(y);
        if (!Graph.records(x, w, b)) return out;
        int[] ws = w.shape();
        boolean biasGrad = b != null && b.requiresGrad();
        SavedTensor sx = Graph.save(x, w.requiresGrad()), sw = Graph.save(w, x.requiresGrad());
        return Graph.record("ConvolutionTransposeBackward", out, g -> new Tensor[]{
                sw == null ? null : conv2d(g, sw.get(), null, p),
                sx == null ? null : conv2dBackwardWeight(g, sx.get(), p, ws[2], ws[3]),
                biasGrad ? biasGradient(g) : null}, new Tensor[]{x, w, b}, sx, sw);
    }

    /**
     * W(x, g): the gradient of {@code <conv2d(x, w), g>} with respect to w, summed over the batch: x
     * [N, C, H, W], g [N, O, oh, ow]; result [O, C / groups, kh, kw].
     */
    public static Tensor conv2dBackwardWeight(Tensor x, Tensor g, ConvParams p, int kh, int kw) {
        Tensor out = Tensor.wrap(x.data().conv2dBackwardWeight(g.data(), p, kh, kw));
        if (!Graph.records(x, g)) return out;
        int[] xs = x.shape();
        SavedTensor sx = Graph.save(x, g.requiresGrad()), sg = Graph.save(g, x.requiresGrad());
        return Graph.record("ConvolutionBackwardWeightBackward", out, gw -> new Tensor[]{
                sg == null ? null : convTranspose2d(sg.get(), gw, null, p, xs[2], xs[3]),
                sx == null ? null : conv2d(sx.get(), gw, null, p)}, new Tensor[]{x, g}, sx, sg);
    }

    /** The output gradient summed over batch and positions. */
    private static Tensor biasGradient(Tensor g) { return g.sum(new int[]{0, 2, 3}, false); }
}
