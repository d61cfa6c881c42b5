package dev.kindling.nn.utils.rnn;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.DType;
import dev.kindling.tensor.Shapes;

/**
 * A batch of variable-length sequences without padding, as torch.nn.utils.rnn.PackedSequence:
 * {@code data} [N, *] holds step 0 of every sequence, then step 1 of those at least 2 long, and so on,
 * the sequences sorted by decreasing length; {@code batchSizes} (int64 [T]) says how many sequences
 * each step has. {@code sortedIndices} maps sorted positions to the caller's batch order and
 * {@code unsortedIndices} back (both int64 [B], or null when the batch was already sorted). Build one
 * with {@link RnnUtils#packPaddedSequence} or {@link RnnUtils#packSequence}; RNN, LSTM and GRU take it
 * as input and return one.
 */
public record PackedSequence(Tensor data, Tensor batchSizes, Tensor sortedIndices, Tensor unsortedIndices) {
    public PackedSequence {
        if (data == null || batchSizes == null) throw new IllegalArgumentException("PackedSequence: data and batchSizes are required");
        if (batchSizes.dim() != 1 || batchSizes.dtype() != DType.INT64) {
            throw new IllegalArgumentException("PackedSequence: batchSizes must be int64 [T], got " + batchSizes.dtype() + " "
                    + Shapes.str(batchSizes.shape()));
        }
        if ((sortedIndices == null) != (unsortedIndices == null)) {
            throw new IllegalArgumentException("PackedSequence: give both sortedIndices and unsortedIndices, or neither");
        }
    }

    /** The step sizes as a Java array. */
    public long[] batchSizesArray() { return batchSizes.toLongArray(); }

    /** The same packing around other data with as many rows (e.g. a layer's output). */
    public PackedSequence withData(Tensor newData) {
        return new PackedSequence(newData, batchSizes, sortedIndices, unsortedIndices);
    }
}
