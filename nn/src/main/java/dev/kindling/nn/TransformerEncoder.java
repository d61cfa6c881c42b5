package dev.kindling.nn;

import dev.kindling.autograd.Tensor;

/**
 * A stack of {@code numLayers} encoder layers, each a deep copy of the given one (so they start with equal
 * weights and train independently), then an optional final norm, as torch.nn.TransformerEncoder. Keys
 * {@code layers.0.self_attn.in_proj_weight} ... {@code norm.weight}.
 * <pre>{@code
 * var encoder = new TransformerEncoder(new TransformerEncoderLayer(512, 8), 6, new LayerNorm(512));
 * Tensor memory = encoder.forward(src, null, srcPadding);
 * }</pre>
 */
public class TransformerEncoder extends Module {
    public final ModuleList layers;
    /** Null when there is none. */
    public final Module norm;
    public final int numLayers;

    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers) { this(encoderLayer, numLayers, null); }

    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers, Module norm) {
        if (numLayers <= 0) throw new IllegalArgumentException("TransformerEncoder: numLayers must be positive, got " + numLayers);
        this.numLayers = numLayers;
        this.layers = registerModule("layers", new ModuleList());
        for (int i = 0; i < numLayers; i++) layers.add(encoderLayer.copy());
        this.norm = norm == null ? null : registerModule("norm", norm);
    }

    public TransformerEncoderLayer layer(int i) { return (TransformerEncoderLayer) layers.get(i); }

    @Override
    public Tensor forward(Tensor src) { return forward(src, null, null, false); }

    /** mask [L, L] or [N * nhead, L, L] and srcKeyPaddingMask [N, L] are passed to every layer. */
    public Tensor forward(Tensor src, Tensor mask, Tensor srcKeyPaddingMask) { return forward(src, mask, srcKeyPaddingMask, false); }

    public Tensor forward(Tensor src, Tensor mask, Tensor srcKeyPaddingMask, boolean isCausal) {
        Tensor x = src;
        for (Module layer : layers) x = ((TransformerEncoderLayer) layer).forward(x, mask, srcKeyPaddingMask, isCausal);
        return norm == null ? x : norm.forward(x);
    }
}
