package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.init.Init;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Shapes;

/**
 * The encoder-decoder Transformer of "Attention Is All You Need", as torch.nn.Transformer: an encoder of
 * {@code numEncoderLayers} {@link TransformerEncoderLayer}s and a decoder of {@code numDecoderLayers}
 * {@link TransformerDecoderLayer}s, each stack ending in a LayerNorm; every matrix parameter is then
 * re-initialised xavier uniform, as PyTorch does. src [S, N, dModel] and tgt [T, N, dModel] ([N, S, dModel] ...
 * with batchFirst) give [T, N, dModel]. Keys {@code encoder.layers.0.linear1.weight}, {@code encoder.norm.weight},
 * {@code decoder.layers.0.multihead_attn.in_proj_weight} ... Embeddings, positional encodings and the output
 * projection are the user's, as in PyTorch.
 * <pre>{@code
 * var model = new Transformer(256, 4, 3, 3, new TransformerLayerOptions().dimFeedforward(1024).batchFirst(true));
 * Tensor y = model.forward(src, tgt, null, Transformer.generateSquareSubsequentMask(tgt.size(1)), null,
 *         srcPadding, tgtPadding, srcPadding);
 * }</pre>
 */
public class Transformer extends Module {
    public final int dModel, nhead;
    public final boolean batchFirst;
    public final TransformerEncoder encoder;
    public final TransformerDecoder decoder;

    /** PyTorch's defaults: dModel 512, 8 heads, 6 encoder and 6 decoder layers, feed-forward 2048, dropout 0.1. */
    public Transformer() { this(512, 8, 6, 6, new TransformerLayerOptions()); }

    public Transformer(int dModel, int nhead, int numEncoderLayers, int numDecoderLayers) {
        this(dModel, nhead, numEncoderLayers, numDecoderLayers, new TransformerLayerOptions());
    }

    public Transformer(int dModel, int nhead, int numEncoderLayers, int numDecoderLayers, int dimFeedforward, double dropout) {
        this(dModel, nhead, numEncoderLayers, numDecoderLayers,
                new TransformerLayerOptions().dimFeedforward(dimFeedforward).dropout(dropout));
    }

    public Transformer(int dModel, int nhead, int numEncoderLayers, int numDecoderLayers, TransformerLayerOptions options) {
        this.dModel = dModel;
        this.nhead = nhead;
        this.batchFirst = options.batchFirst();
        this.encoder = registerModule("encoder", new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, options),
                numEncoderLayers, TransformerEncoderLayer.layerNorm(dModel, options)));
        this.decoder = registerModule("decoder", new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, options),
                numDecoderLayers, TransformerEncoderLayer.layerNorm(dModel, options)));
        resetParameters();
    }

    /** PyTorch's _reset_parameters: xavier uniform for every parameter with more than one dim. */
    public void resetParameters() {
        for (Tensor p : parameters()) if (p.dim() > 1) Init.xavierUniform_(p);
    }

    public Tensor forward(Tensor src, Tensor tgt) { return forward(src, tgt, null, null, null, null, null, null, false, false, false); }

    /** The masks as {@link TransformerEncoderLayer}'s (src) and {@link TransformerDecoderLayer}'s (tgt, memory); any may be null. */
    public Tensor forward(Tensor src, Tensor tgt, Tensor srcMask, Tensor tgtMask, Tensor memoryMask, Tensor srcKeyPaddingMask,
                          Tensor tgtKeyPaddingMask, Tensor memoryKeyPaddingMask) {
        return forward(src, tgt, srcMask, tgtMask, memoryMask, srcKeyPaddingMask, tgtKeyPaddingMask, memoryKeyPaddingMask,
                false, false, false);
    }

    public Tensor forward(Tensor src, Tensor tgt, Tensor srcMask, Tensor tgtMask, Tensor memoryMask, Tensor srcKeyPaddingMask,
                          Tensor tgtKeyPaddingMask, Tensor memoryKeyPaddingMask, boolean srcIsCausal, boolean tgtIsCausal,
                          boolean memoryIsCausal) {
        boolean batched = src.dim() == 3;
        int b = batchFirst ? 0 : 1;
        if (batched && (tgt.dim() != 3 || src.size(b) != tgt.size(b))) {
            throw new IllegalArgumentException("Transformer: src " + Shapes.str(src.shape()) + " and tgt " + Shapes.str(tgt.shape())
                    + " must have the same batch size (dim " + b + (batchFirst ? ", batchFirst" : "") + ")");
        }
        if (src.size(src.dim() - 1) != dModel || tgt.size(tgt.dim() - 1) != dModel) {
            throw new IllegalArgumentException("Transformer: src " + Shapes.str(src.shape()) + " and tgt " + Shapes.str(tgt.shape())
                    + " must both have dModel = " + dModel + " features in their last dim");
        }
        Tensor memory = encoder.forward(src, srcMask, srcKeyPaddingMask, srcIsCausal);
        return decoder.forward(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal);
    }

    /**
     * The causal mask for a sequence of {@code sz}: float32 [sz, sz], 0 on and below the diagonal and -inf above,
     * so position i attends to positions 0..i (PyTorch's {@code generate_square_subsequent_mask}).
     */
    public static Tensor generateSquareSubsequentMask(int sz) { return generateSquareSubsequentMask(sz, DType.FLOAT32); }

    public static Tensor generateSquareSubsequentMask(int sz, DType dtype) {
        if (sz < 0) throw new IllegalArgumentException("generateSquareSubsequentMask: size must be non-negative, got " + sz);
        Tensor future = Tensor.arange(sz).unsqueeze(0).gt(Tensor.arange(sz).unsqueeze(1));
        return Tensor.zeros(dtype, sz, sz).maskedFill(future, Double.NEGATIVE_INFINITY);
    }
}
