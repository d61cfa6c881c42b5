package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import java.util.function.UnaryOperator;

/**
 * One decoder block of the Transformer (torch.nn.TransformerDecoderLayer): self-attention over the
 * target, attention from the target to the encoder's output (memory), then a feed-forward network,
 * each with dropout, a residual connection and layer norm.
 * <pre>
 * post-norm (default): x = norm1(x + sa(x));  x = norm2(x + mha(x, mem));  x = norm3(x + ff(x))
 * pre-norm (normFirst): x = x + sa(norm1(x)); x = x + mha(norm2(x), mem); x = x + ff(norm3(x))
 * sa(x) = dropout1(self_attn(x, x, x)); mha(x, m) = dropout2(multihead_attn(x, m, m));
 * ff(x) = dropout3(linear2(dropout(activation(linear1(x)))))
 * </pre>
 * tgt [T, N, dModel] and memory [S, N, dModel] ([N, T, dModel] ... with batchFirst; unbatched without N)
 * give [T, N, dModel]. Children under PyTorch's names: {@code self_attn}, {@code multihead_attn},
 * {@code linear1}, {@code dropout}, {@code linear2}, {@code norm1..3}, {@code dropout1..3}.
 * <pre>{@code
 * var layer = new TransformerDecoderLayer(512, 8);
 * Tensor mask = Transformer.generateSquareSubsequentMask(tgt.size(0));
 * Tensor y = layer.forward(tgt, memory, mask, null, null, null);
 * }</pre>
 */
public class TransformerDecoderLayer extends Module {
    public final int dModel, nhead;
    public final boolean normFirst;
    public final MultiheadAttention selfAttn, multiheadAttn;
    public final Linear linear1, linear2;
    public final Dropout dropout, dropout1, dropout2, dropout3;
    public final LayerNorm norm1, norm2, norm3;
    private final UnaryOperator<Tensor> activation;
    private final TransformerLayerOptions options;

    public TransformerDecoderLayer(int dModel, int nhead) { this(dModel, nhead, new TransformerLayerOptions()); }

    public TransformerDecoderLayer(int dModel, int nhead, int dimFeedforward, double dropout) {
        this(dModel, nhead, new TransformerLayerOptions().dimFeedforward(dimFeedforward).dropout(dropout));
    }

    public TransformerDecoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, String activation) {
        this(dModel, nhead, new TransformerLayerOptions().dimFeedforward(dimFeedforward).dropout(dropout).activation(activation));
    }

    public TransformerDecoderLayer(int dModel, int nhead, TransformerLayerOptions options) {
        this.dModel = dModel;
        this.nhead = nhead;
        this.options = options.copy();
        this.normFirst = options.normFirst();
        this.activation = options.activation();
        MultiheadAttention.Options attention = TransformerEncoderLayer.attentionOptions(options);
        this.selfAttn = registerModule("self_attn", new MultiheadAttention(dModel, nhead, attention));
        this.multiheadAttn = registerModule("multihead_attn", new MultiheadAttention(dModel, nhead, attention));
        this.linear1 = registerModule("linear1", new Linear(dModel, options.dimFeedforward(), options.bias()));
        this.dropout = registerModule("dropout", new Dropout(options.dropout()));
        this.linear2 = registerModule("linear2", new Linear(options.dimFeedforward(), dModel, options.bias()));
        this.norm1 = registerModule("norm1", TransformerEncoderLayer.layerNorm(dModel, options));
        this.norm2 = registerModule("norm2", TransformerEncoderLayer.layerNorm(dModel, options));
        this.norm3 = registerModule("norm3", TransformerEncoderLayer.layerNorm(dModel, options));
        this.dropout1 = registerModule("dropout1", new Dropout(options.dropout()));
        this.dropout2 = registerModule("dropout2", new Dropout(options.dropout()));
        this.dropout3 = registerModule("dropout3", new Dropout(options.dropout()));
    }

    /** The options this layer was built with (a copy). */
    public TransformerLayerOptions options() { return options.copy(); }

    public Tensor forward(Tensor tgt, Tensor memory) { return forward(tgt, memory, null, null, null, null, false, false); }

    /**
     * tgtMask [T, T] or [N * nhead, T, T], memoryMask [T, S] or [N * nhead, T, S], key padding masks [N, T]
     * and [N, S]; bool (true = masked out) or float additive; any may be null.
     */
    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
                          Tensor memoryKeyPaddingMask) {
        return forward(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, false, false);
    }

    /** The causal flags apply a causal mask where the corresponding mask is null (see {@link MultiheadAttention}). */
    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
                          Tensor memoryKeyPaddingMask, boolean tgtIsCausal, boolean memoryIsCausal) {
        TransformerEncoderLayer.checkFeatures("TransformerDecoderLayer", "tgt", tgt, dModel);
        TransformerEncoderLayer.checkFeatures("TransformerDecoderLayer", "memory", memory, dModel);
        Tensor x = tgt;
        if (normFirst) {
            x = x.add(selfAttentionBlock(norm1.forward(x), tgtMask, tgtKeyPaddingMask, tgtIsCausal));
            x = x.add(crossAttentionBlock(norm2.forward(x), memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal));
            return x.add(feedForwardBlock(norm3.forward(x)));
        }
        x = norm1.forward(x.add(selfAttentionBlock(x, tgtMask, tgtKeyPaddingMask, tgtIsCausal)));
        x = norm2.forward(x.add(crossAttentionBlock(x, memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal)));
        return norm3.forward(x.add(feedForwardBlock(x)));
    }

    private Tensor selfAttentionBlock(Tensor x, Tensor mask, Tensor keyPaddingMask, boolean isCausal) {
        return dropout1.forward(selfAttn.forward(x, x, x, keyPaddingMask, false, mask, true, isCausal).output());
    }

    private Tensor crossAttentionBlock(Tensor x, Tensor memory, Tensor mask, Tensor keyPaddingMask, boolean isCausal) {
        return dropout2.forward(multiheadAttn.forward(x, memory, memory, keyPaddingMask, false, mask, true, isCausal).output());
    }

    private Tensor feedForwardBlock(Tensor x) {
        return dropout3.forward(linear2.forward(dropout.forward(activation.apply(linear1.forward(x)))));
    }

    /** A deep copy: the same configuration with independent copies of the weights (for {@link TransformerDecoder}). */
    TransformerDecoderLayer copy() { return Clones.copyState(this, new TransformerDecoderLayer(dModel, nhead, options)); }
}
