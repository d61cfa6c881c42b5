package dev.kindling.tensor;

import java.util.List;

/**
 * A whole recurrent network (every layer and direction of an RNN, LSTM or GRU, with dropout between
 * layers) computed by a device library in one call per direction of the pass, as cuDNN's RNN API does.
 * A {@link Backend} offers one through {@link Backend#recurrentNetwork()}; nn's recurrent layers hand it
 * their inputs on that device and otherwise run their own per-layer kernels.
 *
 * <p>Shapes, with N = the sum of {@link Spec#batchSizes}, B = batchSizes[0], L = numLayers,
 * D = directions, H = hiddenSize, G = gates: input [N, inputSize] in PackedSequence order (step t has
 * batchSizes[t] rows, batch entries sorted by decreasing length; a padded [T, B, in] batch is the case
 * of T equal sizes); h0, c0, h_n, c_n [L*D, B, H] (c only for LSTM); output [N, D*H]; weights PyTorch's
 * flat list (per layer and direction W_ih [G*H, in], W_hh [G*H, H], then b_ih, b_hh [G*H] with biases).
 * Every array given is contiguous and on the backend's device; every array returned is new.
 */
public interface RecurrentNetwork {
    /**
     * What one call computes. {@code mode} is "RNN_TANH", "RNN_RELU", "LSTM" or "GRU"; {@code dropout} is
     * the probability in force (0 outside training), applied to every layer's output but the last.
     */
    record Spec(String mode, int inputSize, int hiddenSize, int numLayers, boolean bidirectional, boolean hasBiases,
                double dropout, long[] batchSizes) {
        public int directions() { return bidirectional ? 2 : 1; }

        /** Entries of the batch: the rows of the first step. */
        public int batch() { return (int) batchSizes[0]; }

        /** Rows of the packed input and output. */
        public int rows() {
            long n = 0;
            for (long b : batchSizes) n += b;
            return (int) n;
        }

        /** Each batch entry's length: the number of steps whose batch size exceeds its index. */
        public int[] lengths() {
            int[] len = new int[batch()];
            for (long b : batchSizes) for (int i = 0; i < b; i++) len[i]++;
            return len;
        }
    }

    /** What a forward keeps for its backward (device buffers the library needs again); opaque to the caller. */
    interface Trace {}

    /** output [N, D*H], h_n and (LSTM) c_n [L*D, B, H]; {@code trace} is null unless a backward was asked for. */
    record Forward(NDArray output, NDArray hN, NDArray cN, Trace trace) {}

    /** Gradients of the input, h0, c0 (LSTM, else null) and, when asked for, of every weight in the flat order (else null). */
    record Gradients(NDArray input, NDArray h0, NDArray c0, List<NDArray> weights) {}

    /** Null when this network computes {@code spec} in {@code dtype}, else why not (the caller then runs its own kernels). */
    String unsupported(Spec spec, DType dtype);

    /** Runs the network; with {@code keepForBackward} the result's trace feeds {@link #backward}. */
    Forward forward(Spec spec, NDArray input, NDArray h0, NDArray c0, List<NDArray> weights, boolean keepForBackward);

    /**
     * Backpropagates a forward's output gradients (dh_n, dc_n zeros when unused) to the input, the initial
     * state and, with {@code weightGradients}, the weights.
     */
    Gradients backward(Spec spec, Trace trace, NDArray dOutput, NDArray dhN, NDArray dcN, boolean weightGradients);
}
