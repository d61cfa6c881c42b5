package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.Shapes;
import java.util.function.UnaryOperator;

/**
 * One encoder block of the Transformer (torch.nn.TransformerEncoderLayer): self-attention, then a
 * position-wise feed-forward network, each with dropout, a residual connection and layer norm.
 * <pre>
 * post-norm (default): x = norm1(x + sa(x));        x = norm2(x + ff(x))
 * pre-norm (normFirst): x = x + sa(norm1(x));       x = x + ff(norm2(x))
 * sa(x) = dropout1(self_attn(x, x, x))              ff(x) = dropout2(linear2(dropout(activation(linear1(x)))))
 * </pre>
 * Input and output [L, N, dModel] ([N, L, dModel] with batchFirst, [L, dModel] unbatched). Children under
 * PyTorch's names: {@code self_attn}, {@code linear1}, {@code dropout}, {@code linear2}, {@code norm1},
 * {@code norm2}, {@code dropout1}, {@code dropout2}.
 * <pre>{@code
 * var layer = new TransformerEncoderLayer(512, 8, new TransformerLayerOptions().batchFirst(true));
 * Tensor y = layer.forward(x, null, padding);      // x [N, L, 512], padding bool [N, L] (true = pad)
 * }</pre>
 */
public class TransformerEncoderLayer extends Module {
    public final int dModel, nhead;
    public final boolean normFirst;
    public final MultiheadAttention selfAttn;
    public final Linear linear1, linear2;
    public final Dropout dropout, dropout1, dropout2;
    public final LayerNorm norm1, norm2;
    private final UnaryOperator<Tensor> activation;
    private final TransformerLayerOptions options;

    public TransformerEncoderLayer(int dModel, int nhead) { this(dModel, nhead, new TransformerLayerOptions()); }

    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, double dropout) {
        this(dModel, nhead, new TransformerLayerOptions().dimFeedforward(dimFeedforward).dropout(dropout));
    }

    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, double dropout, String activation) {
        this(dModel, nhead, new TransformerLayerOptions().dimFeedforward(dimFeedforward).dropout(dropout).activation(activation));
    }

    public TransformerEncoderLayer(int dModel, int nhead, TransformerLayerOptions options) {
        this.dModel = dModel;
        this.nhead = nhead;
        this.options = options.copy();
        this.normFirst = options.normFirst();
        this.activation = options.activation();
        this.selfAttn = registerModule("self_attn", new MultiheadAttention(dModel, nhead, attentionOptions(options)));
        this.linear1 = registerModule("linear1", new Linear(dModel, options.dimFeedforward(), options.bias()));
        this.dropout = registerModule("dropout", new Dropout(options.dropout()));
        this.linear2 = registerModule("linear2", new Linear(options.dimFeedforward(), dModel, options.bias()));
        this.norm1 = registerModule("norm1", layerNorm(dModel, options));
        this.norm2 = registerModule("norm2", layerNorm(dModel, options));
        this.dropout1 = registerModule("dropout1", new Dropout(options.dropout()));
        this.dropout2 = registerModule("dropout2", new Dropout(options.dropout()));
    }

    /** The options this layer was built with (a copy). */
    public TransformerLayerOptions options() { return options.copy(); }

    @Override
    public Tensor forward(Tensor src) { return forward(src, null, null, false); }

    /** srcMask: [L, L] or [N * nhead, L, L]; srcKeyPaddingMask: [N, L]; bool (true = masked out) or float additive; either may be null. */
    public Tensor forward(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask) { return forward(src, srcMask, srcKeyPaddingMask, false); }

    /** isCausal with a null srcMask masks every position after the query (see {@link MultiheadAttention}). */
    public Tensor forward(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask, boolean isCausal) {
        checkFeatures("TransformerEncoderLayer", "src", src, dModel);
        Tensor x = src;
        if (normFirst) {
            x = x.add(selfAttentionBlock(norm1.forward(x), srcMask, srcKeyPaddingMask, isCausal));
            return x.add(feedForwardBlock(norm2.forward(x)));
        }
        x = norm1.forward(x.add(selfAttentionBlock(x, srcMask, srcKeyPaddingMask, isCausal)));
        return norm2.forward(x.add(feedForwardBlock(x)));
    }

    private Tensor selfAttentionBlock(Tensor x, Tensor mask, Tensor keyPaddingMask, boolean isCausal) {
        return dropout1.forward(selfAttn.forward(x, x, x, keyPaddingMask, false, mask, true, isCausal).output());
    }

    private Tensor feedForwardBlock(Tensor x) {
        return dropout2.forward(linear2.forward(dropout.forward(activation.apply(linear1.forward(x)))));
    }

    /** A deep copy: the same configuration with independent copies of the weights (for {@link TransformerEncoder}). */
    TransformerEncoderLayer copy() { return Clones.copyState(this, new TransformerEncoderLayer(dModel, nhead, options)); }

    static MultiheadAttention.Options attentionOptions(TransformerLayerOptions o) {
        return new MultiheadAttention.Options().dropout(o.dropout()).bias(o.bias()).batchFirst(o.batchFirst());
    }

    static LayerNorm layerNorm(int dModel, TransformerLayerOptions o) {
        return new LayerNorm(new int[]{dModel}, o.layerNormEps(), true, o.bias());
    }

    static void checkFeatures(String layer, String name, Tensor x, int dModel) {
        if ((x.dim() != 2 && x.dim() != 3) || x.size(x.dim() - 1) != dModel) {
            throw new IllegalArgumentException(layer + ": " + name + " " + Shapes.str(x.shape()) + " should be [L, N, " + dModel
                    + "] ([N, L, " + dModel + "] with batchFirst, [L, " + dModel + "] unbatched): dModel is " + dModel);
        }
    }
}
