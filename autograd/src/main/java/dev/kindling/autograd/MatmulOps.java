package dev.kindling.autograd;

import dev.kindling.tensor.BinaryOp;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.NDArray;

/**
 * Matrix products. One rule covers matmul, mm and bmm: with 1-D operands promoted to matrices,
 * dA = dC B^T and dB = A^T dC; the engine sums gradients over broadcast batch dims.
 */
final class MatmulOps {
    private MatmulOps() {}

    static Tensor matmul(Tensor a, Tensor b, String name, NDArray result) {
        Tensor out = Tensor.wrap(result);
        if (!Graph.records(a, b)) return out;
        boolean aVec = a.dim() == 1, bVec = b.dim() == 1;
        // b is a transposed contiguous matrix, as the weight.t() in every linear layer is: its gradient is
        // made in that same layout, so the transpose's backward hands the weight a contiguous gradient and
        // accumulating it is a plain copy instead of a strided transposition.
        boolean bTransposed = a.dim() == 2 && b.dim() == 2 && !b.isContiguous() && b.data().transpose(0, 1).isContiguous();
        SavedTensor sa = Graph.save(a, b.requiresGrad()), sb = Graph.save(b, a.requiresGrad());
        return Graph.record(name, out, g -> {
            Tensor g2 = g;
            if (bVec) g2 = g2.unsqueeze(g2.dim());
            if (aVec) g2 = g2.unsqueeze(g2.dim() - 1);
            Tensor ga = null, gb = null;
            if (sb != null) {
                Tensor b2 = bVec ? sb.get().unsqueeze(1) : sb.get();
                ga = g2.matmul(b2.transpose(-1, -2));
                if (aVec) ga = ga.squeeze(ga.dim() - 2);
            }
            if (sa != null) {
                Tensor a2 = aVec ? sa.get().unsqueeze(0) : sa.get();
                gb = bTransposed ? g2.transpose(-1, -2).matmul(a2).transpose(-1, -2) : a2.transpose(-1, -2).matmul(g2);
                if (bVec) gb = gb.squeeze(gb.dim() - 1);
            }
            return new Tensor[]{ga, gb};
        }, new Tensor[]{a, b}, sa, sb);
    }

    /**
     * x W^T + b as one node. Leading dims of x fold into one [rows, in] GEMM, as PyTorch's linear
     * does: a batched matmul would broadcast W and, backward, form and sum one W gradient per batch
     * entry. The generic matmul rule would also give W's gradient as a transposed view of A^T dC,
     * which accumulating into W copies element by element across cache lines; this rule computes
     * dW = dC^T x directly in W's [out, in] layout (BLAS reads dC^T through its transpose flag), and
     * adds the bias into the product in place instead of allocating a sum.
     */
    static Tensor linear(Tensor x, Tensor w, Tensor b) {
        int outFeatures = w.shape()[0], inFeatures = w.shape()[1];
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = outFeatures;
        NDArray y = x.data().reshape(-1, inFeatures).matmul(w.data().t()).reshape(outShape);
        if (b != null) {
            if (y.dtype() == DType.promote(y.dtype(), b.dtype())) y.binary_(BinaryOp.ADD, b.data());
            else y = y.binary(BinaryOp.ADD, b.data());
        }
        Tensor out = Tensor.wrap(y);
        if (!Graph.records(x, w, b)) return out;
        boolean bNeeds = b != null && b.requiresGrad();
        int[] inShape = x.shape();
        SavedTensor sx = Graph.save(x, w.requiresGrad()), sw = Graph.save(w, x.requiresGrad());
        Backward rule = g -> {
            Tensor g2 = g.reshape(-1, outFeatures);
            Tensor gx = sw == null ? null : g2.matmul(sw.get()).reshape(inShape);
            Tensor gw = sx == null ? null : g2.t().matmul(sx.get().reshape(-1, inFeatures));
            Tensor gb = bNeeds ? g2.sum(0, false) : null;
            return b == null ? new Tensor[]{gx, gw} : new Tensor[]{gx, gw, gb};
        };
        Tensor[] inputs = b == null ? new Tensor[]{x, w} : new Tensor[]{x, w, b};
        return Graph.record(b == null ? "MmBackward" : "AddmmBackward", out, rule, inputs, sx, sw);
    }
}
