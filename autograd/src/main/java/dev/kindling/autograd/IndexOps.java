package dev.kindling.autograd;

import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.Shapes;
import java.util.Arrays;

/**
 * Ops that read or write elements by index or mask, with their derivatives. Reading by index
 * (gather, indexSelect) and adding by index (scatterAdd, indexAdd) are each other's adjoints.
 */
final class IndexOps {
    private IndexOps() {}

    static Tensor indexSelect(Tensor a, int dim, Tensor index) {
        Tensor out = Tensor.wrap(a.data().indexSelect(dim, index.data()));
        if (!Graph.records(a)) return out;
        int[] in = a.shape();
        SavedTensor si = Graph.save(index);
        return Graph.record("IndexSelectBackward", out, g -> {
            if (in.length == 0) return new Tensor[]{g.reshape(in)};
            NDArray zeros = NDArray.zeros(g.dtype(), g.device(), in);
            // Unrecorded, into the fresh zeros themselves; the out-of-place op would copy them first.
            if (!Graph.records(g)) return new Tensor[]{Tensor.wrap(zeros.indexAdd_(dim, si.get().data(), g.data()))};
            return new Tensor[]{Tensor.wrap(zeros).indexAdd(dim, si.get(), g)};
        }, a, si);
    }

    /** Out of place torch.index_add: a copy of a with src's slices added at index along dim. */
    static Tensor indexAdd(Tensor a, int dim, Tensor index, Tensor src) {
        NDArray r = a.data().copy();
        r.indexAdd_(dim, index.data(), src.data());
        Tensor out = Tensor.wrap(r);
        if (!Graph.records(a, src)) return out;
        SavedTensor si = Graph.save(index);
        return Graph.record("IndexAddBackward", out, g -> new Tensor[]{g, g.indexSelect(dim, si.get().reshape(-1))},
                new Tensor[]{a, src}, si);
    }

    static Tensor gather(Tensor a, int dim, Tensor index) {
        Tensor out = Tensor.wrap(a.data().gather(dim, index.data()));
        if (!Graph.records(a)) return out;
        int[] in = a.shape();
        SavedTensor si = Graph.save(index);
        return Graph.record("GatherBackward", out, g -> {
            NDArray zeros = NDArray.zeros(g.dtype(), g.device(), in);
            if (!Graph.records(g)) return new Tensor[]{Tensor.wrap(zeros.scatter_(dim, si.get().data(), g.data(), true))};
            return new Tensor[]{Tensor.wrap(zeros).scatterAdd(dim, si.get(), g)};
        }, a, si);
    }

    /**
     * Out of place scatter / scatterAdd. The input's gradient passes except, for plain scatter, where
     * src overwrote it; src's gradient is read back at index. Only the index-shaped front block of src
     * is used, so the rest of src gets zero.
     */
    static Tensor scatter(Tensor a, int dim, Tensor index, Tensor src, boolean accumulate) {
        Tensor out = Tensor.wrap(a.data().scatter(dim, index.data(), src.data(), accumulate));
        if (!Graph.records(a, src)) return out;
        int[] srcShape = src.shape();
        SavedTensor si = Graph.save(index);
        return Graph.record(accumulate ? "ScatterAddBackward" : "ScatterBackward", out, g -> {
            Tensor idx = si.get();
            Tensor ga = accumulate ? g : g.scatter(dim, idx, Tensor.wrap(NDArray.zeros(g.dtype(), g.device(), idx.shape())));
            Tensor gs = g.gather(dim, idx);
            if (!Arrays.equals(gs.shape(), srcShape)) {
                int[] is = idx.shape();
                gs = ViewOps.intoZeros(gs, srcShape, x -> {
                    Tensor v = x;
                    for (int i = 0; i < is.length; i++) v = v.narrow(i, 0, is[i]);
                    return v;
                }, "Narrow");
            }
            return new Tensor[]{ga, gs};
        }, new Tensor[]{a, src}, si);
    }

    static Tensor maskedFill(Tensor a, Tensor mask, double value) {
        Tensor out = Tensor.wrap(a.data().maskedFill(mask.data(), value));
        if (!Graph.records(a)) return out;
        SavedTensor sm = Graph.save(mask);
        return Graph.record("MaskedFillBackward", out, g -> new Tensor[]{g.maskedFill(sm.get(), 0)}, a, sm);
    }

    /**
     * The gradient of the selected elements goes back to the positions the (broadcast) mask picked,
     * found once as flat indices of the true elements.
     */
    static Tensor maskedSelect(Tensor a, Tensor mask) {
        Tensor out = Tensor.wrap(a.data().maskedSelect(mask.data()));
        if (!Graph.records(a)) return out;
        int[] shape = Shapes.broadcast("maskedSelect", mask.shape(), a.shape());
        NDArray flatMask = mask.data().expand(shape).reshape(-1);
        NDArray positions = NDArray.arange(0, Shapes.numel(shape), 1, DType.INT64).maskedSelect(flatMask);
        SavedTensor sp = Graph.save(Tensor.wrap(positions));
        return Graph.record("MaskedSelectBackward", out, g -> {
            Tensor zeros = Tensor.wrap(NDArray.zeros(g.dtype(), g.device(), (int) Shapes.numel(shape)));
            return new Tensor[]{zeros.indexAdd(0, sp.get(), g).reshape(shape)};
        }, a, sp);
    }
}
