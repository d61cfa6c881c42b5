package dev.kindling.autograd;

/**
 * Matrix products. One rule covers matmul, mm and bmm: with 1-D operands promoted to matrices,
 * dA = dC B^T and dB = A^T dC; the engine sums gradients over broadcast batch dims.
 */
final class MatmulOps {
    private MatmulOps() {}

    static Tensor matmul(Tensor a, Tensor b, String name, dev.kindling.tensor.NDArray result) {
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
}
