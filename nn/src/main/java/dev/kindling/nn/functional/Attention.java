package dev.kindling.nn.functional;

import dev.kindling.amp.Autocast;
import dev.kindling.autograd.Tensor;
import dev.kindling.nn.AttentionOutput;
import dev.kindling.nn.Transformer;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Device;
import dev.kindling.tensor.Shapes;
import java.util.Arrays;
import java.util.List;

/**
 * The math behind F's attention functions, with their input checks, following PyTorch's
 * {@code scaled_dot_product_attention} (math backend) and {@code multi_head_attention_forward}.
 * Everything is built from differentiable {@link Tensor} ops (matmul, softmax, masking), so
 * autograd differentiates it to any order.
 *
 * <p>Masks reach the scores as an additive float mask (0 where a key may be attended, -inf where
 * not). A query row whose every key is masked gets zero weights and a zero output rather than the
 * NaN of a plain softmax, as PyTorch's SDPA has done since 2.5 ({@code _safe_softmax}).
 */
final class Attention {
    private Attention() {}

    /** The softmax weights over the keys and the weighted sum of the values. */
    private record Attended(Tensor weights, Tensor output) {}

    // ------------------------------------------------------------------ scaled dot-product attention

    static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask, double dropoutP,
                                            boolean isCausal, double scale) {
        String op = "scaledDotProductAttention";
        if (query.dim() < 2 || key.dim() < 2 || value.dim() < 2) {
            throw new IllegalArgumentException(op + ": query, key and value need at least 2 dims ([..., L, E], [..., S, E],"
                    + " [..., S, Ev]), got " + str(query) + ", " + str(key) + " and " + str(value));
        }
        if (!query.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": query must be floating point, got " + query.dtype());
        }
        int[] qs = query.shape(), ks = key.shape(), vs = value.shape();
        int e = qs[qs.length - 1], l = qs[qs.length - 2], s = ks[ks.length - 2];
        if (ks[ks.length - 1] != e) {
            throw new IllegalArgumentException(op + ": query " + str(query) + " and key " + str(key)
                    + " need the same last dim (the embedding size E), got " + e + " and " + ks[ks.length - 1]);
        }
        if (vs[vs.length - 2] != s) {
            throw new IllegalArgumentException(op + ": key " + str(key) + " and value " + str(value)
                    + " need the same length S in dim -2, got " + s + " and " + vs[vs.length - 2]);
        }
        if (isCausal && attnMask != null) {
            throw new IllegalArgumentException(op + ": give attnMask or isCausal, not both (isCausal builds the causal mask)");
        }
        int[] batch = Shapes.broadcast(op + " (batch dims of query and key)", lead(qs), lead(ks));
        batch = Shapes.broadcast(op + " (batch dims of query, key and value)", batch, lead(vs));
        int[] scores = Arrays.copyOf(batch, batch.length + 2);
        scores[batch.length] = l;
        scores[batch.length + 1] = s;
        Tensor mask = isCausal ? causalMask(l, s, query.dtype(), query.device())
                : attnMask == null ? null : additiveMask(op, "attnMask", attnMask, query.dtype(), true);
        if (mask != null && !Shapes.expandable(mask.shape(), scores)) {
            throw new IllegalArgumentException(op + ": attnMask " + str(attnMask) + " does not broadcast to the attention"
                    + " scores " + Shapes.str(scores) + " ([..., L, S])");
        }
        double factor = Double.isNaN(scale) ? 1 / Math.sqrt(e) : scale;
        if (Autocast.isActive()) {
            query = Autocast.cast(op, query);
            key = Autocast.cast(op, key);
            value = Autocast.cast(op, value);
            if (mask != null && mask.dtype().isFloatingPoint()) mask = mask.to(query.dtype());
        }
        return attend(query.mul(factor), key, value, mask, dropoutP).output();
    }

    /** softmax(q k^T + mask) v over the last two dims, q already scaled; dropout on the weights with probability p. */
    private static Attended attend(Tensor scaledQuery, Tensor key, Tensor value, Tensor mask, double dropoutP) {
        Tensor scores = scaledQuery.matmul(key.transpose(-2, -1));
        if (mask != null) scores = scores.add(mask);
        Tensor weights = F.dropout(softmaxOverKeys(scores, mask), dropoutP, true);
        return new Attended(weights, weights.matmul(value));
    }

    /**
     * softmax over the last dim, with rows the mask blocks entirely set to 0. Those rows are filled with 0
     * before the softmax too: a row of -inf would give NaN there, and NaN times the zero gradient that
     * the final fill passes back is still NaN, which would spread through q and k in backward.
     */
    private static Tensor softmaxOverKeys(Tensor scores, Tensor mask) {
        if (mask == null) return scores.softmax(-1);
        Tensor blocked = mask.detach().max(-1, true).values().eq(Double.NEGATIVE_INFINITY);
        if (blocked.any().item() == 0) return scores.softmax(-1);
        return scores.maskedFill(blocked, 0).softmax(-1).maskedFill(blocked, 0);
    }

    /** 0 where key j may be seen by query i (j &lt;= i), -inf after: [l, s], on the scores' device. */
    private static Tensor causalMask(int l, int s, DType dtype, Device device) {
        return Transformer.generateSquareSubsequentMask(Math.max(l, s), dtype).to(device).narrow(0, 0, l).narrow(1, 0, s);
    }

    /**
     * PyTorch's {@code _canonical_mask}: a float mask is added to the scores as it is (in {@code dtype}); a bool
     * mask becomes 0 / -inf in {@code dtype}. Whether true means "attend" (SDPA) or "masked out" (MultiheadAttention)
     * is the caller's convention.
     */
    private static Tensor additiveMask(String op, String name, Tensor mask, DType dtype, boolean trueMeansAttend) {
        if (mask.dtype() == DType.BOOL) {
            Tensor blocked = trueMeansAttend ? mask.logicalNot() : mask;
            return Tensor.zeros(dtype, mask.device(), mask.shape()).maskedFill(blocked, Double.NEGATIVE_INFINITY);
        }
        if (!mask.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": " + name + " must be bool or floating point (additive), got " + mask.dtype());
        }
        return mask.to(dtype); // a float64 mask must not turn float32 attention into float64
    }

    // ------------------------------------------------------------------ multi-head attention

    static AttentionOutput multiHeadAttention(Tensor query, Tensor key, Tensor value, int numHeads,
                                              Tensor inProjWeight, Tensor inProjBias, Tensor biasK, Tensor biasV,
                                              boolean addZeroAttn, double dropoutP, Tensor outProjWeight, Tensor outProjBias,
                                              boolean training, Tensor keyPaddingMask, boolean needWeights, Tensor attnMask,
                                              Tensor qProjWeight, Tensor kProjWeight, Tensor vProjWeight,
                                              boolean averageAttnWeights, boolean isCausal, boolean batchFirst) {
        String op = "multiHeadAttention";
        boolean batched = checkRanks(op, query, key, value, keyPaddingMask, attnMask);
        if (Autocast.isActive()) {
            // Cast once per distinct tensor, so self-attention still sees query == key == value below.
            Tensor q16 = Autocast.cast("multiheadAttention", query);
            Tensor k16 = key == query ? q16 : Autocast.cast("multiheadAttention", key);
            value = value == key ? k16 : value == query ? q16 : Autocast.cast("multiheadAttention", value);
            query = q16;
            key = k16;
        }
        Tensor q = query, k = key, v = value, padding = keyPaddingMask;
        if (!batched) {
            q = q.unsqueeze(1);
            k = key == query ? q : k.unsqueeze(1);
            v = value == key ? k : v.unsqueeze(1);
            if (padding != null) padding = padding.unsqueeze(0);
        } else if (batchFirst) {
            // Transposed once per distinct tensor, so self-attention still sees query == key == value below.
            q = q.transpose(0, 1);
            k = key == query ? q : k.transpose(0, 1);
            v = value == key ? k : v.transpose(0, 1);
        }
        // From here on the layout is [L, N, E] (sequence first).
        int l = q.size(0), n = q.size(1), e = q.size(2), s = k.size(0);
        String layout = !batched ? "[L, E]" : batchFirst ? "[N, L, E]" : "[L, N, E]";
        checkSizes(op, query, key, value, layout, n, e, numHeads, k, v, inProjWeight, inProjBias, qProjWeight, kProjWeight,
                vProjWeight, outProjWeight, biasK, biasV);

        Tensor[] qkv = project(q, k, v, e, inProjWeight, inProjBias, qProjWeight, kProjWeight, vProjWeight);
        q = qkv[0];
        k = qkv[1];
        v = qkv[2];

        Tensor mask = attnMask == null ? (isCausal ? causalMask(l, s, q.dtype(), q.device()) : null)
                : checkedAttnMask(op, additiveMask(op, "attnMask", attnMask, q.dtype(), false), attnMask, batched, l, s, n, numHeads);
        if (padding != null) {
            int[] want = batched ? new int[]{n, s} : new int[]{s};
            if (!Arrays.equals(keyPaddingMask.shape(), want)) {
                throw new IllegalArgumentException(op + ": keyPaddingMask " + str(keyPaddingMask) + " should be "
                        + (batched ? "[N, S] = " : "[S] = ") + Shapes.str(want) + " for key " + str(key));
            }
            padding = additiveMask(op, "keyPaddingMask", padding, q.dtype(), false);
        }
        if (biasK != null) {
            k = Tensor.cat(List.of(k, biasK.expand(1, n, e)), 0);
            v = Tensor.cat(List.of(v, biasV.expand(1, n, e)), 0);
            mask = padKeys(mask);
            padding = padKeys(padding);
        }

        int heads = n * numHeads, headDim = e / numHeads;
        q = q.reshape(l, heads, headDim).transpose(0, 1);
        k = k.reshape(k.size(0), heads, headDim).transpose(0, 1);
        v = v.reshape(v.size(0), heads, headDim).transpose(0, 1);
        if (addZeroAttn) {
            k = Tensor.cat(List.of(k, Tensor.zeros(k.dtype(), k.device(), heads, 1, headDim)), 1);
            v = Tensor.cat(List.of(v, Tensor.zeros(v.dtype(), v.device(), heads, 1, headDim)), 1);
            mask = padKeys(mask);
            padding = padKeys(padding);
        }
        int keys = k.size(1);
        if (padding != null) {
            Tensor perHead = padding.reshape(n, 1, 1, keys).expand(n, numHeads, 1, keys).reshape(heads, 1, keys);
            mask = mask == null ? perHead : mask.add(perHead);
        }

        Attended a = attend(q.mul(1 / Math.sqrt(headDim)), k, v, mask, training ? dropoutP : 0);
        Tensor out = F.linear(a.output().transpose(0, 1).reshape(l, n, e), outProjWeight, outProjBias);
        Tensor weights = null;
        if (needWeights) {
            weights = a.weights().reshape(n, numHeads, l, keys);
            if (averageAttnWeights) weights = weights.mean(1, false);
        }
        if (!batched) {
            out = out.squeeze(1);
            if (weights != null) weights = weights.squeeze(0);
        } else if (batchFirst) {
            out = out.transpose(0, 1);
        }
        return new AttentionOutput(out, weights);
    }

    /** Whether the input is batched; checks the ranks of the inputs and masks against each other (_mha_shape_check). */
    private static boolean checkRanks(String op, Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask) {
        if (query.dim() != 2 && query.dim() != 3) {
            throw new IllegalArgumentException(op + ": query must be 2-D [L, E] (unbatched) or 3-D [L, N, E] / [N, L, E]"
                    + " (batched), got " + str(query));
        }
        boolean batched = query.dim() == 3;
        if (key.dim() != query.dim() || value.dim() != query.dim()) {
            throw new IllegalArgumentException(op + ": query " + str(query) + " is " + query.dim() + "-D, so key and value must be "
                    + query.dim() + "-D too, got key " + str(key) + " and value " + str(value));
        }
        if (keyPaddingMask != null && keyPaddingMask.dim() != query.dim() - 1) {
            throw new IllegalArgumentException(op + ": keyPaddingMask must be " + (batched ? "2-D [N, S]" : "1-D [S]") + " for a "
                    + query.dim() + "-D query, got " + str(keyPaddingMask));
        }
        if (attnMask != null && attnMask.dim() != 2 && attnMask.dim() != 3) {
            throw new IllegalArgumentException(op + ": attnMask must be 2-D [L, S] or 3-D [N * numHeads, L, S], got " + str(attnMask));
        }
        return batched;
    }

    private static void checkSizes(String op, Tensor query, Tensor key, Tensor value, String layout, int n, int e, int numHeads,
                                   Tensor k, Tensor v, Tensor inProjWeight, Tensor inProjBias, Tensor qProjWeight,
                                   Tensor kProjWeight, Tensor vProjWeight, Tensor outProjWeight, Tensor biasK, Tensor biasV) {
        int expected = inProjWeight != null ? inProjWeight.size(inProjWeight.dim() - 1)
                : qProjWeight != null ? qProjWeight.size(qProjWeight.dim() - 1) : e;
        if (e != expected) {
            throw new IllegalArgumentException(op + ": query " + str(query) + " (" + layout + ") has embedding size " + e
                    + ", but the projection weights are for embedDim " + expected);
        }
        if (numHeads <= 0 || e % numHeads != 0) {
            throw new IllegalArgumentException(op + ": embedDim " + e + " (query " + str(query) + ", " + layout
                    + ") must be divisible by numHeads " + numHeads);
        }
        if (k.size(0) != v.size(0) || k.size(1) != n || v.size(1) != n) {
            throw new IllegalArgumentException(op + ": query " + str(query) + ", key " + str(key) + " and value " + str(value)
                    + " (" + layout.replace('L', 'S') + " for key and value) must agree in batch size, and key and value"
                    + " in length S");
        }
        int kdim = k.size(2), vdim = v.size(2);
        if (inProjWeight != null) {
            requireShape(op, "inProjWeight", inProjWeight, 3 * e, e);
            if (kdim != e || vdim != e) {
                throw new IllegalArgumentException(op + ": key " + str(key) + " and value " + str(value) + " must have embedDim "
                        + e + " as their last dim to share inProjWeight " + str(inProjWeight)
                        + "; for other sizes use separate projections (MultiheadAttention's kdim and vdim)");
            }
        } else {
            if (qProjWeight == null || kProjWeight == null || vProjWeight == null) {
                throw new IllegalArgumentException(op + ": needs inProjWeight, or all of qProjWeight, kProjWeight and vProjWeight");
            }
            requireShape(op, "qProjWeight", qProjWeight, e, e);
            requireShape(op, "kProjWeight", kProjWeight, e, kdim);
            requireShape(op, "vProjWeight", vProjWeight, e, vdim);
        }
        if (inProjBias != null) requireShape(op, "inProjBias", inProjBias, 3 * e);
        requireShape(op, "outProjWeight", outProjWeight, e, e);
        if ((biasK == null) != (biasV == null)) {
            throw new IllegalArgumentException(op + ": biasK and biasV go together; got only " + (biasK == null ? "biasV" : "biasK"));
        }
        if (biasK != null) {
            requireShape(op, "biasK", biasK, 1, 1, e);
            requireShape(op, "biasV", biasV, 1, 1, e);
        }
    }

    private static void requireShape(String op, String name, Tensor t, int... shape) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(op + ": " + name + " is " + str(t) + " but the inputs need " + Shapes.str(shape));
        }
    }

    /**
     * The input projections, each [len, N, E]. Packed weights are used in one GEMM for self-attention
     * (query, key and value the same tensor) and in two when key and value are the same, as PyTorch does.
     */
    private static Tensor[] project(Tensor q, Tensor k, Tensor v, int e, Tensor inProjWeight, Tensor inProjBias,
                                    Tensor qProjWeight, Tensor kProjWeight, Tensor vProjWeight) {
        if (inProjWeight == null) {
            return new Tensor[]{F.linear(q, qProjWeight, part(inProjBias, 0, e)), F.linear(k, kProjWeight, part(inProjBias, e, e)),
                    F.linear(v, vProjWeight, part(inProjBias, 2 * e, e))};
        }
        if (q == k && k == v) {
            List<Tensor> qkv = F.linear(q, inProjWeight, inProjBias).chunk(3, -1);
            return qkv.toArray(new Tensor[0]);
        }
        Tensor pq = F.linear(q, inProjWeight.narrow(0, 0, e), part(inProjBias, 0, e));
        if (k == v) {
            List<Tensor> kv = F.linear(k, inProjWeight.narrow(0, e, 2 * e), part(inProjBias, e, 2 * e)).chunk(2, -1);
            return new Tensor[]{pq, kv.get(0), kv.get(1)};
        }
        return new Tensor[]{pq, F.linear(k, inProjWeight.narrow(0, e, e), part(inProjBias, e, e)),
                F.linear(v, inProjWeight.narrow(0, 2 * e, e), part(inProjBias, 2 * e, e))};
    }

    private static Tensor part(Tensor bias, int start, int length) { return bias == null ? null : bias.narrow(0, start, length); }

    /** A 2-D [L, S] mask as [1, L, S]; a 3-D one must be [N * numHeads, L, S]. */
    private static Tensor checkedAttnMask(String op, Tensor additive, Tensor given, boolean batched, int l, int s, int n,
                                          int numHeads) {
        if (given.dim() == 2) {
            if (given.size(0) != l || given.size(1) != s) {
                throw new IllegalArgumentException(op + ": the 2-D attnMask is " + str(given) + " but should be [L, S] = ["
                        + l + ", " + s + "] (query length, key length)");
            }
            return additive.unsqueeze(0);
        }
        int[] want = {n * numHeads, l, s};
        if (!Arrays.equals(given.shape(), want)) {
            throw new IllegalArgumentException(op + ": the 3-D attnMask is " + str(given) + " but should be "
                    + (batched ? "[N * numHeads, L, S] = " : "[numHeads, L, S] = ") + Shapes.str(want));
        }
        return additive;
    }

    /** One more key that every query may attend (bias_k or the zero key): the mask gains a 0 column. */
    private static Tensor padKeys(Tensor mask) { return mask == null ? null : mask.pad(new int[]{0, 1}, 0); }

    private static int[] lead(int[] shape) { return Arrays.copyOf(shape, shape.length - 2); }

    private static String str(Tensor t) { return Shapes.str(t.shape()); }
}
