package dev.kindling.nn;

import dev.kindling.autograd.Tensor;
import dev.kindling.nn.utils.rnn.PackedSequence;

/**
 * What {@code RNN}, {@code LSTM} and {@code GRU} return from {@code forward(x, state)}: the output
 * sequence (h of the last layer at every step: [T, B, directions * hidden], [B, T, ...] with
 * batchFirst, [T, directions * hidden] unbatched), h_n {@link #hidden()} and, for LSTM, c_n
 * {@link #cell()} (both [layers * directions, B, hidden] whatever batchFirst says, [layers * directions,
 * hidden] unbatched). For a packed input, {@link #packed()} is the output as a PackedSequence and
 * {@link #output()} its data [N, directions * hidden]; h_n then holds every sequence's state at its
 * own last step, in the caller's batch order.
 */
public record RecurrentOutput(Tensor output, Tensor hidden, Tensor cell, PackedSequence packed) {
    /** The final state, to start the next chunk of a sequence from. */
    public RecurrentState state() { return new RecurrentState(hidden, cell); }
}
