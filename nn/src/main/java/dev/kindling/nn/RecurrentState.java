package dev.kindling.nn;

import dev.kindling.autograd.Tensor;

/**
 * The state a recurrent layer starts from or ends in: h [layers * directions, batch, hidden] and, for
 * LSTM, c of the same shape (for cells, [batch, hidden]). A null state, or {@code null} passed to a
 * layer, means zeros, as in PyTorch.
 * <pre>{@code
 * RecurrentOutput a = lstm.forward(x1, RecurrentState.of(h0, c0));
 * RecurrentOutput b = lstm.forward(x2, a.state());   // carry the state on (truncated BPTT: detach it)
 * }</pre>
 */
public record RecurrentState(Tensor hidden, Tensor cell) {
    public RecurrentState {
        if (hidden == null) throw new IllegalArgumentException("RecurrentState: the hidden state h must not be null");
    }

    /** An RNN or GRU state. */
    public static RecurrentState of(Tensor h0) { return new RecurrentState(h0, null); }

    /** An LSTM state (h0, c0). */
    public static RecurrentState of(Tensor h0, Tensor c0) {
        if (c0 == null) throw new IllegalArgumentException("RecurrentState.of(h0, c0): c0 must not be null; use of(h0) for RNN and GRU");
        return new RecurrentState(h0, c0);
    }

    /** The same state cut from the graph, for truncated backpropagation through time. */
    public RecurrentState detach() { return new RecurrentState(hidden.detach(), cell == null ? null : cell.detach()); }
}
