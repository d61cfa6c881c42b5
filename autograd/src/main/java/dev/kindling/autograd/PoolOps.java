package dev.kindling.autograd;

import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Resampling;

/**
 * The differentiable pooling and resampling ops behind {@code F.maxPool1d/2d}, {@code F.avgPool2d},
 * {@code F.adaptiveAvgPool2d} and {@code F.interpolate} (use those). Max pooling's gradient is its
 * adjoint, a scatter-add at the saved argmax positions, whose own gradient reads back at them;
 * resampling is linear, so its gradient is the same op with the transposed maps.
 */
public final class PoolOps {
    private PoolOps() {}

    /**
     * Window maxima of x [N, C, H, W] and their flat positions {@code iy * W + ix} (int64, no gradient);
     * the gradient goes to the position each maximum came from.
     */
    public static Tensor.ValuesIndices maxPool2d(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                                                 boolean ceilMode) {
        NDArray[] r = x.data().maxPool2d(kh, kw, sh, sw, ph, pw, dh, dw, ceilMode);
        Tensor values = Tensor.wrap(r[0]), indices = Tensor.wrap(r[1]);
        if (Graph.records(x)) {
            int h = x.size(2), w = x.size(3);
            SavedTensor si = Graph.save(indices);
            Graph.record("MaxPool2DWithIndicesBackward", values, g -> new Tensor[]{maxPool2dBackward(g, si.get(), h, w)}, x, si);
        }
        return new Tensor.ValuesIndices(values, indices);
    }

    /**
     * The adjoint of max pooling: g [N, C, oh, ow] added into zeros [N, C, h, w] at {@code indices}. It is
     * linear in g, and its gradient gathers at the same indices.
     */
    public static Tensor maxPool2dBackward(Tensor g, Tensor indices, int h, int w) {
        Tensor out = Tensor.wrap(g.data().maxPool2dBackward(indices.data(), h, w));
        if (!Graph.records(g)) return out;
        int[] gs = g.shape();
        SavedTensor si = Graph.save(indices);
        return Graph.record("MaxPool2DWithIndicesBackwardBackward", out, gg -> {
            Tensor idx = si.get().reshape(gs[0], gs[1], gs[2] * gs[3]);
            return new Tensor[]{gg.reshape(gs[0], gs[1], h * w).gather(2, idx).reshape(gs)};
        }, g, si);
    }

    /**
     * {@code alongH x alongW^T} on every plane of x [N, C, H, W] (see {@link Resampling}); the node is
     * named {@code op + "Backward"} (e.g. "AvgPool2D"), and the gradient resamples with the transposed maps.
     */
    public static Tensor resample2d(Tensor x, Resampling alongH, Resampling alongW, String op) {
        Tensor out = Tensor.wrap(x.data().resample2d(alongH, alongW));
        if (!Graph.records(x)) return out;
        String name = op + "Backward";
        return Graph.record(name, out, g -> new Tensor[]{resample2d(g, alongH.transpose(), alongW.transpose(), name)}, x);
    }
}
