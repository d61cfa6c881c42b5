package dev.kindling.autograd;

import dev.kindling.tensor.NDArray;
import dev.kindling.tensor.ReduceOp;
import dev.kindling.tensor.Shapes;

/**
 * Reductions and the normalisations built on them, with their derivatives. Each rule first puts the
 * reduced dims back as size 1 ({@link #kept}), so the output gradient broadcasts against the input.
 */
final class ReductionOps {
    private ReductionOps() {}

    /** The output shape with every reduced dim kept as 1; null or empty dims reduce everything. */
    static int[] keptShape(String op, int[] shape, int[] dims) {
        int[] kept = shape.clone();
        if (dims == null || dims.length == 0) java.util.Arrays.fill(kept, 1);
        else if (shape.length > 0) for (int d : dims) kept[Shapes.dim(op, d, shape.length)] = 1;
        return kept;
    }

    /** A gradient of a reduction's output reshaped so its reduced dims are size 1. */
    private static Tensor kept(Tensor g, int[] keptShape) {
        return java.util.Arrays.equals(g.data().shapeRef(), keptShape) ? g : g.reshape(keptShape);
    }

    static Tensor sum(Tensor a, int[] dims, boolean keepdim) {
        Tensor out = Tensor.wrap(a.data().reduce(ReduceOp.SUM, dims, keepdim));
        if (!Graph.records(a)) return out;
        int[] shape = a.shape(), k = keptShape("sum", shape, dims);
        return Graph.record("SumBackward", out, g -> new Tensor[]{kept(g, k).expand(shape)}, a);
    }

    static Tensor mean(Tensor a, int[] dims, boolean keepdim) {
        Tensor out = Tensor.wrap(a.data().reduce(ReduceOp.MEAN, dims, keepdim));
        if (!Graph.records(a)) return out;
        int[] shape = a.shape(), k = keptShape("mean", shape, dims);
        double n = (double) Shapes.numel(shape) / Math.max(1, Shapes.numel(k));
        return Graph.record("MeanBackward", out, g -> new Tensor[]{kept(g, k).expand(shape).div(n)}, a);
    }

    /**
     * d(prod)/dx_i is the product of the others. Dividing the product by x_i fails at zeros, so slices
     * with zeros are handled by how many they hold, with P the product of the slice's non-zero
     * elements and Z the sum of its zero elements (worth 0, but its derivative is 1 for each of them):
     * <ul>
     * <li>no zero: P / x_i;
     * <li>one zero: P for the zero, P / x_i * Z for the others;
     * <li>two zeros: P * (Z - x_i), the other zero, for each zero, 0 for the others;
     * <li>more: 0 everywhere.
     * </ul>
     * The values are the products of the others in every case, but a plain 0 would be right only in
     * value: the gradient itself must still depend on the zeros (d2/dx_i dx_j of x_i x_j x_k is x_k
     * even where x_i = 0), so the zeros stay in the formula through Z. This makes the rule exact to
     * second order (double backward) everywhere.
     */
    static Tensor prod(Tensor a, int[] dims, boolean keepdim) {
        Tensor out = Tensor.wrap(a.data().reduce(ReduceOp.PROD, dims, keepdim));
        if (!Graph.records(a)) return out;
        int[] shape = a.shape(), k = keptShape("prod", shape, dims);
        SavedTensor sa = Graph.save(a), so = Graph.save(out);
        return Graph.record("ProdBackward", out, g -> {
            Tensor x = sa.get(), gk = kept(g, k);
            Tensor isZero = x.detach().eq(0.0);
            if (!isZero.any().toBooleanArray()[0]) return new Tensor[]{gk.mul(kept(so.get(), k).div(x))};
            int[] all = dimsOf(dims, shape.length);
            Tensor zeros = isZero.to(x.dtype()).sum(all, true);
            Tensor safeX = x.maskedFill(isZero, 1);
            Tensor p = prodKept(safeX, dims, shape.length);
            Tensor z = x.maskedFill(isZero.logicalNot(), 0).sum(all, true);
            Tensor none = Tensor.scalar(0.0, x.dtype());
            Tensor one = zeros.eq(1.0), two = zeros.eq(2.0);
            Tensor forZeros = Tensor.where(one, p, Tensor.where(two, p.mul(z.sub(x)), none));
            Tensor forOthers = p.div(safeX).mul(Tensor.where(zeros.eq(0.0), Tensor.scalar(1.0, x.dtype()),
                    Tensor.where(one, z, none)));
            return new Tensor[]{gk.mul(Tensor.where(isZero, forZeros, forOthers))};
        }, a, sa, so);
    }

    private static Tensor prodKept(Tensor x, int[] dims, int rank) {
        int[] all = dimsOf(dims, rank);
        Tensor p = x;
        for (int d : all) p = p.prod(d, true);
        return p;
    }

    private static int[] dimsOf(int[] dims, int rank) {
        if (dims != null && dims.length > 0) return dims;
        int[] all = new int[rank];
        for (int i = 0; i < rank; i++) all[i] = i;
        return all;
    }

    /** d var / dx = 2 (x - mean) / (N - correction). */
    static Tensor var(Tensor a, int[] dims, int correction, boolean keepdim) {
        Tensor out = Tensor.wrap(a.data().var(dims, correction, keepdim));
        if (!Graph.records(a)) return out;
        int[] shape = a.shape(), k = keptShape("var", shape, dims);
        long n = Shapes.numel(shape) / Math.max(1, Shapes.numel(k));
        SavedTensor sa = Graph.save(a);
        return Graph.record("VarBackward", out, g -> {
            Tensor x = sa.get();
            Tensor centered = x.sub(x.mean(dimsOf(dims, shape.length), true));
            return new Tensor[]{kept(g, k).mul(centered).mul(2.0 / (n - correction))};
        }, a, sa);
    }

    /** max()/min() of all elements: ties share the gradient evenly (PyTorch's rule for full reductions). */
    static Tensor extreme(Tensor a, boolean max) {
        Tensor out = Tensor.wrap(a.data().reduce(max ? ReduceOp.MAX : ReduceOp.MIN, null, false));
        if (!Graph.records(a)) return out;
        SavedTensor sa = Graph.save(a), so = Graph.save(out);
        return Graph.record(max ? "MaxBackward" : "MinBackward", out, g -> {
            Tensor hit = sa.get().detach().eq(so.get().detach());
            Tensor share = hit.to(g.dtype()).div(hit.to(g.dtype()).sum());
            return new Tensor[]{share.mul(g)};
        }, a, sa, so);
    }

    /** max(dim)/min(dim): the gradient goes to the element each index chose. */
    static Tensor.ValuesIndices extremeAlong(Tensor a, boolean max, int dim, boolean keepdim) {
        NDArray[] r = a.data().maxMin(max, dim, keepdim);
        Tensor values = Tensor.wrap(r[0]), indices = Tensor.wrap(r[1]);
        if (Graph.records(a) && values.dtype().isFloatingPoint()) {
            int[] shape = a.shape();
            String op = max ? "max" : "min";
            int d = Shapes.dim(op, dim, Math.max(shape.length, 1));
            int[] k = keptShape(op, shape, new int[]{dim});
            SavedTensor si = Graph.save(indices);
            Graph.record(max ? "MaxBackward" : "MinBackward", values, g -> {
                if (shape.length == 0) return new Tensor[]{g};
                Tensor zeros = Tensor.wrap(NDArray.zeros(g.dtype(), g.device(), shape));
                return new Tensor[]{zeros.scatter(d, kept(si.get(), k), kept(g, k))};
            }, a, si);
        }
        return new Tensor.ValuesIndices(values, indices);
    }

    /** d logsumexp / dx = softmax(x) = exp(x - out). */
    static Tensor logsumexp(Tensor a, int[] dims, boolean keepdim) {
        Tensor out = Tensor.wrap(a.data().logsumexp(dims, keepdim));
        if (!Graph.records(a)) return out;
        int[] k = keptShape("logsumexp", a.shape(), dims);
        SavedTensor sa = Graph.save(a), so = Graph.save(out);
        return Graph.record("LogsumexpBackward", out, g -> new Tensor[]{
                kept(g, k).mul(sa.get().sub(kept(so.get(), k)).exp())}, a, sa, so);
    }

    /**
     * The p-norm. Its derivative x |x|^(p-2) / norm^(p-1) is 0/0 at a zero norm; PyTorch takes 0 there,
     * and so does this rule. p = inf shares the gradient among the largest |x| like max().
     */
    static Tensor norm(Tensor a, double p, int[] dims, boolean keepdim) {
        Tensor out = Tensor.wrap(a.data().norm(p, dims, keepdim));
        if (!Graph.records(a)) return out;
        int[] shape = a.shape(), k = keptShape("norm", shape, dims);
        SavedTensor sa = Graph.save(a), so = Graph.save(out);
        return Graph.record("NormBackward", out, g -> {
            Tensor x = sa.get(), n = kept(so.get(), k), gk = kept(g, k);
            Tensor grad;
            if (p == 1) {
                grad = x.sign();
            } else if (p == Double.POSITIVE_INFINITY) {
                Tensor hit = x.detach().abs().eq(n.detach());
                Tensor count = hit.to(x.dtype()).sum(dimsOf(dims, shape.length), true);
                grad = x.sign().mul(hit).div(count);
            } else {
                Tensor zeroNorm = n.detach().eq(0.0);
                Tensor safeN = n.maskedFill(zeroNorm, 1);
                Tensor num = p == 2 ? x : x.mul(x.abs().pow(p - 2));
                grad = num.div(p == 2 ? safeN : safeN.pow(p - 1)).maskedFill(zeroNorm, 0);
            }
            return new Tensor[]{gk.mul(grad)};
        }, a, sa, so);
    }

    /**
     * d softmax: y (g - sum(g y)). Unrecorded (no createGraph) it is one fused pass over the rows
     * (NDArray.softmaxBackward); recorded, the same formula in Tensor ops, so it can be differentiated again.
     */
    static Tensor softmax(Tensor a, int dim) {
        Tensor out = Tensor.wrap(a.data().softmax(dim));
        if (!Graph.records(a)) return out;
        SavedTensor so = Graph.save(out);
        return Graph.record("SoftmaxBackward", out, g -> {
            Tensor y = so.get();
            if (!GradMode.isEnabled()) return new Tensor[]{Tensor.wrap(y.data().softmaxBackward(g.data(), dim))};
            return new Tensor[]{y.mul(g.sub(g.mul(y).sum(dim, true)))};
        }, a, so);
    }

    /** d logSoftmax: g - softmax(x) sum(g), with softmax(x) = exp(out); fused when unrecorded, as softmax's. */
    static Tensor logSoftmax(Tensor a, int dim) {
        Tensor out = Tensor.wrap(a.data().logSoftmax(dim));
        if (!Graph.records(a)) return out;
        SavedTensor so = Graph.save(out);
        return Graph.record("LogSoftmaxBackward", out, g -> {
            Tensor y = so.get();
            if (!GradMode.isEnabled()) return new Tensor[]{Tensor.wrap(y.data().logSoftmaxBackward(g.data(), dim))};
            return new Tensor[]{g.sub(y.exp().mul(g.sum(dim, true)))};
        }, a, so);
    }

    /** Sums a broadcast tensor back to {@code shape} (the adjoint of expand). */
    static Tensor sumToSize(Tensor a, int[] shape) {
        int[] from = a.data().shapeRef();
        if (java.util.Arrays.equals(from, shape)) return a;
        if (!Shapes.expandable(shape, from)) {
            throw new IllegalArgumentException("sumToSize: shape " + Shapes.str(from) + " cannot be summed to "
                    + Shapes.str(shape) + " (the target must broadcast to the tensor's shape)");
        }
        int lead = from.length - shape.length;
        int count = 0;
        for (int i = 0; i < from.length; i++) if (i < lead || (shape[i - lead] == 1 && from[i] != 1)) count++;
        int[] dims = new int[count];
        for (int i = 0, j = 0; i < from.length; i++) if (i < lead || (shape[i - lead] == 1 && from[i] != 1)) dims[j++] = i;
        Tensor summed = count == 0 ? a : a.sum(dims, true);
        return summed.reshape(shape);
    }
}
