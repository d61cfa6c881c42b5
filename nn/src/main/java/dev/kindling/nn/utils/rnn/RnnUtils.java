package dev.kindling.nn.utils.rnn;

import dev.kindling.autograd.Tensor;
import dev.kindling.tensor.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Variable-length batches for recurrent layers, as torch.nn.utils.rnn: pack a padded batch (or a
 * list of sequences) into a {@link PackedSequence}, run RNN, LSTM or GRU on it, and pad the output
 * back. Packing and padding are index selections, so gradients flow through them.
 * <pre>{@code
 * PackedSequence packed = RnnUtils.packPaddedSequence(x, new long[]{5, 3, 2}, false, false);  // x [5, 3, 8]
 * RecurrentOutput r = lstm.forward(packed);
 * Tensor out = RnnUtils.padPackedSequence(r.packed()).padded();   // [5, 3, H], zeros past each length
 * Tensor last = r.hidden();                                      // each sequence's h at its own last step
 * }</pre>
 */
public final class RnnUtils {
    private RnnUtils() {}

    /** {@link #packPaddedSequence(Tensor, long[], boolean, boolean)} with time-major input and sorted lengths, PyTorch's defaults. */
    public static PackedSequence packPaddedSequence(Tensor input, long[] lengths) { return packPaddedSequence(input, lengths, false, true); }

    public static PackedSequence packPaddedSequence(Tensor input, long[] lengths, boolean batchFirst) {
        return packPaddedSequence(input, lengths, batchFirst, true);
    }

    /** As {@link #packPaddedSequence(Tensor, long[], boolean, boolean)} with the lengths in a 1-D integer tensor. */
    public static PackedSequence packPaddedSequence(Tensor input, Tensor lengths, boolean batchFirst, boolean enforceSorted) {
        return packPaddedSequence(input, lengths.toLongArray(), batchFirst, enforceSorted);
    }

    /**
     * Packs a padded batch: input [T, B, *] ([B, T, *] with batchFirst) whose sequence b has
     * {@code lengths[b]} valid steps (1 to T). With {@code enforceSorted} the lengths must not increase
     * along the batch; otherwise the batch is sorted here and the PackedSequence remembers the order,
     * so layers return h_n and padded outputs in the caller's order.
     */
    public static PackedSequence packPaddedSequence(Tensor input, long[] lengths, boolean batchFirst, boolean enforceSorted) {
        if (input.dim() < 2) {
            throw new IllegalArgumentException("packPaddedSequence: input must be [T, B, *] (or [B, T, *] with batchFirst), got "
                    + Shapes.str(input.shape()));
        }
        Tensor x = batchFirst ? input.transpose(0, 1) : input;
        int steps = x.size(0), batch = x.size(1);
        if (lengths.length != batch) {
            throw new IllegalArgumentException("packPaddedSequence: " + lengths.length + " lengths for a batch of " + batch
                    + " (input " + Shapes.str(input.shape()) + ", batchFirst=" + batchFirst + ")");
        }
        for (long l : lengths) {
            if (l < 1 || l > steps) {
                throw new IllegalArgumentException("packPaddedSequence: every length must be in [1, " + steps + "] (the padded"
                        + " length), got " + Arrays.toString(lengths));
            }
        }
        int[] order = new int[batch];
        for (int b = 0; b < batch; b++) order[b] = b;
        Tensor sorted = null, unsorted = null;
        if (enforceSorted) {
            for (int b = 1; b < batch; b++) {
                if (lengths[b] > lengths[b - 1]) {
                    throw new IllegalArgumentException("packPaddedSequence: lengths must be in decreasing order when enforceSorted"
                            + " is true, got " + Arrays.toString(lengths) + "; pass enforceSorted = false to have them sorted");
                }
            }
        } else {
            order = Arrays.stream(order).boxed().sorted(Comparator.comparingLong(b -> -lengths[b]))
                    .mapToInt(Integer::intValue).toArray();
            long[] inverse = new long[batch];
            for (int i = 0; i < batch; i++) inverse[order[i]] = i;
            sorted = Tensor.of(Arrays.stream(order).asLongStream().toArray(), batch);
            unsorted = Tensor.of(inverse, batch);
        }
        long[] batchSizes = new long[(int) lengths[order[0]]];
        for (int t = 0; t < batchSizes.length; t++) for (long l : lengths) if (l > t) batchSizes[t]++;
        long[] rows = new long[Arrays.stream(lengths).mapToInt(Math::toIntExact).sum()];
        int r = 0;
        for (int t = 0; t < batchSizes.length; t++) for (int i = 0; i < batchSizes[t]; i++) rows[r++] = (long) t * batch + order[i];
        Tensor data = x.flatten(0, 1).indexSelect(0, Tensor.of(rows, rows.length));
        return new PackedSequence(data, Tensor.of(batchSizes, batchSizes.length), sorted, unsorted);
    }

    /** {@link #padPackedSequence(PackedSequence, boolean, double, int)}: time-major, zero padding, as long as the longest sequence. */
    public static PaddedSequence padPackedSequence(PackedSequence sequence) { return padPackedSequence(sequence, false, 0, -1); }

    public static PaddedSequence padPackedSequence(PackedSequence sequence, boolean batchFirst) {
        return padPackedSequence(sequence, batchFirst, 0, -1);
    }

    /**
     * Undoes packing: returns the batch padded with {@code paddingValue} to {@code totalLength} steps
     * (-1: the longest sequence's length) as [T, B, *] ([B, T, *] with batchFirst) in the caller's batch
     * order, with each sequence's length.
     */
    public static PaddedSequence padPackedSequence(PackedSequence sequence, boolean batchFirst, double paddingValue, int totalLength) {
        long[] bs = sequence.batchSizesArray();
        int steps = bs.length, batch = (int) bs[0];
        int total = totalLength < 0 ? steps : totalLength;
        if (total < steps) {
            throw new IllegalArgumentException("padPackedSequence: totalLength " + totalLength + " is shorter than the longest"
                    + " sequence (" + steps + " steps)");
        }
        Tensor data = sequence.data();
        int n = data.size(0);
        long[] start = new long[steps];
        for (int t = 1; t < steps; t++) start[t] = start[t - 1] + bs[t - 1];
        if (start[steps - 1] + bs[steps - 1] != n) {
            throw new IllegalArgumentException("padPackedSequence: batchSizes " + Arrays.toString(bs) + " add up to "
                    + (start[steps - 1] + bs[steps - 1]) + " rows, but data has " + n);
        }
        long[] position = sequence.unsortedIndices() == null ? null : sequence.unsortedIndices().toLongArray();
        // Every padded cell (t, b) reads packed row start[t] + (b's sorted position), or the appended padding row n.
        long[] rows = new long[total * batch];
        long[] lengths = new long[batch];
        for (int b = 0; b < batch; b++) {
            int i = position == null ? b : (int) position[b];
            for (int t = 0; t < total; t++) {
                boolean valid = t < steps && i < bs[t];
                rows[t * batch + b] = valid ? start[t] + i : n;
                if (valid) lengths[b]++;
            }
        }
        int[] rest = Arrays.copyOfRange(data.shape(), 1, data.dim());
        int[] padShape = new int[data.dim()];
        padShape[0] = 1;
        System.arraycopy(rest, 0, padShape, 1, rest.length);
        Tensor withPad = Tensor.cat(List.of(data, Tensor.full(paddingValue, data.dtype(), data.device(), padShape)), 0);
        int[] outShape = new int[data.dim() + 1];
        outShape[0] = total;
        outShape[1] = batch;
        System.arraycopy(rest, 0, outShape, 2, rest.length);
        Tensor padded = withPad.indexSelect(0, Tensor.of(rows, rows.length)).reshape(outShape);
        return new PaddedSequence(batchFirst ? padded.transpose(0, 1) : padded, Tensor.of(lengths, batch));
    }

    /** {@link #padSequence(List, boolean, double)}: time-major, zero padding. */
    public static Tensor padSequence(List<Tensor> sequences) { return padSequence(sequences, false, 0); }

    /**
     * Stacks sequences [L_i, *] (same trailing dims) into one batch [T, B, *] ([B, T, *] with batchFirst),
     * T the longest length, filling the rest with {@code paddingValue}.
     */
    public static Tensor padSequence(List<Tensor> sequences, boolean batchFirst, double paddingValue) {
        if (sequences.isEmpty()) throw new IllegalArgumentException("padSequence: needs at least one sequence");
        int[] trailing = Arrays.copyOfRange(sequences.get(0).shape(), 1, sequences.get(0).dim());
        int longest = 0;
        for (Tensor s : sequences) {
            if (s.dim() < 1 || !Arrays.equals(Arrays.copyOfRange(s.shape(), 1, s.dim()), trailing)) {
                throw new IllegalArgumentException("padSequence: every sequence must be [L, " + Arrays.toString(trailing)
                        .replaceAll("[\\[\\]]", "") + "], got " + Shapes.str(s.shape()));
            }
            longest = Math.max(longest, s.size(0));
        }
        List<Tensor> padded = new ArrayList<>(sequences.size());
        for (Tensor s : sequences) {
            if (s.size(0) == longest) {
                padded.add(s);
                continue;
            }
            int[] fill = s.shape();
            fill[0] = longest - s.size(0);
            padded.add(Tensor.cat(List.of(s, Tensor.full(paddingValue, s.dtype(), s.device(), fill)), 0));
        }
        return Tensor.stack(padded, batchFirst ? 0 : 1);
    }

    /** {@link #packSequence(List, boolean)} with PyTorch's default: sequences sorted by decreasing length. */
    public static PackedSequence packSequence(List<Tensor> sequences) { return packSequence(sequences, true); }

    /** Packs sequences [L_i, *] directly (padSequence, then packPaddedSequence). */
    public static PackedSequence packSequence(List<Tensor> sequences, boolean enforceSorted) {
        long[] lengths = sequences.stream().mapToLong(s -> s.dim() == 0 ? 0 : s.size(0)).toArray();
        return packPaddedSequence(padSequence(sequences), lengths, false, enforceSorted);
    }
}
