package dev.kindling.nn;

import dev.kindling.autograd.Tensor;

/**
 * What {@link MultiheadAttention} returns: the attended values and, when asked for, the attention
 * weights (PyTorch's {@code (attn_output, attn_output_weights)} pair).
 *
 * @param output  [L, N, E] ([N, L, E] with batchFirst, [L, E] unbatched)
 * @param weights [N, L, S] averaged over heads, or [N, numHeads, L, S] per head ([L, S] / [numHeads, L, S]
 *                unbatched); null when {@code needWeights} is false
 */
public record AttentionOutput(Tensor output, Tensor weights) {}
