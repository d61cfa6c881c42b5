package dev.kindling.nn;

import dev.kindling.autograd.Tensor;

/**
 * A stack of {@code numLayers} decoder layers, each a deep copy of the given one, then an optional final
 * norm, as torch.nn.TransformerDecoder. Every layer attends to the same memory. Keys
 * {@code layers.0.multihead_attn.in_proj_weight} ... {@code norm.weight}.
 * <pre>{@code
 * var decoder = new TransformerDecoder(new TransformerDecoderLayer(512, 8), 6, new LayerNorm(512));
 * Tensor y = decoder.forward(tgt, memory, Transformer.generateSquareSubsequentMask(tgt.size(0)), null, null, null);
 * }</pre>
 */
public class TransformerDecoder extends Module {
    public final ModuleList layers;
    /** Null when there is none. */
    public final Module norm;
    public final int numLayers;

    public TransformerDecoder(TransformerDecoderLayer decoderLayer, int numLayers) { this(decoderLayer, numLayers, null); }

    public TransformerDecoder(TransformerDecoderLayer decoderLayer, int numLayers, Module norm) {
        if (numLayers <= 0) throw new IllegalArgumentException("TransformerDecoder: numLayers must be positive, got " + numLayers);
        this.numLayers = numLayers;
        this.layers = registerModule("layers", new ModuleList());
        for (int i = 0; i < numLayers; i++) layers.add(decoderLayer.copy());
        this.norm = norm == null ? null : registerModule("norm", norm);
    }

    public TransformerDecoderLayer layer(int i) { return (TransformerDecoderLayer) layers.get(i); }

    public Tensor forward(Tensor tgt, Tensor memory) { return forward(tgt, memory, null, null, null, null, false, false); }

    /** The masks, as {@link TransformerDecoderLayer}'s, are passed to every layer; any may be null. */
    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
                          Tensor memoryKeyPaddingMask) {
        return forward(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, false, false);
    }

    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
                          Tensor memoryKeyPaddingMask, boolean tgtIsCausal, boolean memoryIsCausal) {
        Tensor x = tgt;
        for (Module layer : layers) {
            x = ((TransformerDecoderLayer) layer).forward(x, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask,
                    tgtIsCausal, memoryIsCausal);
        }
        return norm == null ? x : norm.forward(x);
    }
}
