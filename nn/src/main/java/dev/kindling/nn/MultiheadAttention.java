package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.functional.F;
import dev.kindling.nn.init.Init;

/**
 * Multi-head attention (Vaswani et al. 2017), as torch.nn.MultiheadAttention:
 * <pre>
 * head_i = softmax(Q W_q,i^T (K W_k,i^T)^T / sqrt(E / numHeads) + mask) V W_v,i^T
 * output = concat(head_1 .. head_h) W_o^T + b_o
 * </pre>
 * Inputs are [L, N, E] query, [S, N, kdim] key and [S, N, vdim] value ([N, L, E] ... with batchFirst;
 * [L, E] ... unbatched); the output is the query's shape. Masks: {@code keyPaddingMask} [N, S] and
 * {@code attnMask} [L, S] or [N * numHeads, L, S], each either bool (<b>true = masked out</b>) or float
 * (added to the scores, -inf to mask). A query with every key masked gets zero weights.
 * <p>Parameters under PyTorch's names: {@code in_proj_weight} [3E, E] and {@code in_proj_bias} [3E] when
 * kdim = vdim = E, else {@code q_proj_weight} [E, E], {@code k_proj_weight} [E, kdim], {@code v_proj_weight}
 * [E, vdim] (and still {@code in_proj_bias}); {@code bias_k}, {@code bias_v} [1, 1, E] with addBiasKv; and
 * the child {@code out_proj} (a Linear, so {@code out_proj.weight}, {@code out_proj.bias}). Initialised as
 * PyTorch: xavier uniform projections, zero biases, out_proj.weight as Linear's default, bias_k/v xavier normal.
 * <pre>{@code
 * var attn = new MultiheadAttention(64, 8, new MultiheadAttention.Options().batchFirst(true));
 * AttentionOutput a = attn.forward(x, x, x);             // x [N, L, 64]: a.output() [N, L, 64], a.weights() [N, L, L]
 * Tensor y = attn.forward(x, x, x, padding, null).output();   // padding: bool [N, L], true at pad tokens
 * }</pre>
 */
public class MultiheadAttention extends Module {
    /**
     * PyTorch's keyword arguments with its defaults: dropout 0 (on the attention weights, in training),
     * bias true, addBiasKv false, addZeroAttn false, kdim = vdim = embedDim, batchFirst false.
     */
    public static final class Options {
        private double dropout;
        private boolean bias = true, addBiasKv, addZeroAttn, batchFirst;
        private int kdim = -1, vdim = -1;

        public Options dropout(double dropout) {
            if (!(dropout >= 0 && dropout <= 1)) {
                throw new IllegalArgumentException("MultiheadAttention.Options: dropout must be in [0, 1], got " + dropout);
            }
            this.dropout = dropout;
            return this;
        }

        /** Biases of the input projections ({@code in_proj_bias}) and of out_proj. */
        public Options bias(boolean bias) { this.bias = bias; return this; }

        /** Learned key and value rows ({@code bias_k}, {@code bias_v}) appended to every sequence's keys and values. */
        public Options addBiasKv(boolean addBiasKv) { this.addBiasKv = addBiasKv; return this; }

        /** An all-zero key and value appended after the projections. */
        public Options addZeroAttn(boolean addZeroAttn) { this.addZeroAttn = addZeroAttn; return this; }

        /** The key's feature size, when it differs from embedDim. */
        public Options kdim(int kdim) { this.kdim = positive("kdim", kdim); return this; }

        /** The value's feature size, when it differs from embedDim. */
        public Options vdim(int vdim) { this.vdim = positive("vdim", vdim); return this; }

        /** Batched inputs and output as [N, L, E] rather than [L, N, E]. */
        public Options batchFirst(boolean batchFirst) { this.batchFirst = batchFirst; return this; }

        private static int positive(String name, int v) {
            if (v <= 0) throw new IllegalArgumentException("MultiheadAttention.Options: " + name + " must be positive, got " + v);
            return v;
        }
    }

    public final int embedDim, numHeads, headDim, kdim, vdim;
    public final double dropout;
    public final boolean batchFirst, addZeroAttn;
    /** [3E, E], or null when kdim or vdim differ from embedDim (then the three separate weights are set). */
    public final Tensor inProjWeight;
    public final Tensor qProjWeight, kProjWeight, vProjWeight;
    /** [3E], or null without bias. */
    public final Tensor inProjBias;
    /** [1, 1, E] each, or null without addBiasKv. */
    public final Tensor biasK, biasV;
    public final Linear outProj;

    public MultiheadAttention(int embedDim, int numHeads) { this(embedDim, numHeads, new Options()); }

    public MultiheadAttention(int embedDim, int numHeads, double dropout) { this(embedDim, numHeads, new Options().dropout(dropout)); }

    public MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias) {
        this(embedDim, numHeads, new Options().dropout(dropout).bias(bias));
    }

    public MultiheadAttention(int embedDim, int numHeads, Options options) {
        if (embedDim <= 0 || numHeads <= 0) {
            throw new IllegalArgumentException("MultiheadAttention: embedDim and numHeads must be positive, got embedDim "
                    + embedDim + ", numHeads " + numHeads);
        }
        if (embedDim % numHeads != 0) {
            throw new IllegalArgumentException("MultiheadAttention: embedDim " + embedDim + " must be divisible by numHeads "
                    + numHeads + " (each head gets embedDim / numHeads features)");
        }
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.headDim = embedDim / numHeads;
        this.kdim = options.kdim > 0 ? options.kdim : embedDim;
        this.vdim = options.vdim > 0 ? options.vdim : embedDim;
        this.dropout = options.dropout;
        this.batchFirst = options.batchFirst;
        this.addZeroAttn = options.addZeroAttn;
        boolean packed = kdim == embedDim && vdim == embedDim;
        // Registration order is PyTorch's, so stateDict() lists the keys in its order.
        this.qProjWeight = registerParameter("q_proj_weight", packed ? null : Tensor.zeros(embedDim, embedDim));
        this.kProjWeight = registerParameter("k_proj_weight", packed ? null : Tensor.zeros(embedDim, kdim));
        this.vProjWeight = registerParameter("v_proj_weight", packed ? null : Tensor.zeros(embedDim, vdim));
        this.inProjWeight = registerParameter("in_proj_weight", packed ? Tensor.zeros(3 * embedDim, embedDim) : null);
        this.inProjBias = registerParameter("in_proj_bias", options.bias ? Tensor.zeros(3 * embedDim) : null);
        this.outProj = registerModule("out_proj", new Linear(embedDim, embedDim, options.bias));
        this.biasK = registerParameter("bias_k", options.addBiasKv ? Tensor.zeros(1, 1, embedDim) : null);
        this.biasV = registerParameter("bias_v", options.addBiasKv ? Tensor.zeros(1, 1, embedDim) : null);
        resetParameters();
    }

    /** PyTorch's _reset_parameters; out_proj.weight keeps Linear's default initialisation. */
    public void resetParameters() {
        if (inProjWeight != null) {
            Init.xavierUniform_(inProjWeight);
        } else {
            Init.xavierUniform_(qProjWeight);
            Init.xavierUniform_(kProjWeight);
            Init.xavierUniform_(vProjWeight);
        }
        if (inProjBias != null) {
            Init.zeros_(inProjBias);
            Init.zeros_(outProj.bias);
        }
        if (biasK != null) {
            Init.xavierNormal_(biasK);
            Init.xavierNormal_(biasV);
        }
    }

    /** Attention without masks, returning the weights averaged over heads. */
    public AttentionOutput forward(Tensor query, Tensor key, Tensor value) {
        return forward(query, key, value, null, true, null, true, false);
    }

    /** Attention with a key padding mask and an attention mask (either may be null), returning averaged weights. */
    public AttentionOutput forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask) {
        return forward(query, key, value, keyPaddingMask, true, attnMask, true, false);
    }

    /**
     * PyTorch's full forward. needWeights false skips the weights (null in the result); averageAttnWeights
     * false returns them per head, [N, numHeads, L, S]. isCausal with a null attnMask masks every key after
     * its query (PyTorch requires the mask and treats isCausal as a hint that it is causal; a given attnMask
     * is used as it is).
     */
    public AttentionOutput forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, boolean needWeights,
                                   Tensor attnMask, boolean averageAttnWeights, boolean isCausal) {
        return F.multiHeadAttentionForward(query, key, value, numHeads, inProjWeight, inProjBias, biasK, biasV, addZeroAttn,
                dropout, outProj.weight, outProj.bias, isTraining(), keyPaddingMask, needWeights, attnMask, qProjWeight,
                kProjWeight, vProjWeight, averageAttnWeights, isCausal, batchFirst);
    }

    /** One line, as the layers it contains are implied: {@code MultiheadAttention(64, heads=8, batchFirst=true)}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("MultiheadAttention(").append(embedDim).append(", heads=").append(numHeads);
        if (kdim != embedDim) s.append(", kdim=").append(kdim);
        if (vdim != embedDim) s.append(", vdim=").append(vdim);
        if (dropout != 0) s.append(", dropout=").append(dropout);
        if (inProjBias == null) s.append(", bias=false");
        if (biasK != null) s.append(", addBiasKv=true");
        if (addZeroAttn) s.append(", addZeroAttn=true");
        if (batchFirst) s.append(", batchFirst=true");
        return s.append(')').toString();
    }
}
