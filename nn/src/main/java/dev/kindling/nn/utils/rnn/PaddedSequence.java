package dev.kindling.nn.utils.rnn;

import dev.kindling.autograd.Tensor;

/**
 * What {@link RnnUtils#padPackedSequence} returns, PyTorch's {@code (padded, lengths)} pair: the padded
 * batch [T, B, *] ([B, T, *] with batchFirst) and every sequence's length (int64 [B]), both in the
 * caller's batch order.
 */
public record PaddedSequence(Tensor padded, Tensor lengths) {}
