package dev.kindling.autograd;

import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;
import java.util.function.UnaryOperator;

/**
 * Shape ops that return views sharing the input's storage, with their derivatives. The gradient of
 * a view op is the inverse reshaping; the gradient of a view that picks part of its input
 * (narrow, slice, select, unfold) is the output gradient written into zeros of the input's shape.
 */
final class ViewOps {
    private ViewOps() {}

    /** Wraps a view of {@code a}'s data; it remembers its base so in-place ops on it can be checked. */
    private static Tensor view(Tensor a, NDArray v) { return a.viewResult(v); }

    static Tensor reshape(Tensor a, int[] shape, boolean mustView) {
        NDArray r = mustView ? a.data().view(shape) : a.data().reshape(shape);
        Tensor out = r.sharesStorage(a.data()) ? view(a, r) : Tensor.wrap(r);
        if (!Graph.records(a)) return out;
        int[] in = a.shape();
        return Graph.record(mustView ? "ViewBackward" : "ReshapeBackward", out, g -> new Tensor[]{g.reshape(in)}, a);
    }

    /** Ops whose result is the input with size-1 dims added or removed, or dims merged: the gradient is reshaped back. */
    static Tensor reshaping(Tensor a, NDArray r, String name) {
        Tensor out = view(a, r);
        if (!Graph.records(a)) return out;
        int[] in = a.shape();
        return Graph.record(name, out, g -> new Tensor[]{g.reshape(in)}, a);
    }

    static Tensor permute(Tensor a, int[] dims) {
        Tensor out = view(a, a.data().permute(dims));
        if (!Graph.records(a)) return out;
        int[] inverse = new int[dims.length];
        for (int i = 0; i < dims.length; i++) inverse[Shapes.dim("permute", dims[i], dims.length)] = i;
        return Graph.record("PermuteBackward", out, g -> new Tensor[]{g.permute(inverse)}, a);
    }

    static Tensor transpose(Tensor a, int d0, int d1) {
        Tensor out = view(a, a.data().transpose(d0, d1));
        if (!Graph.records(a)) return out;
        return Graph.record("TransposeBackward", out, g -> new Tensor[]{g.transpose(d0, d1)}, a);
    }

    static Tensor t(Tensor a) {
        Tensor out = view(a, a.data().t());
        if (!Graph.records(a)) return out;
        return Graph.record("TBackward", out, g -> new Tensor[]{g.t()}, a);
    }

    static Tensor expand(Tensor a, int[] shape) {
        Tensor out = view(a, a.data().expand(shape));
        if (!Graph.records(a)) return out;
        int[] in = a.shape();
        return Graph.record("ExpandBackward", out, g -> new Tensor[]{g.sumToSize(in)}, a);
    }

    static Tensor narrow(Tensor a, int dim, int start, int length) {
        return picked(a, a.data().narrow(dim, start, length), "NarrowBackward", x -> x.narrow(dim, start, length));
    }

    static Tensor slice(Tensor a, int dim, int start, int end, int step) {
        return picked(a, a.data().slice(dim, start, end, step), "SliceBackward", x -> x.slice(dim, start, end, step));
    }

    static Tensor select(Tensor a, int dim, int index) {
        return picked(a, a.data().select(dim, index), "SelectBackward", x -> x.select(dim, index));
    }

    /** A view that picks part of its input; {@code pick} makes the same view of any tensor of the input's shape. */
    private static Tensor picked(Tensor a, NDArray v, String name, UnaryOperator<Tensor> pick) {
        Tensor out = view(a, v);
        if (!Graph.records(a)) return out;
        int[] in = a.shape();
        return Graph.record(name, out, g -> new Tensor[]{intoZeros(g, in, pick, name)}, a);
    }

    /**
     * zeros(shape) with {@code g} written where {@code pick} looks: the adjoint of a picking view, and
     * itself differentiable (its derivative is the pick again) for double backward.
     */
    static Tensor intoZeros(Tensor g, int[] shape, UnaryOperator<Tensor> pick, String viewName) {
        Tensor out = Tensor.wrap(NDArray.zeros(g.dtype(), g.device(), shape));
        try (GradMode.Scope s = GradMode.noGrad()) {
            pick.apply(out).data().copy_(g.data());
        }
        if (!Graph.records(g)) return out;
        return Graph.record(viewName + "Backward", out, gg -> new Tensor[]{pick.apply(gg)}, g);
    }

    /**
     * The view of a contiguous tensor with the given geometry (offset relative to the tensor's own):
     * how autograd finds an in-place-modified view's region inside its base, and inside the base's gradient.
     */
    static Tensor strided(Tensor a, int[] shape, int[] strides, int offset) {
        NDArray d = a.data();
        if (!d.isContiguous()) throw new IllegalStateException("strided: expects a contiguous tensor, got strides "
                + java.util.Arrays.toString(d.strides()));
        Tensor out = view(a, new NDArray(d.storage(), shape.clone(), strides.clone(), d.offset() + offset));
        if (!Graph.records(a)) return out;
        int[] in = a.shape();
        return Graph.record("AsStridedBackward", out,
                g -> new Tensor[]{intoZeros(g, in, x -> strided(x, shape, strides, offset), "AsStrided")}, a);
    }

    /**
     * Sliding windows: window w, position j reads input element w*step + j along dim. The gradient
     * adds each window's gradient back at those positions (windows may overlap).
     */
    static Tensor unfold(Tensor a, int dim, int size, int step) {
        Tensor out = view(a, a.data().unfold(dim, size, step));
        if (!Graph.records(a)) return out;
        int[] in = a.shape();
        int rank = in.length;
        int d = rank == 0 ? 0 : Shapes.dim("unfold", dim, rank);
        int windows = out.shape()[d];
        long[] positions = new long[windows * size];
        for (int w = 0; w < windows; w++) for (int j = 0; j < size; j++) positions[w * size + j] = (long) w * step + j;
        Tensor index = Tensor.wrap(NDArray.of(positions, positions.length));
        return Graph.record("UnfoldBackward", out, g -> {
            if (rank == 0) return new Tensor[]{g.sum().reshape(in)};
            // [.., windows, .., size] -> [.., windows, size, ..] -> [.., windows*size, ..]
            int[] perm = new int[rank + 1];
            for (int i = 0, j = 0; i <= rank; i++) perm[i] = i <= d ? i : i == d + 1 ? rank : i - 1;
            int[] merged = in.clone();
            merged[d] = windows * size;
            Tensor flat = g.permute(perm).reshape(merged);
            Tensor zeros = Tensor.wrap(NDArray.zeros(g.dtype(), g.device(), in));
            return new Tensor[]{zeros.indexAdd(d, index, flat)};
        }, a);
    }

}
